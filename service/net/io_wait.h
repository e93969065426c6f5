// Waiting on a non-blocking socket with a deadline and an interrupt, and the outcome of
// one read. Shared by the plain (connection.h) and TLS (tls_stream.h) byte channels.
//
// Free functions over descriptors the caller owns; no state, safe from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace chainmail {

using IoClock = std::chrono::steady_clock;

enum class IoWait { kReady, kTimeout, kInterrupted, kError };

// Waits until `fd` is ready for `events` (POLLIN or POLLOUT), `deadline` passes, or
// `interrupt_fd` becomes readable (-1: no interrupt). An interrupt wins over readiness,
// so a shutdown is noticed even by a busy peer. Retries on EINTR.
IoWait WaitForFd(int fd, short events, IoClock::time_point deadline, int interrupt_fd);

struct ReadResult {
  enum class Kind {
    kData,         // `size` (> 0) bytes were read
    kEof,          // the peer closed its side in an orderly way
    kTimeout,      // nothing arrived before the deadline
    kInterrupted,  // the interrupt descriptor fired
    kError,        // `error` says what failed (reset, TLS alert, ...)
  };
  Kind kind = Kind::kError;
  size_t size = 0;
  std::string error = {};

  static ReadResult Data(size_t n) { return {Kind::kData, n, {}}; }
  static ReadResult Eof() { return {Kind::kEof, 0, {}}; }
  static ReadResult Error(std::string what) { return {Kind::kError, 0, std::move(what)}; }
  // kTimeout, kInterrupted or kError for a wait that did not end in kReady.
  static ReadResult FromWait(IoWait wait);
};

// "timed out", "interrupted" or "poll failed: <errno text>" for a wait that did not end in
// kReady (read errno right after the wait).
std::string DescribeWait(IoWait wait);

// The text of errno value `error_number` ("Connection reset by peer").
std::string ErrnoText(int error_number);

}  // namespace chainmail
