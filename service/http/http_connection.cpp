#include "service/http/http_connection.h"

#include <Poco/Net/HTTPFixedLengthStream.h>
#include <Poco/Net/HTTPHeaderStream.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Exception.h>
#include <Poco/String.h>
#include <Poco/Timestamp.h>

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <istream>
#include <optional>
#include <ostream>

#include "service/api/problem.h"
#include "service/http/chunked_body.h"
#include "service/http/header_fields.h"
#include "service/http/request_line.h"
#include "service/http/request_target.h"
#include "service/net/cidr_list.h"

namespace chainmail {
namespace {

using Clock = ConnectionWatchdog::Clock;

// After a refusal the client may still be sending (a body we will not read): closing at
// once would reset the connection and could destroy our answer before the client reads
// it. So stop sending, then read and drop what still comes, briefly and boundedly: for
// 1 s at most, and at most 8 MiB (a body a few times http.max_body_bytes's default, sent
// without waiting for our answer, is drained in full over a fast link).
constexpr std::chrono::milliseconds kLinger{1000};
constexpr size_t kLingerBytes = 8 << 20;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

ApiError Problem(int status, std::string slug, std::string title, std::string detail) {
  return {status, std::move(slug), std::move(title), std::move(detail), "", {}};
}

ApiError Malformed(std::string detail) {
  return Problem(400, "malformed-request", "Malformed request", std::move(detail));
}

// How Send ended: a streamed body that failed part-way (`status`), and whether that was
// the client going away (a hang-up is not worth a log line) or the stream itself.
struct Sent {
  Status status;
  bool client_gone = false;
};

// Writes `out` on `session`; for a HEAD request (`head`) only its head — the header fields
// GET's answer has, Content-Length or chunked coding included — and a streamed body is
// never produced. (The response has no request attached, so Poco's send() would not
// know it answers a HEAD: the head is written here.)
Sent Send(Poco::Net::HTTPServerSession& session, Poco::Net::HTTPServerResponse& resp, const ApiResponse& out,
          bool head) {
  resp.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(out.status));
  resp.setContentType(out.content_type);
  for (const auto& [name, value] : out.headers) resp.add(name, value);
  Sent sent;
  if (out.stream) resp.setChunkedTransferEncoding(true);
  else resp.setContentLength64(static_cast<Poco::Int64>(out.body.size()));
  if (head) {
    Poco::Net::HTTPHeaderOutputStream hs(session);
    resp.write(hs);
    return sent;
  }
  if (out.stream) {
    std::ostream& os = resp.send();
    sent.status = out.stream([&os, &sent](std::string_view piece) {
      os.write(piece.data(), static_cast<std::streamsize>(piece.size()));
      sent.client_gone = !os.good();
      return os.good() ? Status::Ok() : Status::IoError("the client went away");
    });
    return sent;
  }
  std::ostream& os = resp.send();
  os.write(out.body.data(), static_cast<std::streamsize>(out.body.size()));
  return sent;
}

std::string HeaderOf(const ApiResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (Poco::icompare(k, std::string(name)) == 0) return v;
  return "";
}

// What a request line that could not be read means for the client.
ApiError LineProblem(const RequestLine& line) {
  if (line.outcome == RequestLine::Outcome::kTargetTooLong)
    return Problem(414, "uri-too-long", "Request target too long",
                   "the request target is longer than " + std::to_string(RequestLine::kMaxTarget) + " bytes");
  if (line.outcome == RequestLine::Outcome::kEndedEarly)
    return Malformed("the connection ended in the middle of the request line");
  return Malformed(line.problem);
}

// What header fields that could not be read mean for the client.
ApiError FieldsProblem(const HeaderFields& fields) {
  if (fields.outcome == HeaderFields::Outcome::kTooLarge)
    return Problem(431, "header-too-large", "Request header fields too large", fields.problem);
  if (fields.outcome == HeaderFields::Outcome::kEndedEarly)
    return Malformed("the connection ended in the middle of the header fields");
  return Malformed(fields.problem);
}

ApiError TooLarge(uint64_t limit) {
  return Problem(413, "body-too-large", "Request body too large",
                 "the body is larger than " + std::to_string(limit) + " bytes (http.max_body_bytes)");
}

ApiError TooSlow(std::chrono::seconds timeout) {
  return Problem(408, "request-timeout", "Request timeout",
                 "the request did not arrive in full within " + std::to_string(timeout.count()) +
                     " s (http.timeout_s)");
}

// Every value of header `name` (case-insensitive).
std::vector<std::string> AllOf(const Poco::Net::HTTPRequest& req, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& [k, v] : req)
    if (Poco::icompare(k, name) == 0) out.push_back(v);
  return out;
}

bool AllDigits(const std::string& s) {
  return !s.empty() && s.size() <= 18 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

// Poco's server session, read a byte at a time from its buffer for ReadRequestLine,
// ReadHeaderFields and ReadChunkedBody. (Not through Poco's get(), which returns a byte
// as a signed char: 0xFF would read as the end of the stream.)
class HttpSession : public Poco::Net::HTTPServerSession {
 public:
  using Poco::Net::HTTPServerSession::HTTPServerSession;
  int Next() {
    if (buffered() <= 0) peek();  // refills the buffer, or finds the end of the stream
    char c;
    return buffered() > 0 && read(&c, 1) == 1 ? static_cast<unsigned char>(c) : -1;
  }
};

void HttpConnection::run() {
  Poco::Net::StreamSocket& sock = socket();
  const uint64_t id = state_.watchdog.Register(sock.impl()->sockfd(), Clock::now() + state_.options.timeout);
  if (id == 0) return;  // the server is stopping
  // The session closes the socket when it is destroyed: declared here so that this
  // happens after lingering and after Unregister (watchdog contract), never before.
  std::optional<HttpSession> session;
  try {
    session.emplace(sock, state_.params);
    client_ = UnmapIpv4(sock.peerAddress().host()).toString();
    std::optional<ConnectionLimiter::Slot> slot = state_.limiter.TryAcquire(client_);
    if (slot) {
      Converse(*session, id);
    } else {
      Poco::Net::HTTPServerResponseImpl response(*session);
      response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
      ApiError busy = UnavailableProblem("too many connections (http.max_connections, http.max_connections_per_ip)");
      Refuse(*session, response, busy, "");
    }
  } catch (...) {
    // A client gone mid-way, a TLS failure, a timeout: nothing more can be said to it.
    linger_ = false;
  }
  if (linger_ && !aborted_) Linger();
  state_.watchdog.Unregister(id);
}

void HttpConnection::Linger() {
  try {
    Poco::Net::StreamSocket& sock = socket();
    sock.shutdownSend();
    const Clock::time_point until = Clock::now() + kLinger;
    char buf[16384];
    size_t dropped = 0;
    while (dropped < kLingerBytes && Clock::now() < until) {
      sock.setReceiveTimeout(Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(
                                                until - Clock::now()).count()));
      const int n = sock.receiveBytes(buf, sizeof(buf));
      if (n <= 0) break;
      dropped += static_cast<size_t>(n);
    }
  } catch (...) {
    // Reset, timed out, or TLS closed: the answer has gone out as far as it can.
  }
}

void HttpConnection::Abort(const ApiResponse& answer, const Status& why) {
  aborted_ = true;
  std::cerr << "chainmaild: REST " << HeaderOf(answer, "X-Request-Id") << " " << client_
            << ": the streamed answer failed part-way, connection aborted without its last chunk: "
            << why.message() << std::endl;
  // On the fd itself, under TLS too: no close_notify, which would look like a clean end.
  // Closing then resets (SO_LINGER 0); the shutdown makes the response's terminating
  // chunk, written when it is destroyed, fail instead of going out.
  const int fd = socket().impl()->sockfd();
  const linger reset{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
  ::shutdown(fd, SHUT_RDWR);
}

void HttpConnection::Converse(HttpSession& session, uint64_t id) {
  // The first request's deadline runs from the accept (Register), TLS handshake included;
  // each later one's from its first byte.
  bool first = true;
  while (session.hasMoreRequests()) {
    if (!first && !state_.watchdog.Reading(id, Clock::now() + state_.options.timeout)) return;
    first = false;
    bool keep_alive = false;
    try {
      const RequestLine line = ReadRequestLine([&session] { return session.Next(); });
      if (line.outcome == RequestLine::Outcome::kNoRequest) return;  // closed (or shut down) between requests
      if (line.outcome != RequestLine::Outcome::kOk) {
        RefuseHead(session, state_.watchdog.Expired(id) ? TooSlow(state_.options.timeout) : LineProblem(line));
        return;
      }
      const HeaderFields fields = ReadHeaderFields([&session] { return session.Next(); });
      if (fields.outcome != HeaderFields::Outcome::kOk) {
        RefuseHead(session, state_.watchdog.Expired(id) ? TooSlow(state_.options.timeout) : FieldsProblem(fields),
                   line.method);
        return;
      }
      Poco::Net::HTTPRequest request(line.method, line.target, line.version);
      for (const auto& [name, value] : fields.fields) request.add(name, value);
      Poco::Net::HTTPServerResponseImpl response(session);
      response.setDate(Poco::Timestamp());
      // Answered in the client's version when it is one we speak (Serve refuses others).
      response.setVersion(line.version == Poco::Net::HTTPMessage::HTTP_1_0 ? Poco::Net::HTTPMessage::HTTP_1_0
                                                                           : Poco::Net::HTTPMessage::HTTP_1_1);
      response.setKeepAlive(state_.params->getKeepAlive() && session.canKeepAlive() &&
                            ConnectionWantsKeepAlive(AllOf(request, "Connection"),
                                                     line.version == Poco::Net::HTTPMessage::HTTP_1_0));
      response.set("Server", "chainmail");
      keep_alive = Serve(session, request, response, id);
      keep_alive = keep_alive && response.getKeepAlive();
    } catch (const Poco::TimeoutException&) {  // silent mid-head for http.timeout_s
      RefuseHead(session, TooSlow(state_.options.timeout));
      return;
    }
    session.setKeepAlive(keep_alive);
    if (!keep_alive || !state_.watchdog.Idle(id)) return;
  }
}

bool HttpConnection::Serve(HttpSession& session, const Poco::Net::HTTPRequest& req,
                           Poco::Net::HTTPServerResponseImpl& resp, uint64_t id) {
  const uint64_t max_body = state_.options.max_body_bytes;
  const std::string& method = req.getMethod();
  if (state_.watchdog.Expired(id)) {  // the head was cut short by the deadline
    Refuse(session, resp, TooSlow(state_.options.timeout), method);
    return false;
  }
  const std::string& version = req.getVersion();
  if (version != Poco::Net::HTTPMessage::HTTP_1_1 && version != Poco::Net::HTTPMessage::HTTP_1_0) {
    const bool http = version.size() == 8 && version.compare(0, 5, "HTTP/") == 0;
    Refuse(session, resp,
           http ? Problem(505, "version-not-supported", "HTTP version not supported",
                          "only HTTP/1.1 (and 1.0) is spoken here")
                : Malformed("the request line is not HTTP"),
           method);
    return false;
  }
  const std::vector<std::string> lengths = AllOf(req, "Content-Length");
  const std::vector<std::string> codings = AllOf(req, "Transfer-Encoding");
  if (!codings.empty() && !lengths.empty()) {
    Refuse(session, resp,
           BadParameter("Transfer-Encoding", "a request may not have both Content-Length and "
                                             "Transfer-Encoding (RFC 9112 6.1)"),
           method);
    return false;
  }
  if (!codings.empty() && (codings.size() > 1 || Poco::icompare(codings[0], "chunked") != 0)) {
    Refuse(session, resp,
           Problem(501, "not-implemented", "Not implemented", "the only Transfer-Encoding accepted is 'chunked'"),
           method);
    return false;
  }
  if (lengths.size() > 1 || (lengths.size() == 1 && !AllDigits(lengths[0]))) {
    Refuse(session, resp, BadParameter("Content-Length", "Content-Length must be given once, as a decimal number"),
           method);
    return false;
  }
  if (AllOf(req, "Authorization").size() > 1) {  // which one counts would be our choice; a proxy may choose the other
    Refuse(session, resp, BadParameter("Authorization", "a request has at most one Authorization header"), method);
    return false;
  }
  if (version == Poco::Net::HTTPMessage::HTTP_1_1 && AllOf(req, "Host").size() != 1) {
    Refuse(session, resp, BadParameter("Host", "an HTTP/1.1 request has exactly one Host header (RFC 9112 3.2)"),
           method);
    return false;
  }
  const bool chunked = !codings.empty();
  // A chunked request ends its connection all the same (as before ReadChunkedBody): one
  // fewer way for a framing disagreement with a proxy to reach a next request.
  if (chunked) resp.setKeepAlive(false);
  const uint64_t declared = lengths.empty() ? 0 : std::stoull(lengths[0]);
  if (declared > max_body) {
    Refuse(session, resp, TooLarge(max_body), method);  // the body stays unread
    return false;
  }

  ApiRequest r;
  r.method = method;
  r.client_address = client_;
  r.tls = session.socket().secure();
  for (const auto& [k, v] : req) r.headers.emplace(Lower(k), v);
  if (chunked || declared > 0) {
    if (req.getExpectContinue()) resp.sendContinue();
    bool complete = true;
    std::string why;
    if (chunked) {
      const ChunkedBody body = ReadChunkedBody([&session] { return session.Next(); }, max_body, &r.body);
      if (body.outcome == ChunkedBody::Outcome::kTooLarge) {
        Refuse(session, resp, TooLarge(max_body), method);
        return false;
      }
      complete = body.outcome == ChunkedBody::Outcome::kOk;
      if (!body.problem.empty()) why = " (" + body.problem + ")";
    } else {
      Poco::Net::HTTPFixedLengthInputStream in(session, static_cast<Poco::Int64>(declared));
      char buf[16384];
      while (in) {
        in.read(buf, sizeof(buf));
        r.body.append(buf, static_cast<size_t>(in.gcount()));
      }
      complete = !in.bad() && r.body.size() == declared;
    }
    if (state_.watchdog.Expired(id)) {
      Refuse(session, resp, TooSlow(state_.options.timeout), method);
      return false;
    }
    // A broken chunked encoding, or a client gone mid-body (then this answer goes
    // nowhere, harmlessly).
    if (!complete) {
      Refuse(session, resp, Malformed("the body ended early or its chunked encoding is malformed" + why), method);
      return false;
    }
  }
  state_.watchdog.Busy(id);
  auto target = ParseRequestTarget(req.getURI());
  if (!target.ok()) {
    Send(session, resp, state_.api.Refuse(BadParameter("", target.status().message()), method),
         method == "HEAD");
    return true;  // the request was read in full: the connection is still in step
  }
  r.path = std::move(target->path);
  r.query = std::move(target->query);
  const ApiResponse answer = state_.api.Handle(r);
  const Sent sent = Send(session, resp, answer, method == "HEAD");
  if (sent.status.ok()) return true;
  if (!sent.client_gone) Abort(answer, sent.status);
  return false;
}

void HttpConnection::RefuseHead(HttpSession& session, const ApiError& problem, const std::string& method) {
  Poco::Net::HTTPServerResponseImpl response(session);
  response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
  Refuse(session, response, problem, method);
}

void HttpConnection::Refuse(HttpSession& session, Poco::Net::HTTPServerResponseImpl& response,
                            const ApiError& problem, const std::string& method) {
  linger_ = true;
  response.setKeepAlive(false);
  response.set("Server", "chainmail");
  Send(session, response, state_.api.Refuse(problem, method), method == "HEAD");
}

}  // namespace chainmail
