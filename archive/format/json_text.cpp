#include "archive/format/json_text.h"

#include <cstdio>

#include "archive/format/utf8.h"

namespace chainmail {

std::string JsonQuote(std::string_view text) {
  std::string valid;
  AppendUtf8Repaired(text, &valid);  // invalid sequences become U+FFFD
  std::string out = "\"";
  for (const char ch : valid) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  out += '"';
  return out;
}

}  // namespace chainmail
