// UTF-8 validation and repair for text extracted from message headers.
//
// Valid sequences are the ones RFC 3629 allows: no overlong forms, no surrogates, nothing
// above U+10FFFF. Repair replaces each maximal invalid subpart with one U+FFFD (the
// W3C/Unicode "substitution of maximal subparts" practice), so no byte is silently
// dropped and the output is always valid UTF-8.
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace chainmail {

// True when `text` is entirely valid UTF-8.
bool IsValidUtf8(std::string_view text);

// Length of the longest prefix of `text` that is valid UTF-8 (whole characters only);
// text.size() when all of it is valid.
size_t ValidUtf8PrefixLength(std::string_view text);

// Appends `text` to `*out`, replacing invalid sequences with U+FFFD.
void AppendUtf8Repaired(std::string_view text, std::string* out);

// The character at the start of `text`: its length in bytes (1 for ASCII) when it is a
// valid sequence, else 0 with *invalid_length set to the maximal invalid subpart that one
// U+FFFD replaces (at least 1; 0 only when `text` is empty). For callers that walk text
// themselves.
size_t Utf8SequenceLength(std::string_view text, size_t* invalid_length);

// Appends the UTF-8 form of `code_point`, which must be a Unicode scalar value (at most
// U+10FFFF, not a surrogate).
void AppendUtf8CodePoint(uint32_t code_point, std::string* out);

// Shortens valid UTF-8 `*text` to at most `max_bytes` without splitting a character.
void TruncateUtf8(std::string* text, size_t max_bytes);

}  // namespace chainmail
