// Structured header fields of MIME: Content-Type and Content-Disposition (RFC 2045 5.1,
// RFC 2183), with parameters as RFC 2231 extends them: continuations (name*0, name*1,
// ...), charset and language on the first segment (name*=utf-8'en'%E2%82%AC, name*0*=...),
// percent-decoding, and values converted to UTF-8 through body_text.h.
//
// Quoted strings take backslash escapes. Tolerant, and any of these sets `malformed`: a
// quoted string left unclosed (the value runs to the end), unquoted values with stray
// characters (spaces, quotes, controls, 8-bit; the value runs to the next ';'), a
// parameter without '=', junk after a closing quote, a missing ';' after the value
// ("text/plain charset=x" is read as if it were there), missing or duplicate RFC 2231
// segments (the ones present are joined in order; the first of duplicates wins), a '%'
// without two hex digits, an unknown charset or bytes invalid in it (read as body_text.h
// reads them), duplicate parameters (the first wins). Comments "(...)" are skipped after
// the value and after quoted values; a trailing " (comment)" is cut from unquoted ones.
// When both a plain and an RFC 2231 form of a parameter are present (senders add the
// plain one for old readers), the RFC 2231 form wins. RFC 2047 encoded words in plain
// values (Outlook and Gmail write them in quoted filenames) are decoded, setting
// `bad_encoded_word` when one does not decode; never in "boundary", which must match the
// body byte for byte. Names and the value are lowercased; parameter values keep their
// case and are valid UTF-8. Bounded: at most 64 parameter names, segments 0..99, 8 KiB
// per value; linear in the input.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chainmail {

struct MimeParams {
  std::string value;   // lowercased and trimmed: "text/plain", "attachment"; "" when absent
  std::vector<std::pair<std::string, std::string>> params;  // lowercased name -> UTF-8 value
  bool malformed = false;
  bool bad_encoded_word = false;

  // The value of parameter `name` (lowercase), or "" when absent.
  std::string_view Get(std::string_view name) const;
};

// Parses an unfolded Content-Type or Content-Disposition field value.
MimeParams ParseMimeParams(std::string_view unfolded_value);

}  // namespace chainmail
