// TlsStream: the server side of TLS over an already-connected socket, started after the
// client's STARTTLS (RFC 3207). Handshake, reads and writes all honour a timeout and an
// interrupt descriptor (io_wait.h); failures are values, never exceptions.
//
// The stream does not own the descriptor: the caller keeps it open while the stream lives
// and closes it afterwards. One TlsStream serves one connection and is used by one thread
// at a time (it uses that thread's OpenSSL error queue).
#pragma once

#include <openssl/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "archive/format/status.h"
#include "service/net/io_wait.h"
#include "service/net/tls_server_context.h"

namespace chainmail {

class TlsStream {
 public:
  // Runs the server handshake on `fd` (switched to non-blocking mode), giving up after
  // `timeout` or when `interrupt_fd` fires. `context` must outlive the stream. Fails
  // with OpenSSL's reason, e.g. "unsupported protocol" for a TLS 1.1 client.
  static Result<std::unique_ptr<TlsStream>> Accept(const TlsServerContext& context, int fd,
                                                   std::chrono::milliseconds timeout,
                                                   int interrupt_fd);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  // Decrypts up to `capacity` bytes into `buffer`. A close_notify from the peer is kEof.
  ReadResult Read(char* buffer, size_t capacity, std::chrono::milliseconds timeout,
                  int interrupt_fd);
  // Encrypts and sends all of `bytes`.
  Status Write(std::string_view bytes, std::chrono::milliseconds timeout, int interrupt_fd);
  // Sends close_notify if the connection is still sound; does not wait for the peer's.
  void Shutdown();

  // The negotiated version as OpenSSL names it ("TLSv1.3", "TLSv1.2").
  const std::string& protocol() const { return protocol_; }
  // The negotiated cipher suite's IANA name ("TLS_AES_256_GCM_SHA384",
  // "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"): the same in every TLS implementation.
  const std::string& cipher() const { return cipher_; }

 private:
  TlsStream(SSL* ssl, int fd) : ssl_(ssl), fd_(fd) {}
  struct CallResult;
  // Repeats `call` (an SSL_*_ex style function returning 1 on success) until it succeeds,
  // waiting on the socket for whatever OpenSSL needs, until `timeout` or an interrupt.
  template <typename Call>
  CallResult Drive(Call call, std::chrono::milliseconds timeout, int interrupt_fd);

  SSL* ssl_;
  int fd_;
  bool broken_ = false;  // a fatal error happened: no close_notify may be sent
  std::string protocol_;
  std::string cipher_;
};

}  // namespace chainmail
