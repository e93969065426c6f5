// Parsing of a Date header value (RFC 5322 section 3.3 and the obsolete forms of 4.3).
//
//   [day-of-week [","]] day month year hour ":" minute [":" second] [zone]
//
// Accepted: comments and extra whitespace anywhere (also around ":"), any case, full
// day and month names, 2-digit years (< 50 is 20xx, else 19xx) and 3-digit years
// (+ 1900), numeric zones (+hhmm/-hhmm, hh < 24, mm < 60), the named zones UT, GMT, EST,
// EDT, CST, CDT, MST, MDT, PST, PDT, and, as RFC 5322 4.3 asks, military letters and any
// other alphabetic zone as +0000. A missing zone also reads as +0000. Text after the zone
// is ignored. Out-of-range fields (Feb 30, 24:00, year < 1900, ...) give nullopt.
//
// Pure function; thread-safe; linear in the value's length.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace chainmail {

// The instant `value` names, in microseconds since 1970-01-01T00:00:00Z, or nullopt.
std::optional<int64_t> ParseRfc5322Date(std::string_view value);

}  // namespace chainmail
