// RFC 3339 timestamps for people and exports: UTC, microsecond precision.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chainmail {

// Now, as microseconds since the Unix epoch (the system clock): the unit of every
// timestamp the archive and the API keep.
int64_t UnixNowUs();
// Now on the monotonic clock, in microseconds: for durations, never for timestamps.
uint64_t MonotonicUs();

std::string FormatRfc3339(int64_t unix_us);  // "2026-11-27T11:48:30.123456Z"
void AppendRfc3339(std::string& out, int64_t unix_us);  // the same, appended to `out`
// Accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)" (also 't'/'z' and ' ' for 'T').
std::optional<int64_t> ParseRfc3339(std::string_view text);

}  // namespace chainmail
