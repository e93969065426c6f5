// Tolerant decoders for MIME Content-Transfer-Encoding (RFC 2045 section 6).
//
// Real mail breaks both encodings; these decode what can be decoded and report the rest
// (`malformed`, the part's kBadBase64 / kBadQuotedPrintable flag):
// - base64: line breaks, spaces and tabs are skipped; other characters outside the
//   alphabet are skipped as a problem. A '=' after 2 or 3 characters of a group ends the
//   data (as Python's decoder does); anything after it but '=' and whitespace is a
//   problem and not decoded. A '=' where no padding can stand is skipped (a problem). A
//   final group of 2 or 3 characters without padding still decodes (a problem); a single
//   leftover character is dropped (a problem).
// - quoted-printable: "=XX" (either hex case) decodes; "=" followed by optional blanks and
//   a line break (or the end of the input) is a soft break; an "=" not followed by two hex
//   digits is kept literally (a problem); trailing whitespace on a line is dropped
//   (RFC 2045 6.7 rule 3); bare LF and bare CR count as line breaks and become CRLF; an
//   encoded line over 998 bytes is a problem (76 is too often exceeded to flag).
// Output stops at `max_out` bytes; `truncated` tells whether more would have followed.
// Pure functions; thread-safe; linear in the input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace chainmail {

struct DecodeReport {
  bool malformed = false;   // something had to be skipped or kept literally
  bool truncated = false;   // output reached max_out before the input ended
};

// Appends decoded bytes to *out (at most max_out of them).
DecodeReport DecodeBase64Tolerant(std::string_view in, size_t max_out, std::string* out);
DecodeReport DecodeQuotedPrintableTolerant(std::string_view in, size_t max_out, std::string* out);

}  // namespace chainmail
