// Conversion of a text part's decoded bytes to UTF-8 for reading and search.
//
// The declared charset is read through charset.h (its aliases included: "gb2312" as
// GB18030, "ks_c_5601-1987" as CP949, "shift_jis" as CP932, "iso-8859-8-i", ...), with
// these rules on top:
// - UTF-8, US-ASCII and no charset: valid UTF-8 sequences are kept and every other byte
//   is read as Windows-1252 (undeclared 8-bit text is UTF-8 or Windows-1252 in practice);
//   8-bit bytes under US-ASCII or invalid UTF-8 under UTF-8 set bad_charset.
// - ISO-8859-1 and Windows-1252 are read as Windows-1252, where every byte maps (WHATWG's
//   reading: the C1 range of ISO-8859-1 is never meant in mail).
// - Under a single-byte charset (ISO-8859-*, Windows-125x, KOI8-*), 8-bit text that is
//   valid UTF-8 is read as UTF-8 (bad_charset): real text in those charsets almost never
//   is, while UTF-8 under a Latin-1 label is common. Not done for multi-byte charsets,
//   where short texts can be valid in both.
// - UTF-16 / UTF-32: a byte order mark wins over the name; "utf-16" without one is read
//   in the byte order its zero bytes suggest (big-endian when undecided).
// - Any other charset glibc knows goes through iconv. When bytes are invalid in it
//   (bad_charset): if at most about one byte in 64 is bad and the bytes are not valid
//   UTF-8, the declared reading is kept with U+FFFD for each bad byte (a damaged part);
//   otherwise the charset was a lie and the UTF-8/Windows-1252 reading above is used.
//   UTF-16 and UTF-32 always keep the declared reading (U+FFFD for bad code units).
// - An unknown charset (unknown_charset) is read the UTF-8/Windows-1252 way.
// So the result is always valid UTF-8 and no byte is silently dropped, except that NULs
// are removed (had_nul), a leading byte order mark is dropped, and CRLF/CR become LF.
// Work is linear in the input; output stops at max_out bytes (the conversion stops
// there too), on a character boundary.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace chainmail {

struct BodyTextReport {
  bool unknown_charset = false;  // charset named but not known: fallback used
  bool bad_charset = false;      // bytes invalid in the declared charset (see above)
  bool had_nul = false;
  bool truncated = false;        // output cut at max_out (on a character boundary)
};

// Appends the UTF-8 text of `bytes` (in `charset`, any case; "" = none, read as
// us-ascii) to *out, at most max_out bytes.
BodyTextReport AppendBodyText(std::string_view charset, std::string_view bytes, size_t max_out,
                              std::string* out);

// The code point of a Windows-1252 byte; the five bytes Windows-1252 leaves undefined
// (0x81, 0x8D, 0x8F, 0x90, 0x9D) map to the C1 control of the same value. HTML uses the
// same table for numeric references in 0x80..0x9F.
uint32_t Windows1252ToCodePoint(unsigned char byte);

}  // namespace chainmail
