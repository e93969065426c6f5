// The named character references HtmlToText decodes: HTML 4.01's full set (Latin-1,
// symbols, specials: &eacute; &euro; &hellip; &rsquo; ...) plus &apos;. Names are
// case-sensitive, as in HTML (&Eacute; and &eacute; differ).
// Pure function; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace chainmail {

// The code point of the reference `name` (without '&' and ';'), or 0 when unknown.
uint32_t LookupHtmlEntity(std::string_view name);

}  // namespace chainmail
