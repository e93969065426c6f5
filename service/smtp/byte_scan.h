// Bulk byte scans for the SMTP hot paths. They test eight bytes per step (SWAR: plain
// 64-bit arithmetic, no per-byte branch), so the DATA decoder moves through ordinary text
// at memchr-like speed. Pure functions: safe to call from any thread.
#pragma once

#include <string_view>

namespace chainmail::smtp {

// The first CR or LF in [begin, end), or `end` when there is none.
const char* FindCrOrLf(const char* begin, const char* end);

// True if any byte of `bytes` is >= 0x80.
bool HasEightBit(std::string_view bytes);

}  // namespace chainmail::smtp
