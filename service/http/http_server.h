// HttpServer: the REST API on Poco's HTTPServer — the thin socket loop around Api. It
// turns each Poco request into an ApiRequest (body bounded: a declared Content-Length
// over the limit is refused with 413 unread, a chunked body is cut off at the limit),
// and writes the ApiResponse back (a streamed body chunk by chunk). HTTPS (TLS 1.2+)
// with Poco NetSSL; plain HTTP only on a loopback address. Keep-alive, bounded threads,
// queue and timeouts. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "archive/format/status.h"
#include "service/api/api.h"

namespace Poco::Net {
class HTTPServer;
}

namespace chainmail {

struct HttpServerOptions {
  std::string listen = "127.0.0.1:8025";
  bool tls = false;
  std::string cert_file, key_file;  // PEM; required when tls
  uint64_t max_body_bytes = 1 << 20;
  uint32_t max_connections = 64;
  std::chrono::seconds timeout{30};
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, Api& api);
  ~HttpServer();
  // Binds and starts serving. Refuses plain HTTP on a non-loopback address.
  Status Start();
  // Stops accepting, lets requests in progress finish.
  void Stop();
  uint16_t port() const { return port_; }

 private:
  HttpServerOptions options_;
  Api& api_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  uint16_t port_ = 0;
};

}  // namespace chainmail
