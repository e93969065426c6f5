// HttpServer: the REST API over HTTP/1.1 — the thin socket side around Api. It listens
// (HTTPS with TLS 1.2+ through Poco NetSSL; plain HTTP only on a loopback address) and
// runs one HttpConnection per client on its own bounded thread pool: keep-alive, every
// limit of http_connection.h, and a ConnectionWatchdog against clients that trickle.
//
// Thread safety: Start, Stop and the destructor are called by one owner thread; port()
// from any thread after Start().
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "archive/format/status.h"
#include "service/api/api.h"

namespace Poco {
class ThreadPool;
namespace Net {
class TCPServer;
}
}  // namespace Poco

namespace chainmail {

struct HttpServerOptions {
  std::string listen = "127.0.0.1:8025";
  bool tls = false;
  std::string cert_file, key_file;  // PEM; required when tls
  uint64_t max_body_bytes = 1 << 20;
  uint32_t max_connections = 64;         // beyond: 503 and close
  uint32_t max_connections_per_ip = 32;  // beyond: 503 and close
  // Idle keep-alive time, the most a request (head and body) may take to arrive, and the
  // bound on each read and write.
  std::chrono::seconds timeout{30};
  std::chrono::seconds drain{10};  // Stop(): how long answers in progress may take
};

struct HttpServerState;

class HttpServer {
 public:
  // `api` must outlive the server.
  HttpServer(HttpServerOptions options, Api& api);
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving. Refuses plain HTTP on a non-loopback address.
  Status Start();
  // Stops accepting, closes idle connections at once, lets answers in progress finish
  // for up to `drain`, then closes the rest; returns once every connection thread has
  // ended (so the Api is no longer in use). Idempotent.
  void Stop();
  uint16_t port() const { return port_; }

 private:
  HttpServerOptions options_;
  Api& api_;
  uint16_t port_ = 0;
  std::unique_ptr<HttpServerState> state_;
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::TCPServer> tcp_;
};

}  // namespace chainmail
