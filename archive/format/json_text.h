// Minimal, deterministic JSON text building for audit details and exports: the same
// input always gives the same bytes (they are hashed as stored). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace chainmail {

// A JSON string literal with quotes. Control characters are \u-escaped; bytes that are
// not valid UTF-8 become U+FFFD, so the output is always valid JSON.
std::string JsonQuote(std::string_view text);
// The same literal appended to `out`: no temporary strings, and printable ASCII without
// quotes or backslashes (names, ids, hashes, most addresses) is copied in one piece.
// `text` must not point into `out` (appending may move it).
void AppendJsonQuoted(std::string& out, std::string_view text);

}  // namespace chainmail
