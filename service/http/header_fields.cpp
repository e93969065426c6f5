#include "service/http/header_fields.h"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace chainmail {
namespace {

// RFC 9110 5.6.2: a field name is a token.
bool TokenChar(int c) {
  static constexpr std::string_view kPunct = "!#$%&'*+-.^_`|~";
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= 0 && c < 0x80 && kPunct.find(static_cast<char>(c)) != std::string_view::npos);
}

bool Ows(int c) { return c == ' ' || c == '\t'; }

HeaderFields Fail(HeaderFields::Outcome outcome, std::string problem) {
  HeaderFields r;
  r.outcome = outcome;
  r.problem = std::move(problem);
  return r;
}

HeaderFields Malformed(std::string problem) { return Fail(HeaderFields::Outcome::kMalformed, std::move(problem)); }

HeaderFields TooLarge(std::string problem) {
  return Fail(HeaderFields::Outcome::kTooLarge,
              std::move(problem) + " (at most " + std::to_string(HeaderFields::kMaxFields) + " fields, a name " +
                  std::to_string(HeaderFields::kMaxName) + " bytes, a value " +
                  std::to_string(HeaderFields::kMaxValue) + ")");
}

constexpr const char* kBareCr = "a header line has a CR that does not end it";

}  // namespace

HeaderFields ReadHeaderFields(const std::function<int()>& next) {
  HeaderFields r;
  for (;;) {
    int c = next();
    if (c == '\r') {
      c = next();
      if (c >= 0 && c != '\n') return Malformed(kBareCr);
    }
    if (c < 0) return {};  // kEndedEarly
    if (c == '\n') break;  // the empty line
    if (Ows(c)) return Malformed("a header line starts with whitespace (obsolete line folding is not accepted)");
    if (r.fields.size() == HeaderFields::kMaxFields) return TooLarge("too many header fields");

    std::string name;
    for (; c != ':'; c = next()) {
      if (c < 0) return {};
      if (c == '\r' || c == '\n') return Malformed("a header line has no colon");
      if (Ows(c)) return Malformed("a header field name is not a token: it is followed by whitespace before its colon");
      if (!TokenChar(c)) return Malformed("a header field name is not a token (no spaces, no separators)");
      if (name.size() == HeaderFields::kMaxName) return TooLarge("a header field name is too long");
      name += static_cast<char>(c);
    }
    if (name.empty()) return Malformed("a header line has no field name before its colon");

    std::string value;
    for (c = next(); Ows(c); c = next()) {
    }
    for (;; c = next()) {
      if (c == '\r') {
        c = next();
        if (c >= 0 && c != '\n') return Malformed(kBareCr);
      }
      if (c < 0) return {};
      if (c == '\n') break;
      if ((c < 0x20 && c != '\t') || c == 0x7f)
        return Malformed("header field '" + name + "' has a control character");
      if (value.size() == HeaderFields::kMaxValue) return TooLarge("header field '" + name + "' is too long");
      value += static_cast<char>(c);
    }
    while (!value.empty() && Ows(value.back())) value.pop_back();
    r.fields.emplace_back(std::move(name), std::move(value));
  }
  r.outcome = HeaderFields::Outcome::kOk;
  return r;
}

bool ConnectionWantsKeepAlive(const std::vector<std::string>& connection, bool http10) {
  bool close = false, keep_alive = false;
  for (const std::string& value : connection) {
    size_t at = 0;
    while (at <= value.size()) {
      const size_t comma = std::min(value.find(',', at), value.size());
      std::string token;
      for (size_t i = at; i < comma; ++i)
        if (!Ows(value[i])) token += static_cast<char>(std::tolower(static_cast<unsigned char>(value[i])));
      close = close || token == "close";
      keep_alive = keep_alive || token == "keep-alive";
      at = comma + 1;
    }
  }
  return !close && (!http10 || keep_alive);
}

}  // namespace chainmail
