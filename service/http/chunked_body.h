// ReadChunkedBody: a request body in the chunked transfer coding (RFC 9112 7.1), decoded
// a byte at a time and checked strictly, in place of Poco's HTTPChunkedInputStream (which
// ended the body quietly at a malformed chunk size, a size of 9 or more digits, or the end
// of the stream, so a truncated or garbled body was acted on as complete):
//
//   chunked-body = *chunk last-chunk trailer-section CRLF
//   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//   last-chunk   = 1*("0") [ chunk-ext ] CRLF
//
// A chunk size is hex, leading zeros allowed (kMaxSizeDigits digits in all); more than
// 16 significant digits, or a running total over `max_bytes`, is too large (413) and is
// refused before its data is read. Chunk extensions are skipped (at most kMaxExtension
// bytes a line, no control characters but HTAB). The framing's line ends are CRLF only;
// the trailer section is read with ReadHeaderFields (its limits) and discarded. The end
// of the stream anywhere before the final empty line is kEndedEarly.
//
// A pure function of the bytes `next` returns; thread-safe. `next` returns a byte (0-255)
// or -1 at the end of the stream; what it throws passes through.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace chainmail {

struct ChunkedBody {
  static constexpr size_t kMaxExtension = 4096;
  static constexpr size_t kMaxSizeDigits = 64;  // leading zeros included

  enum class Outcome {
    kOk,
    kEndedEarly,  // the stream ended before the body did
    kMalformed,   // not the chunked coding (`problem` says why): 400
    kTooLarge,    // over max_bytes: 413
  };

  Outcome outcome = Outcome::kEndedEarly;
  std::string problem;  // kMalformed
};

// Appends the decoded body to `*body` (part of it, when not kOk). `body` must not be null.
ChunkedBody ReadChunkedBody(const std::function<int()>& next, uint64_t max_bytes, std::string* body);

}  // namespace chainmail
