// Extraction of addr-specs from an address-list header value (From, Sender, To, Cc),
// following RFC 5322 section 3.4 and its obsolete syntax (section 4.4), tolerantly.
//
// Understood: display names (atoms and quoted strings with backslash escapes), comments
// (nested, with escapes), angle addresses, bare addr-specs, groups ("name: a@x, b@y;",
// "undisclosed-recipients:;"), obsolete routes ("<@route,@route:a@b>"), quoted local
// parts and domain literals. Each addr-spec is returned as written (case preserved,
// quotes kept) minus the angle brackets and any whitespace or comments inside it. Bad
// input yields fewer addresses, never an error:
// - an angle address counts when non-empty ("<postmaster>" included);
// - outside angle brackets only words containing "@" count, so a display name that lost
//   its address, or a missing comma ("a@x b@y"), still gives the right addresses;
// - an unclosed quote, comment, literal or angle bracket runs to the end of the value.
// Addresses are repaired to valid UTF-8 (SMTPUTF8 addresses stay as they are).
//
// Pure function; thread-safe. Linear in the value's length.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace chainmail {

// Appends the addr-specs of `value` (unfolded, undecoded) to *addresses until it holds
// `max_total` entries.
void AppendAddresses(std::string_view value, size_t max_total, std::vector<std::string>* addresses);

}  // namespace chainmail
