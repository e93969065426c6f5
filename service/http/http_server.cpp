#include "service/http/http_server.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/URI.h>

#include <algorithm>
#include <istream>
#include <mutex>
#include <ostream>

#include "archive/format/record_id.h"
#include "service/api/problem.h"
#include "service/net/listen_address.h"

namespace chainmail {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

void Send(Poco::Net::HTTPServerResponse& resp, const ApiResponse& out) {
  resp.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(out.status));
  resp.setContentType(out.content_type);
  for (const auto& [name, value] : out.headers) resp.add(name, value);
  if (out.stream) {
    resp.setChunkedTransferEncoding(true);
    std::ostream& os = resp.send();
    out.stream([&os](std::string_view piece) {
      os.write(piece.data(), static_cast<std::streamsize>(piece.size()));
      return os.good() ? Status::Ok() : Status::IoError("the client went away");
    });
    return;
  }
  resp.setContentLength64(static_cast<Poco::Int64>(out.body.size()));
  std::ostream& os = resp.send();
  os.write(out.body.data(), static_cast<std::streamsize>(out.body.size()));
}

ApiResponse TooLarge(uint64_t limit) {
  return ProblemResponse({413, "body-too-large", "Request body too large",
                          "the body is larger than " + std::to_string(limit) + " bytes", "", {}},
                         RecordId::Generate().ToString());
}

class RequestHandler : public Poco::Net::HTTPRequestHandler {
 public:
  RequestHandler(Api& api, uint64_t max_body) : api_(api), max_body_(max_body) {}

  void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override {
    ApiRequest r;
    r.method = req.getMethod();
    r.client_address = req.clientAddress().host().toString();
    r.tls = req.secure();
    try {
      Poco::URI uri(req.getURI());
      r.path = uri.getPath();
      for (const auto& [k, v] : uri.getQueryParameters()) r.query.emplace_back(k, v);
    } catch (const Poco::Exception&) {
      resp.setKeepAlive(false);
      Send(resp, ProblemResponse(BadParameter("", "the request target is not a valid URI"),
                                 RecordId::Generate().ToString()));
      return;
    }
    for (const auto& [k, v] : req) r.headers.emplace(Lower(k), v);
    if (req.hasContentLength() && req.getContentLength64() > static_cast<Poco::Int64>(max_body_)) {
      resp.setKeepAlive(false);  // the body stays unread
      Send(resp, TooLarge(max_body_));
      return;
    }
    std::istream& in = req.stream();
    char buf[16384];
    while (in) {
      in.read(buf, sizeof(buf));
      r.body.append(buf, static_cast<size_t>(in.gcount()));
      if (r.body.size() > max_body_) {
        resp.setKeepAlive(false);
        Send(resp, TooLarge(max_body_));
        return;
      }
    }
    Send(resp, api_.Handle(r));
  }

 private:
  Api& api_;
  uint64_t max_body_;
};

class HandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  HandlerFactory(Api& api, uint64_t max_body) : api_(api), max_body_(max_body) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new RequestHandler(api_, max_body_);
  }

 private:
  Api& api_;
  uint64_t max_body_;
};

}  // namespace

HttpServer::HttpServer(HttpServerOptions options, Api& api) : options_(std::move(options)), api_(api) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
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
      static std::once_flag ssl_once;
      std::call_once(ssl_once, [] { Poco::Net::initializeSSL(); });
      Poco::Net::Context::Ptr context = new Poco::Net::Context(
          Poco::Net::Context::TLS_SERVER_USE, options_.key_file, options_.cert_file, "",
          Poco::Net::Context::VERIFY_NONE, 9, false,
          "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:!aNULL:!eNULL:!MD5:!RC4");
      context->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                                Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
      context->preferServerCiphers();
      socket = Poco::Net::SecureServerSocket(address, 128, context);
    } else {
      socket = Poco::Net::ServerSocket(address, 128);
    }
    port_ = socket.address().port();
    auto params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(static_cast<int>(options_.max_connections));
    params->setMaxQueued(static_cast<int>(options_.max_connections));
    params->setTimeout(Poco::Timespan(static_cast<long>(options_.timeout.count()), 0));
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(1000);
    params->setKeepAliveTimeout(Poco::Timespan(static_cast<long>(options_.timeout.count()), 0));
    params->setServerName("chainmail");
    server_ = std::make_unique<Poco::Net::HTTPServer>(new HandlerFactory(api_, options_.max_body_bytes), socket, params);
    server_->start();
    return Status::Ok();
  } catch (const Poco::Exception& e) {
    return Status::IoError(e.displayText());
  }
}

void HttpServer::Stop() {
  if (server_) {
    server_->stopAll(false);
    server_.reset();
  }
}

}  // namespace chainmail
