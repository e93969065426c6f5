// Bulk byte scans for the message hot paths (the SMTP DATA decoder, the content-flag
// scanner, UTF-8 validation, body text, stored full-text). They test sixteen bytes per
// step with SSE2 where the compiler targets it (every x86-64), else eight (SWAR: plain
// 64-bit arithmetic); no per-byte branch, so ordinary text moves at memchr-like speed.
// They never read outside [begin, end). Pure functions: thread-safe.
#pragma once

#include <string_view>

namespace chainmail {

// The first CR or LF in [begin, end), or `end` when there is none.
const char* FindCrOrLf(const char* begin, const char* end);

// The first CR or NUL in [begin, end), or `end` when there is none.
const char* FindCrOrNul(const char* begin, const char* end);

// The first CR, LF, NUL or byte >= 0x80 in [begin, end), or `end` when there is none.
const char* FindLineBreakNulOrEightBit(const char* begin, const char* end);

// The first CR, LF or NUL in [begin, end), or `end` when there is none.
const char* FindLineBreakOrNul(const char* begin, const char* end);

// The first byte >= 0x80 in [begin, end), or `end` when there is none.
const char* FindEightBit(const char* begin, const char* end);

// The first byte in [begin, end) that is a C0 control other than TAB and LF, DEL (0x7F)
// or >= 0x80, or `end` when there is none.
const char* FindControlOrEightBit(const char* begin, const char* end);

// True if any byte of `bytes` is >= 0x80.
bool HasEightBit(std::string_view bytes);

}  // namespace chainmail
