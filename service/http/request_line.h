// ReadRequestLine: the request line of one HTTP/1.1 request (RFC 9112 3), read a byte at
// a time from the connection and checked strictly, in place of Poco's reading (which
// splits on any whitespace, newlines included, drops whatever follows the version, and
// reports a missing target as "URI invalid or too long"):
//
//   request-line = method SP request-target SP HTTP-version CRLF
//
// Empty lines before it are skipped (RFC 9112 2.2); a bare LF ends it as CRLF does. It
// stops at the first byte that cannot belong (a control character, a third space, a
// method over 32 bytes, a version over 8), so a TLS ClientHello or binary garbage is
// answered at once rather than read to the limit. The version is returned as sent:
// whether it is one we speak (505 otherwise) is the caller's question.
//
// A pure function of the bytes `next` returns; thread-safe. `next` returns a byte
// (0-255) or -1 at the end of the stream; what it throws passes through.
#pragma once

#include <functional>
#include <string>

namespace chainmail {

struct RequestLine {
  // Limits: Poco's, which the server kept before reading the line itself.
  static constexpr size_t kMaxMethod = 32;
  static constexpr size_t kMaxTarget = 16384;
  static constexpr size_t kMaxVersion = 8;

  enum class Outcome {
    kOk,
    kNoRequest,      // the stream ended before any byte: the client closed between requests
    kEndedEarly,     // the stream ended part-way through the line
    kMalformed,      // not method SP target SP version CRLF: 400 (`problem` says why)
    kTargetTooLong,  // the target reached kMaxTarget bytes and went on: 414
  };

  Outcome outcome = Outcome::kNoRequest;
  std::string method, target, version;  // kOk
  std::string problem;                  // kMalformed
};

RequestLine ReadRequestLine(const std::function<int()>& next);

}  // namespace chainmail
