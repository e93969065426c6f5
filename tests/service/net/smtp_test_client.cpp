#include "tests/service/net/smtp_test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace chainmail::testing {
namespace {

constexpr int kReceiveTimeoutSeconds = 10;

std::string SslErrors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    text += text.empty() ? "" : "; ";
    text += buffer;
  }
  return text.empty() ? "unknown" : text;
}

void SetReceiveTimeout(int fd, std::chrono::milliseconds timeout) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

}  // namespace

Result<std::unique_ptr<SmtpTestClient>> SmtpTestClient::Connect(uint16_t port,
                                                                const std::string& source_ip) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IoError(strerror(errno));
  std::unique_ptr<SmtpTestClient> client(new SmtpTestClient(fd));
  if (!source_ip.empty()) {
    sockaddr_in source{};
    source.sin_family = AF_INET;
    inet_pton(AF_INET, source_ip.c_str(), &source.sin_addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0) {
      return Status::IoError("bind " + source_ip + ": " + strerror(errno));
    }
  }
  sockaddr_in server{};
  server.sin_family = AF_INET;
  server.sin_port = htons(port);
  server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0) {
    return Status::IoError(std::string("connect: ") + strerror(errno));
  }
  SetReceiveTimeout(fd, std::chrono::seconds(kReceiveTimeoutSeconds));
  return client;
}

SmtpTestClient::~SmtpTestClient() {
  SSL_free(ssl_);
  SSL_CTX_free(ctx_);
  if (fd_ >= 0) close(fd_);
}

bool SmtpTestClient::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ssl_ ? SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()))
                     : send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool SmtpTestClient::Receive() {
  char chunk[16384];
  ssize_t n = ssl_ ? SSL_read(ssl_, chunk, sizeof chunk) : recv(fd_, chunk, sizeof chunk, 0);
  if (n <= 0) return false;
  buffer_.append(chunk, static_cast<size_t>(n));
  return true;
}

std::string SmtpTestClient::ReadReply() {
  for (;;) {
    // A reply ends with a line "ddd<SP>...CRLF"; earlier lines are "ddd-...CRLF".
    for (size_t start = 0;;) {
      size_t end = buffer_.find("\r\n", start);
      if (end == std::string::npos) break;
      if (end - start >= 3 && (end - start == 3 || buffer_[start + 3] == ' ')) {
        std::string reply = buffer_.substr(0, end + 2);
        buffer_.erase(0, end + 2);
        return reply;
      }
      start = end + 2;
    }
    if (!Receive()) return {};
  }
}

std::string SmtpTestClient::Command(std::string_view line) {
  if (!Send(std::string(line) + "\r\n")) return {};
  return ReadReply();
}

bool SmtpTestClient::WaitForClose(std::chrono::milliseconds timeout, std::string* rest) {
  SetReceiveTimeout(fd_, timeout);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool closed = false;
  for (;;) {
    errno = 0;
    if (Receive()) {
      if (std::chrono::steady_clock::now() < deadline) continue;
      break;
    }
    closed = errno != EAGAIN && errno != EWOULDBLOCK;
    break;
  }
  if (rest != nullptr) *rest = std::move(buffer_);
  buffer_.clear();
  SetReceiveTimeout(fd_, std::chrono::seconds(kReceiveTimeoutSeconds));
  return closed;
}

bool SmtpTestClient::WaitForInput(std::chrono::milliseconds timeout) {
  if (!buffer_.empty() || (ssl_ != nullptr && SSL_pending(ssl_) > 0)) return true;
  pollfd wait{fd_, POLLIN, 0};
  return poll(&wait, 1, static_cast<int>(timeout.count())) > 0;
}

Status SmtpTestClient::StartTls(const TlsClientOptions& options) {
  ERR_clear_error();
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (ctx_ == nullptr) return Status::IoError(SslErrors());
  if (options.allow_legacy) {
    SSL_CTX_set_security_level(ctx_, 0);
    SSL_CTX_set_cipher_list(ctx_, "DEFAULT:@SECLEVEL=0");
  }
  if (options.min_version) SSL_CTX_set_min_proto_version(ctx_, options.min_version);
  if (options.max_version) SSL_CTX_set_max_proto_version(ctx_, options.max_version);
  if (SSL_CTX_load_verify_locations(ctx_, options.ca_file.c_str(), nullptr) != 1) {
    return Status::IoError("CA file: " + SslErrors());
  }
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  ssl_ = SSL_new(ctx_);
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), options.expected_ip.c_str());
  SSL_set_fd(ssl_, fd_);
  if (SSL_connect(ssl_) != 1) {
    std::string why = SslErrors();
    SSL_free(ssl_);
    ssl_ = nullptr;
    return Status::IoError("TLS handshake: " + why);
  }
  buffer_.clear();
  return Status::Ok();
}

void SmtpTestClient::Reset() {
  linger hard{1, 0};
  setsockopt(fd_, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  close(fd_);
  fd_ = -1;
}

uint16_t SmtpTestClient::local_port() const {
  sockaddr_in local{};
  socklen_t length = sizeof local;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &length);
  return ntohs(local.sin_port);
}

std::string SmtpTestClient::tls_protocol() const { return ssl_ ? SSL_get_version(ssl_) : ""; }

std::string SmtpTestClient::tls_cipher() const {
  return ssl_ ? SSL_CIPHER_standard_name(SSL_get_current_cipher(ssl_)) : "";
}

}  // namespace chainmail::testing
