// SmtpServer: the SMTP receiver's socket side. It listens, admits or refuses each client
// on the accepting thread (the allowlist first, then the places of its kind:
// smtp_admission.h), and runs one SmtpSession per admitted connection on a pool thread,
// feeding it bytes and writing its replies, with STARTTLS, timeouts and a draining
// shutdown. All SMTP decisions are the session's; this layer only moves bytes.
//
// What a client sees at the edges (see also smtp_session.h), in the order decided:
//   address outside allowed_networks          "554 5.7.1" instead of the banner, then
//                                             "503 5.5.1" to anything but QUIT, closed
//                                             after denied_wait. It takes one of the
//                                             max_denied_connections places, never one
//                                             of max_connections.
//   ... and max_denied_connections reached    "554 5.7.1", closed at once
//   allowed, over max_connections or          "421 4.7.0" instead of the banner, closed
//     max_connections_per_ip                  at once
//   silent for command_timeout                "421 4.4.2", closed
//   a command line not ended command_timeout  "421 4.4.2", closed
//     after its first byte
//   a message not ended message_timeout       "421 4.4.2", closed; nothing archived
//     after DATA's 354 or its first BDAT chunk
//   Stop()                                    "421 4.3.2" (idle sessions at once)
//
// Threads: one pool thread per place (max_connections + max_denied_connections); a
// refusal is sent by the accepting thread without waiting on the client.
//
// Thread safety: Start, Stop and the destructor are called by one owner thread; once
// Start() has returned, port() and active_connections() may be called from any thread;
// counters() from any thread at any time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "archive/format/status.h"
#include "archive/ingest.h"
#include "service/net/cidr_list.h"
#include "service/net/smtp_counters.h"
#include "service/net/tls_server_context.h"
#include "service/smtp/smtp_session.h"

namespace Poco {
class ThreadPool;
namespace Net {
class TCPServer;
}
}  // namespace Poco

namespace chainmail {

struct SmtpServerOptions {
  // "host:port" or "[v6]:port" with an IP literal; port 0 = ephemeral (tests). "[::]"
  // listens dual-stack; IPv4 clients then match IPv4 allowlist entries as usual.
  std::string listen = "127.0.0.1:2525";
  CidrList allowed_networks;                  // clients outside get the 554 5.7.1 flow
  uint32_t max_connections = 200;             // allowed clients; over -> "421 4.7.0" in
                                              // place of the banner
  uint32_t max_connections_per_ip = 50;       // over -> same
  std::chrono::seconds command_timeout{300};  // idle, or one command line from its first
                                              // byte -> "421 4.4.2", close; also bounds
                                              // each write and the TLS handshake
  std::chrono::seconds denied_wait{10};       // how long a denied client may take to QUIT
  uint32_t max_denied_connections = 8;        // denied clients in the 554 flow at once;
                                              // over -> "554 5.7.1", closed at once
  // How long one message's whole DATA body, or all its BDAT chunks, may take; unset:
  // MessageTimeoutFor(session.max_message_bytes).
  std::optional<std::chrono::seconds> message_timeout;
  SmtpSessionConfig session;                  // tls_available is set from `tls`
  std::shared_ptr<TlsServerContext> tls;      // null: no STARTTLS
};

// The default SmtpServerOptions::message_timeout: RFC 5321 4.5.3.2's ten minutes for a
// data block, or the time `max_message_bytes` takes at 32 KiB/s (about 0.25 Mbit/s), if
// longer: 50 MiB may take 1600 s; at most a year. Slower than that, a message of the
// largest size allowed is cut with "421 4.4.2"; a client dripping bytes to hold a
// connection is cut after it.
std::chrono::seconds MessageTimeoutFor(uint64_t max_message_bytes);

struct SmtpServerState;

class SmtpServer {
 public:
  // `ingest` must outlive the server.
  SmtpServer(SmtpServerOptions options, MessageIngest& ingest);
  ~SmtpServer();  // Stop(0s) if running
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  // Binds and listens, then accepts in the background. Fails with the address and the
  // system's reason ("Address already in use"); never takes over a port another process
  // holds (SO_REUSEADDR for TIME_WAIT only, no SO_REUSEPORT).
  Status Start();
  // Stops accepting; idle sessions get "421 4.3.2" at once; a session in the middle of
  // DATA/BDAT or of a Commit may finish (its 250 is sent) for up to `drain`; then every
  // connection is closed. Returns once every connection thread has ended (a Commit in
  // progress is waited for: it cannot be interrupted). Idempotent.
  void Stop(std::chrono::seconds drain);

  uint16_t port() const { return port_; }  // the bound port, valid after Start
  size_t active_connections() const;       // connections currently being served
  // Replies by code, sessions, messages and bytes archived, for /metrics. Lives as long
  // as the server.
  const SmtpCounters& counters() const { return counters_; }

 private:
  SmtpServerOptions options_;
  SmtpCounters counters_;
  // `ingest` with every committed message counted in counters_; what sessions use.
  std::unique_ptr<MessageIngest> counted_ingest_;
  uint16_t port_ = 0;
  std::unique_ptr<SmtpServerState> state_;
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::TCPServer> tcp_;
};

}  // namespace chainmail
