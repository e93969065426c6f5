// Conversion of text in a MIME charset to UTF-8, for RFC 2047 encoded words and (through
// body_text.h) body text and RFC 2231 parameter values.
//
// UTF-8, US-ASCII and ISO-8859-1 are converted directly; every other charset glibc's
// iconv knows goes through iconv (only ever *from* the charset to UTF-8). Charset names
// are checked before they reach iconv_open: letters, digits and "-_.:+" only, at most
// 64 bytes; an RFC 2231 "*language" suffix is ignored. A few names mail uses are read as
// the superset senders really mean (ResolveCharsetAlias): gb2312 and gbk as GB18030,
// ks_c_5601-1987 and euc-kr as CP949, shift_jis as CP932 (0x5C stays a backslash),
// iso-2022-jp as ISO-2022-JP-2 (half-width katakana), iso-8859-8-i as ISO-8859-8.
//
// Thread safety: thread-safe. iconv descriptors are not, so each thread keeps its own
// small cache of them (thread_local), closed when the thread exits.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace chainmail {

// Appends the UTF-8 form of `bytes` (text in `charset`) to `*out`. Returns false and
// leaves `*out` unchanged when the charset is unknown or `bytes` is not valid in it
// (including a truncated multi-byte or shift sequence at the end).
bool ConvertToUtf8(std::string_view charset, std::string_view bytes, std::string* out);

// The name conversion uses for `charset`: the "*language" suffix removed and the aliases
// above applied ("gb2312" -> "GB18030"); otherwise `charset` itself, unchecked. The view
// points into `charset` or into static storage.
std::string_view ResolveCharsetAlias(std::string_view charset);

// Receives converted UTF-8 in pieces of whole characters; returns false to stop. It must
// not convert charsets itself (it runs while this thread's iconv descriptor is in use).
using Utf8PieceSink = std::function<bool(std::string_view utf8)>;

// Converts like ConvertToUtf8 but does not give up on bad bytes: each invalid sequence
// (one byte, or one code unit for UTF-16/UTF-32) and a truncated sequence at the end
// become U+FFFD and are added to *invalid_bytes; the shift state of ISO-2022 charsets
// carries on. Always through iconv, in pieces of at most 16 KiB, so output is bounded by
// what the sink accepts. Returns false, without calling the sink, only when the charset
// is unknown or its name is unusable.
bool ConvertToUtf8Lenient(std::string_view charset, std::string_view bytes,
                          const Utf8PieceSink& sink, size_t* invalid_bytes);

}  // namespace chainmail
