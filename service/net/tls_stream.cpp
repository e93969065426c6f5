#include "service/net/tls_stream.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>

#include <cerrno>

#include "service/net/openssl_error.h"

namespace chainmail {

struct TlsStream::CallResult {
  enum class Kind { kDone, kClosed, kWait, kError };
  Kind kind;
  IoWait wait = IoWait::kReady;  // kWait: why waiting ended without the call finishing
  std::string error = {};        // kError
};

template <typename Call>
TlsStream::CallResult TlsStream::Drive(Call call, std::chrono::milliseconds timeout,
                                       int interrupt_fd) {
  const IoClock::time_point deadline = IoClock::now() + timeout;
  for (;;) {
    ERR_clear_error();
    errno = 0;
    int rc = call();
    int saved_errno = errno;
    if (rc == 1) return {CallResult::Kind::kDone};
    short events = POLLIN;
    switch (SSL_get_error(ssl_, rc)) {
      case SSL_ERROR_WANT_READ:
        break;
      case SSL_ERROR_WANT_WRITE:
        events = POLLOUT;
        break;
      case SSL_ERROR_ZERO_RETURN:
        return {CallResult::Kind::kClosed};
      case SSL_ERROR_SYSCALL:
        broken_ = true;
        return {CallResult::Kind::kError, IoWait::kReady,
                saved_errno != 0 ? ErrnoText(saved_errno)
                                 : TakeOpenSslErrors("connection closed by peer")};
      default:
        broken_ = true;
        return {CallResult::Kind::kError, IoWait::kReady, TakeOpenSslErrors()};
    }
    IoWait wait = WaitForFd(fd_, events, deadline, interrupt_fd);
    if (wait != IoWait::kReady) return {CallResult::Kind::kWait, wait};
  }
}

Result<std::unique_ptr<TlsStream>> TlsStream::Accept(const TlsServerContext& context, int fd,
                                                     std::chrono::milliseconds timeout,
                                                     int interrupt_fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    return Status::IoError("TLS handshake: fcntl: " + ErrnoText(errno));
  }
  ERR_clear_error();
  SSL* ssl = SSL_new(context.native());
  if (ssl == nullptr) return Status::IoError("TLS handshake: " + TakeOpenSslErrors());
  std::unique_ptr<TlsStream> stream(new TlsStream(ssl, fd));
  if (SSL_set_fd(ssl, fd) != 1) return Status::IoError("TLS handshake: " + TakeOpenSslErrors());

  CallResult r = stream->Drive([ssl] { return SSL_accept(ssl); }, timeout, interrupt_fd);
  switch (r.kind) {
    case CallResult::Kind::kDone:
      break;
    case CallResult::Kind::kClosed:
      return Status::IoError("TLS handshake: the client closed the connection");
    case CallResult::Kind::kWait:
      return Status::IoError("TLS handshake: " + DescribeWait(r.wait));
    case CallResult::Kind::kError:
      return Status::IoError("TLS handshake: " + r.error);
  }
  stream->protocol_ = SSL_get_version(ssl);
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  const char* name = cipher ? SSL_CIPHER_standard_name(cipher) : nullptr;
  if (name == nullptr && cipher != nullptr) name = SSL_CIPHER_get_name(cipher);
  stream->cipher_ = name ? name : "";
  return stream;
}

TlsStream::~TlsStream() { SSL_free(ssl_); }

ReadResult TlsStream::Read(char* buffer, size_t capacity, std::chrono::milliseconds timeout,
                           int interrupt_fd) {
  size_t n = 0;
  CallResult r =
      Drive([&] { return SSL_read_ex(ssl_, buffer, capacity, &n); }, timeout, interrupt_fd);
  switch (r.kind) {
    case CallResult::Kind::kDone:
      return ReadResult::Data(n);
    case CallResult::Kind::kClosed:
      return ReadResult::Eof();
    case CallResult::Kind::kWait:
      return ReadResult::FromWait(r.wait);
    default:
      return ReadResult::Error("TLS read: " + r.error);
  }
}

Status TlsStream::Write(std::string_view bytes, std::chrono::milliseconds timeout,
                        int interrupt_fd) {
  if (bytes.empty()) return Status::Ok();
  size_t written = 0;
  CallResult r = Drive([&] { return SSL_write_ex(ssl_, bytes.data(), bytes.size(), &written); },
                       timeout, interrupt_fd);
  switch (r.kind) {
    case CallResult::Kind::kDone:
      return Status::Ok();
    case CallResult::Kind::kClosed:
      return Status::IoError("TLS write: the peer closed the connection");
    case CallResult::Kind::kWait:
      return Status::IoError("TLS write: " + DescribeWait(r.wait));
    default:
      return Status::IoError("TLS write: " + r.error);
  }
}

void TlsStream::Shutdown() {
  if (broken_) return;
  ERR_clear_error();
  SSL_shutdown(ssl_);  // non-blocking: queues close_notify, returns without the peer's
  ERR_clear_error();
}

}  // namespace chainmail
