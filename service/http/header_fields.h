// ReadHeaderFields: the header fields after the request line (RFC 9112 5), or the trailer
// fields after a chunked body (RFC 9112 7.1.2), read a byte at a time and checked
// strictly, in place of Poco's reading (which read long lines in 4092-byte pieces and took
// a 2-byte piece for the empty line, ended the section at a 1-byte line, at 0xFF or at a
// bare CR, and skipped a line without a colon: each a way to hide a second request inside
// the first's head):
//
//   field-line = field-name ":" OWS field-value OWS CRLF
//
// A line ends in CRLF or a bare LF (as the request line); only an empty line ends the
// section. Malformed (400): a bare CR anywhere, a NUL or other control character but
// HTAB in a value, a line without a colon, a name that is not a token (whitespace before
// the colon included), a line starting with SP/HTAB (obs-fold, which RFC 9112 5.2 lets a
// server reject). Too large (431): more than kMaxFields fields, a name over kMaxName
// bytes, a value over kMaxValue (Poco's limits, kept). Values are returned without their
// leading and trailing OWS; names as sent.
//
// ConnectionWantsKeepAlive: what the Connection fields ask for (RFC 9110 7.6.1): a
// comma-separated, case-insensitive token list.
//
// Pure functions of their input; thread-safe. `next` returns a byte (0-255) or -1 at the
// end of the stream; what it throws passes through.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace chainmail {

struct HeaderFields {
  static constexpr size_t kMaxFields = 100;
  static constexpr size_t kMaxName = 256;
  static constexpr size_t kMaxValue = 8192;

  enum class Outcome {
    kOk,
    kEndedEarly,  // the stream ended before the empty line
    kMalformed,   // 400 (`problem` says why)
    kTooLarge,    // over a limit: 431 (`problem` says which)
  };

  Outcome outcome = Outcome::kEndedEarly;
  std::vector<std::pair<std::string, std::string>> fields;  // in order; all of them when kOk
  std::string problem;                                      // kMalformed, kTooLarge
};

HeaderFields ReadHeaderFields(const std::function<int()>& next);

// Whether the Connection field values `connection` (every one sent) let the connection
// stay open: in HTTP/1.1 unless a token is "close"; in HTTP/1.0 (`http10`) only if a
// token is "keep-alive" and none is "close".
bool ConnectionWantsKeepAlive(const std::vector<std::string>& connection, bool http10);

}  // namespace chainmail
