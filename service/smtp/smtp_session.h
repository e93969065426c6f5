// SmtpSession: the ESMTP receiver's protocol state machine, with no sockets.
//
// The socket loop (smtp_server.h) feeds it whatever bytes arrive and writes whatever it
// produces; unit tests do the same with strings. One SmtpSession serves one connection
// and is used by one thread. Receive() may block inside MessageIngest::Commit until the
// message is durably archived, which is what makes "250 only once durable" hold.
//
// Replies follow RFC 5321 with RFC 3463 enhanced status codes; see smtp_replies.h for
// the full table and chainmail.ini for the limits.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "archive/ingest.h"

namespace chainmail {

struct SmtpSessionConfig {
  std::string hostname = "localhost";      // in the banner and EHLO reply
  uint64_t max_message_bytes = 50u << 20;  // SIZE advertised; larger -> 552 5.3.4
  uint32_t max_recipients = 1000;          // more -> 452 4.5.3
  size_t max_command_line = 512;           // including CRLF; longer -> 500 5.5.2
  std::set<std::string> journal_recipients;  // lower-case addresses; empty = any
  bool require_tls = false;                // MAIL before STARTTLS -> 530 5.7.0
  bool tls_available = false;              // advertise and accept STARTTLS
};

struct ConnectionInfo {
  std::string client_address;  // textual IP
  uint16_t client_port = 0;
  std::string server_address;  // "ip:port" of the listener
  bool allowed = true;         // false: 554 5.7.1 banner, then only QUIT (RFC 5321 3.1)
};

class SmtpSession {
 public:
  SmtpSession(const SmtpSessionConfig& config, ConnectionInfo connection, MessageIngest& ingest);
  ~SmtpSession();
  SmtpSession(const SmtpSession&) = delete;
  SmtpSession& operator=(const SmtpSession&) = delete;

  // The first line the server sends: "220 <host> ESMTP chainmail" or, for a client not in
  // the allowlist, "554 5.7.1 ...".
  std::string Greeting();
  // Consumes bytes from the client: commands (pipelined or not), DATA and BDAT content.
  // Replies accumulate in the output buffer. Returns how many bytes were consumed: fewer
  // than offered once the replies not yet taken pass a bound (64 KiB plus one reply), so
  // a client that pipelines without reading cannot grow them further; the caller writes
  // TakeOutput() and offers the rest again, in order. After STARTTLS is accepted or the
  // session is closing, the remaining input is discarded and counted as consumed
  // (RFC 3207 5: no plaintext survives the upgrade).
  [[nodiscard]] size_t Receive(std::string_view bytes);
  // Replies produced so far; the caller writes them to the client.
  std::string TakeOutput();

  // True once the session wants the connection closed (QUIT, 421, fatal error); the
  // caller writes TakeOutput() and closes.
  bool WantsClose() const;
  // True after "220 2.0.0 Ready to start TLS": the caller writes TakeOutput(), performs the
  // TLS server handshake, then calls TlsStarted() (or closes if the handshake fails).
  bool WantsStartTls() const;
  // The TLS handshake succeeded: forget the EHLO state and any buffered plaintext.
  void TlsStarted(std::string protocol, std::string cipher);
  // True while a message body is in progress: inside DATA, inside a BDAT chunk, or
  // between the BDAT chunks of one message. A draining server lets such a session finish.
  bool MidMessage() const;
  // The client was idle past the command timeout: queues "421 4.4.2" and closes.
  void OnTimeout();
  // The server is shutting down: queues "421 4.3.2" and closes (between transactions).
  void OnShutdown();

  // Reply for a connection over the connection limits, sent in place of the banner.
  static std::string TooManyConnectionsReply(const std::string& hostname);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace chainmail
