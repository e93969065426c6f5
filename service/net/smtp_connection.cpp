#include "service/net/smtp_connection.h"

#include <signal.h>

#include <algorithm>
#include <optional>

#include "Poco/Exception.h"
#include "Poco/Net/IPAddress.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/Net/StreamSocket.h"
#include "service/net/cidr_list.h"
#include "service/smtp/smtp_replies.h"

namespace chainmail {
namespace {

// One read buffer per connection: the whole per-connection I/O memory outside the session.
constexpr size_t kReadBufferSize = 64 * 1024;
// How long a closing connection waits for the client to close its side (connection.h).
constexpr std::chrono::milliseconds kCloseLinger{1000};

// "1.2.3.4:25" or "[::1]:25", with an IPv4-mapped address shown as the IPv4 address.
std::string FormatEndpoint(const Poco::Net::SocketAddress& address) {
  Poco::Net::IPAddress host = UnmapIpv4(address.host());
  std::string text = host.toString();
  if (host.family() == Poco::Net::IPAddress::IPv6) text = "[" + text + "]";
  return text + ":" + std::to_string(address.port());
}

// OpenSSL sends with write(2), which raises SIGPIPE once the peer is gone. Blocked on
// this thread, a vanished client costs an error value instead of the process.
void BlockSigpipeOnThisThread() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// Registers a connection thread with the server (Stop waits for it) and counts the session.
class RunningScope {
 public:
  explicit RunningScope(SmtpServerState& state) : state_(state) {
    state_.Enter();
    state_.counters.SessionOpened();
  }
  ~RunningScope() {
    state_.counters.SessionClosed();
    state_.Leave();
  }

 private:
  SmtpServerState& state_;
};

// When the client must have finished what it started, however it spreads the bytes out:
// the command line being received, command_timeout after its first byte; the message being
// received (MidMessage), message_timeout after it began. Between commands there is none
// (only the idle timeout applies). Every complete command line is answered, so a read that
// drew no reply continues a line, and one that did ends a line unless bytes follow its
// last LF.
class InputDeadline {
 public:
  InputDeadline(std::chrono::seconds line_timeout, std::chrono::seconds message_timeout)
      : line_timeout_(Bounded(line_timeout)), message_timeout_(Bounded(message_timeout)) {}

  // The session consumed a read whose last byte was `last`, answering it (`answered`) or
  // not, and is now MidMessage() or not.
  void Received(char last, bool answered, bool mid_message, IoClock::time_point now) {
    if (mid_message) {
      if (!in_message_) deadline_ = now + message_timeout_;
      in_message_ = true;
      return;
    }
    if (in_message_) deadline_ = kNone;
    in_message_ = false;
    if (answered) {
      deadline_ = last == '\n' ? kNone : now + line_timeout_;
    } else if (deadline_ == kNone) {
      deadline_ = now + line_timeout_;
    }
  }
  // Nothing started: after TLS came up, nothing sent before it counts.
  void Clear() {
    deadline_ = kNone;
    in_message_ = false;
  }
  IoClock::time_point deadline() const { return deadline_; }
  const char* what() const { return in_message_ ? "message" : "command line"; }

 private:
  static constexpr IoClock::time_point kNone = IoClock::time_point::max();
  // At most a year, so that now + timeout cannot overflow.
  static IoClock::duration Bounded(std::chrono::seconds timeout) {
    return std::clamp<std::chrono::seconds>(timeout, {}, std::chrono::hours(365 * 24));
  }

  const IoClock::duration line_timeout_;
  const IoClock::duration message_timeout_;
  IoClock::time_point deadline_ = kNone;
  bool in_message_ = false;
};

// A refusal sent from the accepting thread: one non-blocking write into the new socket's
// empty send buffer, FIN, and whatever the client already sent is read so that closing
// does not reset the connection under the reply. Nothing waits on the client.
void RefuseAtOnce(int fd, const std::string& reply, SmtpCounters& counters) {
  Connection connection(fd);
  if (!connection.Write(reply, std::chrono::milliseconds(0), -1).ok()) return;
  counters.CountReplies(reply);
  connection.Close(std::chrono::milliseconds(0), -1);
}

}  // namespace

bool AdmitOrRefuse(const Poco::Net::StreamSocket& socket, SmtpServerState& state) {
  const Poco::Net::SocketAddress peer = socket.peerAddress();
  const Poco::Net::IPAddress client = UnmapIpv4(peer.host());
  const int fd = socket.impl()->sockfd();
  std::string reply;
  std::string why;
  switch (state.admission.Admit(fd, client)) {
    case SmtpAdmission::Verdict::kAdmitted:
      return true;
    case SmtpAdmission::Verdict::kOverLimits:
      reply = SmtpSession::TooManyConnectionsReply(state.options.session.hostname);
      why = "refused: over the connection limits";
      break;
    case SmtpAdmission::Verdict::kDeniedOverBudget:
      reply = std::string(smtp::reply::ClientNotAllowed(client.toString())) + "\r\n";
      why = "denied: not in smtp.allowed_networks, and smtp.max_denied_connections reached";
      break;
  }
  if (state.logger.notice()) state.logger.notice(FormatEndpoint(peer) + ": " + why);
  RefuseAtOnce(fd, reply, state.counters);
  return false;
}

SmtpServerState::SmtpServerState(const SmtpServerOptions& options, MessageIngest& ingest,
                                 SmtpCounters& counters, std::unique_ptr<WakeEvent> draining,
                                 std::unique_ptr<WakeEvent> closing)
    : options(options),
      ingest(ingest),
      counters(counters),
      admission(options.allowed_networks, options.max_connections, options.max_connections_per_ip,
                options.max_denied_connections),
      draining(std::move(draining)),
      closing(std::move(closing)),
      logger(Poco::Logger::get("chainmail.smtp")) {}

void SmtpServerState::Enter() {
  std::lock_guard lock(mu_);
  ++running_;
}

void SmtpServerState::Leave() {
  std::lock_guard lock(mu_);
  if (--running_ == 0) idle_cv_.notify_all();
}

bool SmtpServerState::WaitUntilIdle(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  return idle_cv_.wait_until(lock, deadline, [this] { return running_ == 0; });
}

size_t SmtpServerState::running() const {
  std::lock_guard lock(mu_);
  return running_;
}

void SmtpConnection::run() {
  RunningScope running(state_);
  BlockSigpipeOnThisThread();
  try {
    Serve();
  } catch (const Poco::Exception& e) {
    Log(Poco::Message::PRIO_WARNING, e.displayText());
  } catch (const std::exception& e) {
    Log(Poco::Message::PRIO_WARNING, e.what());
  } catch (...) {
    Log(Poco::Message::PRIO_WARNING, "unknown exception");
  }
}

void SmtpConnection::Serve() {
  Poco::Net::StreamSocket& socket = this->socket();
  const Poco::Net::SocketAddress peer = socket.peerAddress();
  client_ = FormatEndpoint(peer);
  socket.setNoDelay(true);
  const SmtpServerOptions& options = state_.options;
  const Poco::Net::IPAddress client = UnmapIpv4(peer.host());
  Connection connection(socket.impl()->sockfd());

  // Held until the connection ends.
  std::optional<SmtpAdmission::Place> place = state_.admission.Take(socket.impl()->sockfd());
  if (!place) {
    Log(Poco::Message::PRIO_ERROR, "no admission parked for this connection; closing");
    return;
  }
  ConnectionInfo info;
  info.client_address = client.toString();
  info.client_port = peer.port();
  info.server_address = FormatEndpoint(socket.address());
  info.allowed = place->allowed;
  const bool allowed = info.allowed;
  if (!allowed) Log(Poco::Message::PRIO_NOTICE, "denied: not in smtp.allowed_networks");
  SmtpSession session(options.session, std::move(info), state_.ingest);
  Converse(connection, session, allowed);
}

void SmtpConnection::Converse(Connection& connection, SmtpSession& session, bool allowed) {
  const SmtpServerOptions& options = state_.options;
  // A denied client has denied_wait in all to say QUIT, however much else it says.
  const IoClock::time_point give_up =
      allowed ? IoClock::time_point::max() : IoClock::now() + options.denied_wait;
  InputDeadline input_deadline(
      options.command_timeout,
      options.message_timeout.value_or(MessageTimeoutFor(options.session.max_message_bytes)));
  auto buffer = std::make_unique_for_overwrite<char[]>(kReadBufferSize);
  bool told_shutdown = false;
  bool mid_message = false;

  std::string output = session.Greeting();
  for (;;) {
    if (!Flush(connection, output)) return;
    if (session.WantsClose()) break;
    if (session.WantsStartTls()) {
      if (!StartTls(connection, session)) return;
      input_deadline.Clear();
    }
    if (!told_shutdown && !mid_message && state_.draining->is_set()) {
      session.OnShutdown();
      told_shutdown = true;
      output = session.TakeOutput();
      continue;
    }
    // Past a deadline the client is cut even if its bytes keep coming.
    const IoClock::time_point now = IoClock::now();
    const IoClock::time_point cut_off = std::min(give_up, input_deadline.deadline());
    const IoClock::duration timeout = std::min<IoClock::duration>(
        options.command_timeout, std::max<IoClock::duration>(cut_off - now, {}));
    // While a message may be in flight, only the end of the drain time interrupts.
    int interrupt = told_shutdown || mid_message ? state_.closing->fd() : state_.draining->fd();
    ReadResult read =
        now >= cut_off
            ? ReadResult::FromWait(IoWait::kTimeout)
            : connection.Read(buffer.get(), kReadBufferSize,
                              std::chrono::ceil<std::chrono::milliseconds>(timeout), interrupt);
    switch (read.kind) {
      case ReadResult::Kind::kData: {
        // The session stops taking input while its replies pile up (a client pipelining
        // without reading): write them, then offer it the rest of the read.
        std::string_view rest(buffer.get(), read.size);
        bool answered = false;
        for (;;) {
          rest.remove_prefix(session.Receive(rest));
          output = session.TakeOutput();
          answered = answered || !output.empty();
          if (rest.empty()) break;
          if (!Flush(connection, output)) return;
        }
        mid_message = session.MidMessage();
        input_deadline.Received(buffer[read.size - 1], answered, mid_message, IoClock::now());
        break;
      }
      case ReadResult::Kind::kTimeout:
        if (IoClock::now() >= input_deadline.deadline()) {
          Log(Poco::Message::PRIO_INFORMATION,
              std::string("timed out: ") + input_deadline.what() + " not complete in time");
        }
        session.OnTimeout();
        output = session.TakeOutput();
        break;
      case ReadResult::Kind::kInterrupted:
        if (state_.closing->is_set()) return;  // drain time over: nothing is acknowledged
        output.clear();                        // draining: the loop head says 421
        break;
      case ReadResult::Kind::kEof:
        Log(Poco::Message::PRIO_DEBUG, "closed by the client");
        return;
      case ReadResult::Kind::kError:
        // The session dies with whatever it had not committed; nothing was acknowledged.
        Log(Poco::Message::PRIO_INFORMATION, "connection lost: " + read.error);
        return;
    }
  }
  connection.Close(kCloseLinger, state_.closing->fd());
}

bool SmtpConnection::Flush(Connection& connection, const std::string& output) {
  Status written = connection.Write(output, state_.options.command_timeout, state_.closing->fd());
  if (!written.ok()) {
    Log(Poco::Message::PRIO_INFORMATION, "connection lost: " + written.message());
    return false;
  }
  state_.counters.CountReplies(output);
  return true;
}

bool SmtpConnection::StartTls(Connection& connection, SmtpSession& session) {
  const SmtpServerOptions& options = state_.options;
  if (!options.tls) {
    Log(Poco::Message::PRIO_ERROR, "session accepted STARTTLS without a TLS context");
    return false;
  }
  Status started = connection.StartTls(*options.tls, options.command_timeout, state_.closing->fd());
  if (!started.ok()) {
    Log(Poco::Message::PRIO_NOTICE, started.message());
    return false;
  }
  session.TlsStarted(connection.tls()->protocol(), connection.tls()->cipher());
  return Flush(connection, session.TakeOutput());
}

void SmtpConnection::Log(Poco::Message::Priority priority, const std::string& text) {
  if (!state_.logger.is(priority)) return;
  state_.logger.log(Poco::Message(state_.logger.name(),
                                  (client_.empty() ? "client" : client_) + ": " + text, priority));
}

}  // namespace chainmail
