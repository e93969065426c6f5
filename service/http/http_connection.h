// HttpConnection: one REST client connection, from accept to close, on a server pool
// thread — our own request loop: the request line, header fields and chunked bodies read
// strictly by ReadRequestLine, ReadHeaderFields and ReadChunkedBody, a Content-Length body
// by Poco's HTTPFixedLengthInputStream (in place of Poco's HTTPServerConnection
// and HTTPServerRequestImpl, so that every refusal is a problem+json with a request id and
// every limit is ours to enforce):
//
//   over http.max_connections / max_connections_per_ip   503, closed
//   a request line that is not method SP target SP version CRLF (text after the
//   version, no target, a control character)            400, closed
//   a request target over 16 KiB                         414, closed
//   header fields malformed (header_fields.h: no colon, a bare CR, obs-fold, a name
//   not a token), or over the limits (100 fields, a name 256 bytes, a value 8 KiB)
//                                                        400 / 431, closed
//   a version other than HTTP/1.1 or 1.0                 505 (400 if not HTTP), closed
//   Content-Length together with Transfer-Encoding, or two Content-Lengths (request
//   smuggling), a bad Content-Length, no Host in HTTP/1.1, a field name that is not a
//   token ("Transfer-Encoding :"), a control character in a field value  400, closed
//   a chunked body                                       answered, then closed
//   a chunked body malformed or cut short (chunked_body.h) 400, closed
//   Transfer-Encoding other than "chunked"               501, closed
//   a bad request target (request_target.h)              400
//   body over http.max_body_bytes                        413 unread (declared) or cut
//                                                        off (chunked), closed
//   request (head and body) not in within http.timeout_s 408, closed (ConnectionWatchdog)
//   POST/PUT/DELETE with neither length nor chunking     an empty body (RFC 9112 6.3),
//                                                        never a read until EOF
// Everything else goes to Api::Handle; keep-alive otherwise. A HEAD gets the head of the
// answer only (Api serves it as GET, route.h); a streamed body is not produced.
//
// A streamed body that fails part-way (the stored bytes do not match their hash, a blob
// cannot be read) cannot change the status already sent: it is logged and the connection
// is aborted without the terminating chunk (reset, never reused), so the client sees an
// incomplete transfer rather than a complete-looking 200.
//
// Closing: the socket is closed only after the connection has unregistered from the
// watchdog (which may shut down a registered fd, and must never touch a reused one), and
// after a refusal only once it has lingered (Linger()).
//
// HttpServerState is what all connections of one server share; the server owns it and
// keeps it alive until every connection thread has ended. Thread safety: a connection
// lives on one thread; the state's members are each thread-safe.
#pragma once

#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/TCPServerConnection.h>

#include <string>

#include "service/api/api.h"
#include "service/http/connection_watchdog.h"
#include "service/http/http_server.h"
#include "service/net/connection_limiter.h"

namespace Poco::Net {
class HTTPRequest;
class HTTPServerResponseImpl;
}  // namespace Poco::Net

namespace chainmail {

class HttpSession;  // Poco's HTTPServerSession, read a byte at a time (http_connection.cpp)

struct HttpServerState {
  HttpServerState(const HttpServerOptions& options, Api& api, Poco::Net::HTTPServerParams::Ptr params)
      : options(options),
        api(api),
        params(std::move(params)),
        limiter(options.max_connections, options.max_connections_per_ip) {}

  const HttpServerOptions& options;  // immutable while connections run
  Api& api;
  Poco::Net::HTTPServerParams::Ptr params;  // not changed once connections run
  ConnectionLimiter limiter;
  ConnectionWatchdog watchdog;
};

class HttpConnection : public Poco::Net::TCPServerConnection {
 public:
  // `state` must outlive the connection.
  HttpConnection(const Poco::Net::StreamSocket& socket, HttpServerState& state)
      : Poco::Net::TCPServerConnection(socket), state_(state) {}

  // The connection boundary: nothing thrown below escapes; the connection is closed.
  void run() override;

 private:
  void Converse(HttpSession& session, uint64_t watch_id);
  // One request whose head has arrived (its body, if any, still on `session`); false when
  // the connection must close after it.
  bool Serve(HttpSession& session, const Poco::Net::HTTPRequest& request, Poco::Net::HTTPServerResponseImpl& response,
             uint64_t watch_id);
  // Ends the connection after a streamed body failed part-way: logs `why`, shuts the
  // socket down at once (so the response's terminating chunk is never written) and
  // marks it to be reset at close.
  void Abort(const ApiResponse& answer, const Status& why);
  // Answers `problem` and marks the connection for closing.
  void Refuse(HttpSession& session, Poco::Net::HTTPServerResponseImpl& response, const ApiError& problem,
              const std::string& method);
  // The same for a request whose head could not be read (no request object to answer);
  // `method` when the request line was read (a HEAD is answered with the head alone).
  void RefuseHead(HttpSession& session, const ApiError& problem, const std::string& method = "");
  // After a refusal, before the socket is closed: stops sending and drains what the
  // client still sends, so that closing does not reset the answer away (see kLinger).
  void Linger();

  HttpServerState& state_;
  std::string client_;    // the peer's IP address
  bool linger_ = false;   // a refusal was sent: close with Linger()
  bool aborted_ = false;  // a streamed answer failed: reset, never linger
};

}  // namespace chainmail
