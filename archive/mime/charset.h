// Conversion of text in a MIME charset to UTF-8, for RFC 2047 encoded words.
//
// UTF-8, US-ASCII and ISO-8859-1 are converted directly; every other charset glibc's
// iconv knows goes through iconv (only ever *from* the charset to UTF-8). Charset names
// are checked before they reach iconv_open: letters, digits and "-_.:+" only, at most
// 64 bytes; an RFC 2231 "*language" suffix is ignored.
//
// Thread safety: thread-safe. iconv descriptors are not, so each thread keeps its own
// small cache of them (thread_local), closed when the thread exits.
#pragma once

#include <string>
#include <string_view>

namespace chainmail {

// Appends the UTF-8 form of `bytes` (text in `charset`) to `*out`. Returns false and
// leaves `*out` unchanged when the charset is unknown or `bytes` is not valid in it
// (including a truncated multi-byte or shift sequence at the end).
bool ConvertToUtf8(std::string_view charset, std::string_view bytes, std::string* out);

}  // namespace chainmail
