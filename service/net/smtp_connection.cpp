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

// Whether a message may be in flight after the session answered its latest input with
// `output`. SmtpSession has no "between transactions" query and its OnShutdown closes at
// once, so the loop infers it to let a message being sent finish during a drain: no reply
// at all (a DATA body or BDAT chunk, or a command line, still arriving) or a last reply of
// "354" (DATA accepted) means the client may be sending a message.
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

}  // namespace

SmtpServerState::SmtpServerState(const SmtpServerOptions& options, MessageIngest& ingest,
                                 SmtpCounters& counters, std::unique_ptr<WakeEvent> draining,
                                 std::unique_ptr<WakeEvent> closing)
    : options(options),
      ingest(ingest),
      counters(counters),
      limiter(options.max_connections, options.max_connections_per_ip),
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

  std::optional<ConnectionLimiter::Slot> slot = state_.limiter.TryAcquire(client.toString());
  if (!slot) {
    Log(Poco::Message::PRIO_NOTICE, "refused: over the connection limits");
    std::string reply = SmtpSession::TooManyConnectionsReply(options.session.hostname);
    if (connection.Write(reply, options.command_timeout, state_.closing->fd()).ok()) {
      state_.counters.CountReplies(reply);
      connection.Close(kCloseLinger, state_.closing->fd());
    }
    return;
  }
  ConnectionInfo info;
  info.client_address = client.toString();
  info.client_port = peer.port();
  info.server_address = FormatEndpoint(socket.address());
  info.allowed = options.allowed_networks.Contains(client);
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
  auto buffer = std::make_unique_for_overwrite<char[]>(kReadBufferSize);
  bool told_shutdown = false;
  bool mid_message = false;

  std::string output = session.Greeting();
  for (;;) {
    if (!Flush(connection, output)) return;
    if (session.WantsClose()) break;
    if (session.WantsStartTls() && !StartTls(connection, session)) return;
    if (!told_shutdown && !mid_message && state_.draining->is_set()) {
      session.OnShutdown();
      told_shutdown = true;
      output = session.TakeOutput();
      continue;
    }
    auto timeout = std::min<IoClock::duration>(
        options.command_timeout, std::max<IoClock::duration>(give_up - IoClock::now(), {}));
    // While a message may be in flight, only the end of the drain time interrupts.
    int interrupt = told_shutdown || mid_message ? state_.closing->fd() : state_.draining->fd();
    ReadResult read =
        connection.Read(buffer.get(), kReadBufferSize,
                        std::chrono::ceil<std::chrono::milliseconds>(timeout), interrupt);
    switch (read.kind) {
      case ReadResult::Kind::kData:
        session.Receive(std::string_view(buffer.get(), read.size));
        output = session.TakeOutput();
        mid_message = session.MidMessage();
        break;
      case ReadResult::Kind::kTimeout:
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
