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
#include <string>
#include <string_view>

namespace chainmail {

// True when `text` is entirely valid UTF-8.
bool IsValidUtf8(std::string_view text);

// Appends `text` to `*out`, replacing invalid sequences with U+FFFD.
void AppendUtf8Repaired(std::string_view text, std::string* out);

// Shortens valid UTF-8 `*text` to at most `max_bytes` without splitting a character.
void TruncateUtf8(std::string* text, size_t max_bytes);

}  // namespace chainmail
