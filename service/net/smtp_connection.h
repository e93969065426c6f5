// SmtpConnection: one client of the SMTP receiver, from accept to close, on a TCPServer
// pool thread. It admits or refuses the client (connection limits, then the allowlist,
// both before the banner), then pumps bytes between the socket and one SmtpSession:
// reads of up to 64 KiB go straight into SmtpSession::Receive, each batch of replies
// leaves in one write, STARTTLS switches the Connection to TLS between two reads.
//
// SmtpServerState is what all connections of one server share. The server owns it and
// keeps it alive until every connection thread has ended.
//
// Thread safety: an SmtpConnection lives on one thread. SmtpServerState's members are
// each thread-safe as documented on them.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "Poco/Logger.h"
#include "Poco/Net/TCPServerConnection.h"
#include "archive/ingest.h"
#include "service/net/connection.h"
#include "service/net/connection_limiter.h"
#include "service/net/smtp_server.h"
#include "service/net/wake_event.h"
#include "service/smtp/smtp_session.h"

namespace chainmail {

struct SmtpServerState {
  SmtpServerState(const SmtpServerOptions& options, MessageIngest& ingest, SmtpCounters& counters,
                  std::unique_ptr<WakeEvent> draining, std::unique_ptr<WakeEvent> closing);

  // Connection threads register for their whole run, so that Stop() can wait for them.
  void Enter();
  void Leave();
  // True once no connection is registered; false if `deadline` passed first.
  bool WaitUntilIdle(std::chrono::steady_clock::time_point deadline);
  size_t running() const;

  const SmtpServerOptions& options;           // immutable while connections run
  MessageIngest& ingest;                      // thread-safe
  SmtpCounters& counters;                     // thread-safe; replies and sessions counted here
  ConnectionLimiter limiter;                  // thread-safe
  const std::unique_ptr<WakeEvent> draining;  // set by Stop(): idle sessions say 421 4.3.2
  const std::unique_ptr<WakeEvent> closing;   // set when the drain time is over
  Poco::Logger& logger;                       // "chainmail.smtp"; thread-safe

 private:
  mutable std::mutex mu_;
  std::condition_variable idle_cv_;  // signalled when running_ drops to zero
  size_t running_ = 0;               // guarded by mu_
};

class SmtpConnection : public Poco::Net::TCPServerConnection {
 public:
  // `state` must outlive the connection.
  SmtpConnection(const Poco::Net::StreamSocket& socket, SmtpServerState& state)
      : Poco::Net::TCPServerConnection(socket), state_(state) {}

  // The connection boundary: nothing thrown below escapes; it is logged and the
  // connection closed.
  void run() override;

 private:
  void Serve();
  // Greeting to close: reads go to the session, its replies to the client.
  void Converse(Connection& connection, SmtpSession& session, bool allowed);
  // Writes `output` (nothing if empty); false, logged, if the client is gone.
  bool Flush(Connection& connection, const std::string& output);
  // Handshake after "220 Ready to start TLS"; false, logged, if it failed.
  bool StartTls(Connection& connection, SmtpSession& session);
  void Log(Poco::Message::Priority priority, const std::string& text);

  SmtpServerState& state_;
  std::string client_;  // "address:port", for log lines
};

}  // namespace chainmail
