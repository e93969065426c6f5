#include "service/http/chunked_body.h"

#include <utility>

#include "service/http/header_fields.h"

namespace chainmail {
namespace {

int HexValue(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

ChunkedBody Outcome(ChunkedBody::Outcome outcome, std::string problem = "") {
  ChunkedBody r;
  r.outcome = outcome;
  r.problem = std::move(problem);
  return r;
}

ChunkedBody Malformed(std::string problem) { return Outcome(ChunkedBody::Outcome::kMalformed, std::move(problem)); }

// Reads the CRLF that `c` (already read) should start. kOk, or why not.
ChunkedBody LineEnd(int c, const std::function<int()>& next, const char* where) {
  if (c == '\r') c = next();
  else if (c >= 0) return Malformed(std::string("expected CRLF ") + where);
  if (c < 0) return Outcome(ChunkedBody::Outcome::kEndedEarly);
  if (c != '\n') return Malformed(std::string("expected CRLF ") + where);
  return Outcome(ChunkedBody::Outcome::kOk);
}

}  // namespace

ChunkedBody ReadChunkedBody(const std::function<int()>& next, uint64_t max_bytes, std::string* body) {
  uint64_t total = 0;
  for (;;) {
    // chunk-size
    int c = next();
    if (c < 0) return {};
    if (HexValue(c) < 0) return Malformed("a chunk size is not a hexadecimal number");
    uint64_t size = 0;
    size_t digits = 0, significant = 0;
    for (; HexValue(c) >= 0; c = next()) {
      if (++digits > ChunkedBody::kMaxSizeDigits) return Malformed("a chunk size has too many digits");
      if (size == 0 && c == '0') continue;  // a leading zero
      if (++significant > 16) return Outcome(ChunkedBody::Outcome::kTooLarge);
      size = size << 4 | static_cast<uint64_t>(HexValue(c));
    }
    // [ chunk-ext ]: skipped, bounded
    if (c == ' ' || c == '\t' || c == ';') {
      for (size_t n = 0; c != '\r' && c != '\n'; c = next(), ++n) {
        if (c < 0) return {};
        if (n == ChunkedBody::kMaxExtension) return Malformed("a chunk extension is too long");
        if ((c < 0x20 && c != '\t') || c == 0x7f) return Malformed("a chunk extension has a control character");
      }
    }
    if (ChunkedBody end = LineEnd(c, next, "after a chunk size"); end.outcome != ChunkedBody::Outcome::kOk)
      return end;
    if (size == 0) break;  // last-chunk
    if (size > max_bytes - total) return Outcome(ChunkedBody::Outcome::kTooLarge);
    total += size;
    // chunk-data CRLF
    for (uint64_t i = 0; i < size; ++i) {
      c = next();
      if (c < 0) return {};
      body->push_back(static_cast<char>(c));
    }
    if (ChunkedBody end = LineEnd(next(), next, "after chunk data"); end.outcome != ChunkedBody::Outcome::kOk)
      return end;
  }
  // trailer-section CRLF
  const HeaderFields trailer = ReadHeaderFields(next);
  switch (trailer.outcome) {
    case HeaderFields::Outcome::kOk: return Outcome(ChunkedBody::Outcome::kOk);
    case HeaderFields::Outcome::kEndedEarly: return {};
    default: return Malformed("the trailer section: " + trailer.problem);
  }
}

}  // namespace chainmail
