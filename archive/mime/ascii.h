// ASCII-only character helpers for header parsing. Unlike <cctype> they ignore the
// locale and accept any char value. Pure functions; thread-safe.
#pragma once

#include <string_view>

namespace chainmail {

inline char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
inline bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsAsciiAlpha(char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
// 0..15 for a hex digit of either case, -1 otherwise.
inline int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
// RFC 5322 WSP: the only characters that fold or separate inside a header value.
inline bool IsWsp(char c) { return c == ' ' || c == '\t'; }

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  return true;
}

// `text` without leading and trailing WSP.
inline std::string_view TrimWsp(std::string_view text) {
  while (!text.empty() && IsWsp(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsWsp(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace chainmail
