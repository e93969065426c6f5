// EncodeCharset: UTF-8 text to a MIME charset through glibc's iconv, for the benchmark
// mail mix (the archive itself only ever converts *to* UTF-8: archive/mime/charset.h).
// Thread-safe (each call opens its own iconv descriptor; glibc caches the modules).
#pragma once

#include <string>
#include <string_view>

namespace chainmail::bench {

// Appends `utf8` converted to `charset` (an iconv name: "ISO-2022-JP", "SHIFT_JIS",
// "KOI8-R", "GB18030", "CP1252", "ISO-8859-1", "UTF-8") to *out. False, with *out
// unchanged, when the charset is unknown or a character has no form in it. A stateful
// charset (ISO-2022-JP) ends in its initial state, so each call's output stands alone.
bool EncodeCharset(const char* charset, std::string_view utf8, std::string* out);

}  // namespace chainmail::bench
