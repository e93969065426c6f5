#include "service/http/request_line.h"

#include <string_view>
#include <utility>

namespace chainmail {
namespace {

// RFC 9110 5.6.2: a method is a token.
bool TokenChar(int c) {
  static constexpr std::string_view kPunct = "!#$%&'*+-.^_`|~";
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         kPunct.find(static_cast<char>(c)) != std::string_view::npos;
}

bool Control(int c) { return c < 0x20 || c == 0x7f; }

RequestLine Malformed(std::string problem) {
  RequestLine r;
  r.outcome = RequestLine::Outcome::kMalformed;
  r.problem = std::move(problem);
  return r;
}

}  // namespace

RequestLine ReadRequestLine(const std::function<int()>& next) {
  int c = next();
  while (c == '\r' || c == '\n') c = next();
  if (c < 0) return {};  // kNoRequest (empty lines alone are not a request)

  RequestLine r;
  enum { kMethod, kTarget, kVersion } part = kMethod;
  for (;; c = next()) {
    if (c == '\r') {
      c = next();
      if (c >= 0 && c != '\n') return Malformed("the request line has a CR that does not end it");
    }
    if (c < 0) {
      r.outcome = RequestLine::Outcome::kEndedEarly;
      return r;
    }
    if (c == '\n') break;
    if (c == ' ') {
      if (part == kMethod && !r.method.empty()) part = kTarget;
      else if (part == kTarget && !r.target.empty()) part = kVersion;
      else if (part == kVersion)
        return Malformed("the request line has text after the HTTP version (expected method SP target SP "
                         "HTTP-version)");
      else return Malformed("the request line has more than one space between its parts");
      continue;
    }
    if (Control(c)) return Malformed("the request line has a control character: it is not HTTP");
    switch (part) {
      case kMethod:
        if (!TokenChar(c)) return Malformed("the method is not a token");
        if (r.method.size() == RequestLine::kMaxMethod)
          return Malformed("the method is longer than " + std::to_string(RequestLine::kMaxMethod) + " bytes");
        r.method += static_cast<char>(c);
        break;
      case kTarget:
        if (r.target.size() == RequestLine::kMaxTarget) {
          r.outcome = RequestLine::Outcome::kTargetTooLong;
          r.method.clear();
          r.target.clear();
          return r;
        }
        r.target += static_cast<char>(c);
        break;
      case kVersion:
        if (r.version.size() == RequestLine::kMaxVersion)
          return Malformed("the request line does not end with an HTTP version (HTTP/1.1)");
        r.version += static_cast<char>(c);
        break;
    }
  }
  if (part != kVersion || r.version.empty())
    return Malformed(part == kMethod ? "the request line has no request target (expected method SP target SP "
                                       "HTTP-version)"
                                     : "the request line has no HTTP version (expected method SP target SP "
                                       "HTTP-version)");
  r.outcome = RequestLine::Outcome::kOk;
  return r;
}

}  // namespace chainmail
