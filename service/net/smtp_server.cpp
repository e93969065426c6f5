#include "service/net/smtp_server.h"

#include <algorithm>
#include <chrono>

#include "Poco/Exception.h"
#include "Poco/Net/ServerSocket.h"
#include "Poco/Net/TCPServer.h"
#include "Poco/Net/TCPServerConnectionFactory.h"
#include "Poco/Net/TCPServerParams.h"
#include "Poco/ThreadPool.h"
#include "archive/format/rfc3339.h"
#include "service/net/listen_address.h"
#include "service/net/smtp_connection.h"

namespace chainmail {
namespace {

constexpr int kListenBacklog = 128;
constexpr int kThreadIdleSeconds = 60;

// One thread for every place SmtpAdmission can hand out, and as many queue entries: every
// admitted connection gets a thread, and Poco's queue never overflows (beyond its bound it
// would close a connection without a word). Clients without a place never reach the queue.
int PoolThreads(const SmtpServerOptions& options) {
  const uint64_t places = uint64_t{options.max_connections} + options.max_denied_connections;
  return static_cast<int>(std::clamp<uint64_t>(places, 2, 1u << 16));
}

// Admission on the accepting thread (smtp_connection.h): refusals are answered there at
// once, so a burst far over the limits costs no pool thread and every client hears why.
class SmtpAdmissionFilter : public Poco::Net::TCPServerConnectionFilter {
 public:
  explicit SmtpAdmissionFilter(SmtpServerState& state) : state_(state) {}
  bool accept(const Poco::Net::StreamSocket& socket) override {
    try {
      return AdmitOrRefuse(socket, state_);
    } catch (const Poco::Exception& e) {  // e.g. the client is already gone (getpeername)
      state_.logger.information("connection dropped at accept: " + e.displayText());
      return false;
    }
  }

 private:
  SmtpServerState& state_;
};

class SmtpConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
 public:
  explicit SmtpConnectionFactory(SmtpServerState& state) : state_(state) {}
  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
    return new SmtpConnection(socket, state_);
  }

 private:
  SmtpServerState& state_;
};

// The server's ingest as sessions see it: the archive's, with each message it commits
// counted (its raw size is the spool's, read before the spool is handed over).
class CountingIngest : public MessageIngest {
 public:
  CountingIngest(MessageIngest& inner, SmtpCounters& counters) : inner_(inner), counters_(counters) {}
  Result<std::unique_ptr<MessageSpool>> BeginMessage() override { return inner_.BeginMessage(); }
  Result<RecordId> Commit(std::unique_ptr<MessageSpool> spool, MessagePayload envelope) override {
    const uint64_t size = spool ? spool->size() : 0;
    Result<RecordId> id = inner_.Commit(std::move(spool), std::move(envelope));
    if (id.ok())
      counters_.Archived(size, UnixNowUs());
    return id;
  }

 private:
  MessageIngest& inner_;
  SmtpCounters& counters_;
};

Result<Poco::Net::ServerSocket> Listen(const std::string& listen) {
  Result<Poco::Net::SocketAddress> address = ParseListenAddress(listen);
  if (!address.ok()) return address.status();
  Poco::Net::ServerSocket socket;
  try {
    // SO_REUSEADDR only: restart over TIME_WAIT, but never share a port (no SO_REUSEPORT).
    if (address->family() == Poco::Net::SocketAddress::IPv6) {
      socket.bind6(*address, /*reuseAddress=*/true, /*reusePort=*/false, /*ipV6Only=*/false);
    } else {
      socket.bind(*address, /*reuseAddress=*/true, /*reusePort=*/false);
    }
    socket.listen(kListenBacklog);
  } catch (const Poco::Exception& e) {
    return Status::Unavailable("cannot listen for SMTP on " + listen + ": " + e.displayText());
  }
  return socket;
}

}  // namespace

std::chrono::seconds MessageTimeoutFor(uint64_t max_message_bytes) {
  constexpr uint64_t kMinimumBytesPerSecond = 32 * 1024;
  constexpr uint64_t kDataBlockSeconds = 600;
  constexpr uint64_t kYearSeconds = 365 * 24 * 3600;
  return std::chrono::seconds(std::clamp<uint64_t>(max_message_bytes / kMinimumBytesPerSecond,
                                                   kDataBlockSeconds, kYearSeconds));
}

SmtpServer::SmtpServer(SmtpServerOptions options, MessageIngest& ingest)
    : options_(std::move(options)), counted_ingest_(std::make_unique<CountingIngest>(ingest, counters_)) {
  options_.session.tls_available = options_.tls != nullptr;
}

SmtpServer::~SmtpServer() { Stop(std::chrono::seconds(0)); }

Status SmtpServer::Start() {
  if (state_) return Status::InvalidArgument("the SMTP server was already started");
  Result<std::unique_ptr<WakeEvent>> draining = WakeEvent::Create();
  Result<std::unique_ptr<WakeEvent>> closing = WakeEvent::Create();
  if (!draining.ok()) return draining.status();
  if (!closing.ok()) return closing.status();
  Result<Poco::Net::ServerSocket> socket = Listen(options_.listen);
  if (!socket.ok()) return socket.status();
  port_ = socket->address().port();

  state_ = std::make_unique<SmtpServerState>(options_, *counted_ingest_, counters_, std::move(*draining),
                                             std::move(*closing));
  const int threads = PoolThreads(options_);
  try {
    pool_ = std::make_unique<Poco::ThreadPool>("smtp", 2, threads, kThreadIdleSeconds);
    Poco::Net::TCPServerParams::Ptr params(new Poco::Net::TCPServerParams);
    params->setMaxThreads(threads);
    params->setMaxQueued(threads);
    params->setThreadIdleTime(Poco::Timespan(kThreadIdleSeconds, 0));
    tcp_ = std::make_unique<Poco::Net::TCPServer>(new SmtpConnectionFactory(*state_), *pool_,
                                                  *socket, params);
    tcp_->setConnectionFilter(new SmtpAdmissionFilter(*state_));
    tcp_->start();
  } catch (const Poco::Exception& e) {  // no threads to be had
    tcp_.reset();
    return Status::Unavailable("cannot start the SMTP server: " + e.displayText());
  }
  state_->logger.information("SMTP listening on " + socket->address().toString() +
                             (options_.tls ? " (STARTTLS available)" : " (no STARTTLS)"));
  return Status::Ok();
}

void SmtpServer::Stop(std::chrono::seconds drain) {
  if (!tcp_) return;
  tcp_->stop();  // no new connections; those queued without a thread are dropped
  state_->draining->Set();
  if (!state_->WaitUntilIdle(std::chrono::steady_clock::now() + drain)) {
    state_->logger.notice(std::to_string(state_->running()) +
                          " SMTP connection(s) still busy after the drain time; closing");
  }
  state_->closing->Set();
  pool_->joinAll();
  tcp_.reset();
}

size_t SmtpServer::active_connections() const { return state_ ? state_->running() : 0; }

}  // namespace chainmail
