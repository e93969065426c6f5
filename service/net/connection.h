// Connection: the byte channel one SMTP connection runs over. It starts as the plain
// connected socket and is upgraded once to TLS after STARTTLS; the socket loop reads and
// writes through it without caring which.
//
// Every operation has a timeout and an interrupt descriptor (io_wait.h; -1 for none), so
// a silent or stalled peer never holds a thread past its deadline and a server shutdown
// wakes every connection. No per-byte system calls: a read takes whatever the kernel has
// (up to the caller's buffer), a write hands the whole reply to the kernel in one send.
//
// Does not own the descriptor (the Poco StreamSocket does). One Connection is used by one
// thread at a time.
#pragma once

#include <chrono>
#include <memory>
#include <string_view>

#include "archive/format/status.h"
#include "service/net/io_wait.h"
#include "service/net/tls_server_context.h"
#include "service/net/tls_stream.h"

namespace chainmail {

class Connection {
 public:
  explicit Connection(int fd) : fd_(fd) {}

  ReadResult Read(char* buffer, size_t capacity, std::chrono::milliseconds timeout,
                  int interrupt_fd);
  Status Write(std::string_view bytes, std::chrono::milliseconds timeout, int interrupt_fd);

  // The TLS server handshake on this connection. Call it only once the socket holds no
  // unread plaintext the caller cares about: whatever the peer sent before its
  // ClientHello is read by the handshake and fails it. `context` must outlive this.
  Status StartTls(const TlsServerContext& context, std::chrono::milliseconds timeout,
                  int interrupt_fd);
  // The TLS session after StartTls succeeded, else null.
  const TlsStream* tls() const { return tls_.get(); }

  // Ends the connection gracefully: close_notify under TLS, then FIN, then discards what
  // the peer still sends until it closes, `linger` passes or `interrupt_fd` fires. Without
  // this, unread input makes the kernel answer with a reset that can destroy the final
  // reply ("221", "421") before the client reads it. Does not close the descriptor.
  void Close(std::chrono::milliseconds linger, int interrupt_fd);

 private:
  int fd_;
  std::unique_ptr<TlsStream> tls_;
};

}  // namespace chainmail
