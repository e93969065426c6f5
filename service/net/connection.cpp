#include "service/net/connection.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

namespace chainmail {
namespace {

constexpr size_t kMaxLingerBytes = 1 << 20;

}  // namespace

ReadResult Connection::Read(char* buffer, size_t capacity, std::chrono::milliseconds timeout,
                            int interrupt_fd) {
  if (tls_) return tls_->Read(buffer, capacity, timeout, interrupt_fd);
  const IoClock::time_point deadline = IoClock::now() + timeout;
  for (;;) {
    // Try first: a busy client usually has bytes waiting, and then one call suffices.
    ssize_t n = recv(fd_, buffer, capacity, MSG_DONTWAIT);
    if (n > 0) return ReadResult::Data(static_cast<size_t>(n));
    if (n == 0) return ReadResult::Eof();
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return ReadResult::Error(ErrnoText(errno));
    IoWait wait = WaitForFd(fd_, POLLIN, deadline, interrupt_fd);
    if (wait != IoWait::kReady) return ReadResult::FromWait(wait);
  }
}

Status Connection::Write(std::string_view bytes, std::chrono::milliseconds timeout,
                         int interrupt_fd) {
  if (tls_) return tls_->Write(bytes, timeout, interrupt_fd);
  const IoClock::time_point deadline = IoClock::now() + timeout;
  while (!bytes.empty()) {
    // MSG_NOSIGNAL: a peer that went away is an error value here, not a SIGPIPE.
    ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      return Status::IoError("write: " + ErrnoText(errno));
    }
    IoWait wait = WaitForFd(fd_, POLLOUT, deadline, interrupt_fd);
    if (wait != IoWait::kReady) return Status::IoError("write: " + DescribeWait(wait));
  }
  return Status::Ok();
}

Status Connection::StartTls(const TlsServerContext& context, std::chrono::milliseconds timeout,
                            int interrupt_fd) {
  if (tls_) return Status::InvalidArgument("TLS is already active");
  Result<std::unique_ptr<TlsStream>> stream =
      TlsStream::Accept(context, fd_, timeout, interrupt_fd);
  if (!stream.ok()) return stream.status();
  tls_ = std::move(*stream);
  return Status::Ok();
}

void Connection::Close(std::chrono::milliseconds linger, int interrupt_fd) {
  if (tls_) tls_->Shutdown();
  if (shutdown(fd_, SHUT_WR) != 0) return;  // already gone
  const IoClock::time_point deadline = IoClock::now() + linger;
  char discard[4096];
  for (size_t total = 0; total < kMaxLingerBytes;) {
    ssize_t n = recv(fd_, discard, sizeof discard, MSG_DONTWAIT);
    if (n > 0) {
      total += static_cast<size_t>(n);
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) {
      return;
    } else if (errno != EINTR && WaitForFd(fd_, POLLIN, deadline, interrupt_fd) != IoWait::kReady) {
      return;
    }
  }
}

}  // namespace chainmail
