// Bulk byte scans for the message hot paths (the SMTP DATA decoder, the content-flag
// scanner). They test eight bytes per step (SWAR: plain 64-bit arithmetic, no per-byte
// branch), so ordinary text moves at memchr-like speed. Pure functions: thread-safe.
#pragma once

#include <string_view>

namespace chainmail {

// The first CR or LF in [begin, end), or `end` when there is none.
const char* FindCrOrLf(const char* begin, const char* end);

// The first CR, LF, NUL or byte >= 0x80 in [begin, end), or `end` when there is none.
const char* FindLineBreakNulOrEightBit(const char* begin, const char* end);

// True if any byte of `bytes` is >= 0x80.
bool HasEightBit(std::string_view bytes);

}  // namespace chainmail
