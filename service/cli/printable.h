// Printable: text that came from outside (a message, its envelope, a file name) made safe
// to print on a terminal, one line of a listing.
#pragma once

#include <string>
#include <string_view>

namespace chainmail {

// `s` as text that cannot act on a terminal or forge a line of a listing: C0 controls,
// DEL, backslash, C1 controls, line and paragraph separators and bidirectional controls
// are escaped (\n \r \t \\ \xNN \uNNNN), bytes that are not UTF-8 become \xNN; every
// other character is printed as it is.
std::string Printable(std::string_view s);

}  // namespace chainmail
