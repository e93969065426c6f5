#include "archive/format/json_text.h"

#include <cstdio>

#include "archive/format/utf8.h"

namespace chainmail {
namespace {

bool PlainAscii(std::string_view text) {
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
  }
  return true;
}

}  // namespace

void AppendJsonQuoted(std::string& out, std::string_view text) {
  out += '"';
  if (PlainAscii(text)) {
    out += text;
    out += '"';
    return;
  }
  std::string valid;
  AppendUtf8Repaired(text, &valid);  // invalid sequences become U+FFFD
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
}

std::string JsonQuote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  AppendJsonQuoted(out, text);
  return out;
}

}  // namespace chainmail
