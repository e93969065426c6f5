#include "service/cli/printable.h"

#include <cstdint>
#include <cstdio>

namespace chainmail {

std::string Printable(std::string_view s) {
  std::string out;
  char esc[16];
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == '\n') out += "\\n";
      else if (c == '\r') out += "\\r";
      else if (c == '\t') out += "\\t";
      else if (c == '\\') out += "\\\\";
      else if (c < 0x20 || c == 0x7f) out.append(esc, std::snprintf(esc, sizeof esc, "\\x%02x", c));
      else out += static_cast<char>(c);
      ++i;
      continue;
    }
    // One UTF-8 sequence: its length from the lead byte, then no overlong form, no
    // surrogate, nothing above U+10FFFF.
    const size_t len = c >= 0xC2 && c <= 0xDF ? 2 : (c & 0xF0) == 0xE0 ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    uint32_t cp = len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    bool valid = len > 0 && i + len <= s.size();
    for (size_t k = 1; valid && k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      valid = (b & 0xC0) == 0x80;
      cp = cp << 6 | (b & 0x3F);
    }
    valid = valid && cp >= (len == 2 ? 0x80u : len == 3 ? 0x800u : 0x10000u) && (cp < 0xD800 || cp > 0xDFFF) &&
            cp <= 0x10FFFF;
    if (!valid) {
      out.append(esc, std::snprintf(esc, sizeof esc, "\\x%02x", c));
      ++i;
      continue;
    }
    const bool control = cp <= 0x9F || cp == 0x200E || cp == 0x200F || (cp >= 0x2028 && cp <= 0x202E) ||
                         (cp >= 0x2066 && cp <= 0x2069);
    if (control) out.append(esc, std::snprintf(esc, sizeof esc, "\\u%04x", cp));
    else out.append(s.substr(i, len));
    i += len;
  }
  return out;
}

}  // namespace chainmail
