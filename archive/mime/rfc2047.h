// Decoding of header text that may hold RFC 2047 encoded words, to UTF-8.
//
// Rules (RFC 2047 sections 5-6, plus what real mail needs):
// - whitespace between two adjacent encoded words is dropped;
// - adjacent words in the same charset are joined before conversion, so a multi-byte
//   character split across two words (common, though not allowed) still decodes;
// - a word that cannot be decoded (unknown charset, bad base64/Q, bytes invalid in its
//   charset) is kept verbatim, with the whitespace around it, and reported;
// - text outside encoded words is kept; its invalid UTF-8 becomes U+FFFD.
// The result is always valid UTF-8. Work is linear in the input.
//
// Thread-safe (see charset.h for the iconv descriptors).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace chainmail {

// Decodes unfolded header text. The result is cut to at most `max_bytes` (on a character
// boundary). Sets *bad_encoded_word to true when a word could not be decoded; leaves it
// unchanged otherwise.
std::string DecodeHeaderText(std::string_view text, size_t max_bytes, bool* bad_encoded_word);

}  // namespace chainmail
