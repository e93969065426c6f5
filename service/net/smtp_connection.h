// SmtpConnection: one client of the SMTP receiver, from accept to close, on a TCPServer
// pool thread. The client was admitted on the accepting thread (AdmitOrRefuse below,
// smtp_admission.h), before any pool thread was spent on it; the connection takes its
// place, then pumps bytes between the socket and one SmtpSession: reads of up to 64 KiB
// go straight into SmtpSession::Receive, each batch of replies leaves in one write,
// STARTTLS switches the Connection to TLS between two reads.
//
// Time limits on input (each ends the session with "421 4.4.2"):
//   between commands      command_timeout of silence (the idle timeout)
//   a command line        command_timeout from its first byte to its end, however the
//                         bytes are spread out (no keeping a session by dripping bytes)
//   a message             message_timeout from DATA's "354" or the first BDAT chunk to
//                         the message's end, BDAT command lines between chunks included
//                         (smtp_server.h: MessageTimeoutFor)
//   a denied client       denied_wait in all
//
// SmtpServerState is what all connections of one server share. The server owns it and
// keeps it alive until every connection thread has ended.
//
// Thread safety: an SmtpConnection lives on one thread. SmtpServerState's members are
// each thread-safe as documented on them. AdmitOrRefuse is called by the one accepting
// thread.
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
#include "service/net/smtp_admission.h"
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
  SmtpAdmission admission;                    // thread-safe
  const std::unique_ptr<WakeEvent> draining;  // set by Stop(): idle sessions say 421 4.3.2
  const std::unique_ptr<WakeEvent> closing;   // set when the drain time is over
  Poco::Logger& logger;                       // "chainmail.smtp"; thread-safe

 private:
  mutable std::mutex mu_;
  std::condition_variable idle_cv_;  // signalled when running_ drops to zero
  size_t running_ = 0;               // guarded by mu_
};

// On the accepting thread, for a connection just accepted on `socket`: true if the
// client was admitted (its place parked in state.admission for the SmtpConnection); else
// the refusal ("421 4.7.0" over the limits, "554 5.7.1" for an outsider over the denied
// budget) was sent without waiting on the client, and the caller closes the socket.
bool AdmitOrRefuse(const Poco::Net::StreamSocket& socket, SmtpServerState& state);

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
