#include "service/http/http_server.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/Net/TCPServerParams.h>
#include <Poco/ThreadPool.h>

#include <algorithm>
#include <mutex>

#include "service/http/http_connection.h"
#include "service/net/listen_address.h"

namespace chainmail {
namespace {

// Connections waiting for a thread; beyond this Poco closes new ones without a word.
constexpr int kMaxQueued = 32;
constexpr int kListenBacklog = 128;
constexpr int kThreadIdleSeconds = 60;
constexpr int kMaxKeepAliveRequests = 1000;
constexpr std::chrono::seconds kIoSlack{2};

// Threads beyond max_connections, so that a client over the limit still gets a thread
// and hears 503 instead of waiting silently in Poco's queue.
int PoolThreads(uint32_t max_connections) {
  return static_cast<int>(max_connections + std::max<uint32_t>(8, max_connections / 4));
}

class HttpConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
 public:
  explicit HttpConnectionFactory(HttpServerState& state) : state_(state) {}
  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
    return new HttpConnection(socket, state_);
  }

 private:
  HttpServerState& state_;
};

Poco::Net::Context::Ptr ServerContext(const HttpServerOptions& o) {
  static std::once_flag ssl_once;
  std::call_once(ssl_once, [] { Poco::Net::initializeSSL(); });
  Poco::Net::Context::Ptr context = new Poco::Net::Context(
      Poco::Net::Context::TLS_SERVER_USE, o.key_file, o.cert_file, "", Poco::Net::Context::VERIFY_NONE, 9, false,
      "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:!aNULL:!eNULL:!MD5:!RC4");
  context->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                            Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
  context->preferServerCiphers();
  return context;
}

}  // namespace

HttpServer::HttpServer(HttpServerOptions options, Api& api) : options_(std::move(options)), api_(api) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  if (state_) return Status::InvalidArgument("the REST server was already started");
  try {
    auto parsed = ParseListenAddress(options_.listen);
    if (!parsed.ok()) return parsed.status();
    const Poco::Net::SocketAddress address = *parsed;
    if (!options_.tls && !address.host().isLoopback())
      return Status::InvalidArgument("http.listen = " + options_.listen +
                                     " is not a loopback address: the REST API is served there only over HTTPS "
                                     "(set http.tls = on)");
    Poco::Net::ServerSocket socket;
    if (options_.tls) {
      socket = Poco::Net::SecureServerSocket(address, kListenBacklog, ServerContext(options_));
    } else {
      socket = Poco::Net::ServerSocket(address, kListenBacklog);
    }
    port_ = socket.address().port();
    Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
    // Each read and write: a little longer than the watchdog's request deadline, so that a
    // slow request is always ended by the watchdog (408) and a read that fails before it
    // means a broken request, not a slow one.
    params->setTimeout(Poco::Timespan(static_cast<long>((options_.timeout + kIoSlack).count()), 0));
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(kMaxKeepAliveRequests);
    params->setKeepAliveTimeout(Poco::Timespan(static_cast<long>(options_.timeout.count()), 0));
    state_ = std::make_unique<HttpServerState>(options_, api_, params);

    const int threads = PoolThreads(options_.max_connections);
    pool_ = std::make_unique<Poco::ThreadPool>("http", 2, threads, kThreadIdleSeconds);
    Poco::Net::TCPServerParams::Ptr tcp_params = new Poco::Net::TCPServerParams;
    tcp_params->setMaxThreads(threads);
    tcp_params->setMaxQueued(kMaxQueued);
    tcp_params->setThreadIdleTime(Poco::Timespan(kThreadIdleSeconds, 0));
    tcp_ = std::make_unique<Poco::Net::TCPServer>(new HttpConnectionFactory(*state_), *pool_, socket, tcp_params);
    tcp_->start();
    return Status::Ok();
  } catch (const Poco::Exception& e) {
    tcp_.reset();
    return Status::IoError(e.displayText());
  }
}

void HttpServer::Stop() {
  if (!tcp_) return;
  tcp_->stop();  // no new connections; those queued without a thread are dropped
  state_->watchdog.BeginStop();
  if (!state_->watchdog.WaitUntilEmpty(std::chrono::steady_clock::now() + options_.drain))
    state_->watchdog.ShutdownAll();
  pool_->joinAll();
  tcp_.reset();
}

}  // namespace chainmail
