// SmtpTestClient: a deliberately plain SMTP client for the socket-loop tests: blocking
// POSIX socket with a receive timeout, optional source address (to appear as another
// client), and an OpenSSL client for STARTTLS that verifies the server certificate.
// Failures are reported as values or empty strings so that a test can assert on them.
//
// One client per test thread.
#pragma once

#include <openssl/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "archive/format/status.h"

namespace chainmail::testing {

struct TlsClientOptions {
  std::string ca_file;                    // trust only this certificate (PEM)
  std::string expected_ip = "127.0.0.1";  // the server certificate must name this IP
  int min_version = 0;                    // 0: OpenSSL's default
  int max_version = 0;
  bool allow_legacy = false;  // security level 0, so that TLS 1.0/1.1 can be offered
};

class SmtpTestClient {
 public:
  // Connects to 127.0.0.1:`port`, from `source_ip` when not empty (e.g. "127.0.0.2").
  static Result<std::unique_ptr<SmtpTestClient>> Connect(uint16_t port,
                                                         const std::string& source_ip = "");
  ~SmtpTestClient();

  bool Send(std::string_view bytes);
  // One complete reply, all its lines with their CRLFs; empty on close or timeout.
  std::string ReadReply();
  // Sends `line` + CRLF and returns the reply.
  std::string Command(std::string_view line);
  // True when the server closes the connection (orderly or by reset) within `timeout`,
  // ignoring anything else it sends; `*rest` gets those bytes when not null.
  bool WaitForClose(std::chrono::milliseconds timeout, std::string* rest = nullptr);
  // True as soon as something can be read (a reply, or the close), false if nothing came
  // within `timeout`. Reads nothing: ReadReply() or WaitForClose() then collect it.
  bool WaitForInput(std::chrono::milliseconds timeout);
  // Client side of STARTTLS once "220" was read: handshake and certificate check.
  Status StartTls(const TlsClientOptions& options);
  // Closes with a TCP reset (SO_LINGER 0), as a crashing peer would.
  void Reset();

  uint16_t local_port() const;
  std::string tls_protocol() const;
  std::string tls_cipher() const;  // IANA name

 private:
  explicit SmtpTestClient(int fd) : fd_(fd) {}
  // Appends what arrives to buffer_; false on close, error or timeout.
  bool Receive();

  int fd_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string buffer_;
};

}  // namespace chainmail::testing
