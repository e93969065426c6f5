// Straightforward byte-at-a-time references for the UTF-8 functions (utf8.h), written from
// Unicode's table of well-formed byte sequences (Table 3-7) rather than from utf8.cpp, for
// tests that compare the fast implementations against them on many inputs.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace chainmail::testing {

// The well-formed sequence at the start of `text` (not empty): its length, or 0 when
// ill-formed, with *subpart the maximal subpart (the longest prefix of some well-formed
// sequence, at least 1 byte) that one U+FFFD replaces.
inline size_t ReferenceSequenceLength(std::string_view text, size_t* subpart) {
  struct Form {
    unsigned char lead_first, lead_last, second_first, second_last;
    size_t length;
  };
  static constexpr Form kForms[] = {
      {0x00, 0x7F, 0, 0, 1},       {0xC2, 0xDF, 0x80, 0xBF, 2}, {0xE0, 0xE0, 0xA0, 0xBF, 3},
      {0xE1, 0xEC, 0x80, 0xBF, 3}, {0xED, 0xED, 0x80, 0x9F, 3}, {0xEE, 0xEF, 0x80, 0xBF, 3},
      {0xF0, 0xF0, 0x90, 0xBF, 4}, {0xF1, 0xF3, 0x80, 0xBF, 4}, {0xF4, 0xF4, 0x80, 0x8F, 4},
  };
  *subpart = 1;
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  for (const Form& f : kForms) {
    if (byte(0) < f.lead_first || byte(0) > f.lead_last) continue;
    for (size_t i = 1; i < f.length; ++i) {
      if (i >= text.size()) return 0;
      const unsigned char first = i == 1 ? f.second_first : 0x80, last = i == 1 ? f.second_last : 0xBF;
      if (byte(i) < first || byte(i) > last) return 0;
      *subpart = i + 1;
    }
    return f.length;
  }
  return 0;
}

inline size_t ReferenceValidUtf8PrefixLength(std::string_view text) {
  size_t i = 0, subpart = 0;
  while (i < text.size()) {
    const size_t length = ReferenceSequenceLength(text.substr(i), &subpart);
    if (length == 0) break;
    i += length;
  }
  return i;
}

inline std::string ReferenceUtf8Repaired(std::string_view text) {
  std::string out;
  size_t i = 0, subpart = 0;
  while (i < text.size()) {
    const size_t length = ReferenceSequenceLength(text.substr(i), &subpart);
    if (length == 0) {
      out += "\xEF\xBF\xBD";
      i += subpart;
    } else {
      out += text.substr(i, length);
      i += length;
    }
  }
  return out;
}

// Random text made to probe UTF-8 handling: ASCII (controls, CR, LF, NUL, DEL included),
// well-formed characters of every length, and the ill-formed kinds (lone continuation
// bytes, bytes that never occur, overlong forms, surrogates, values above U+10FFFF,
// sequences cut short), in runs of every length. `next` returns uniform 32-bit numbers.
template <typename Random>
std::string RandomUtf8ishText(Random& next, size_t max_pieces) {
  static constexpr std::string_view kPieces[] = {
      "a",  "Hello, world. ", "\r\n", "\r", "\n", std::string_view("\0", 1), "\t", "\x7F", "\x01", "\x1F", " ",
      "\xC3\xA9",          "\xDF\xBF",         "\xE2\x82\xAC",     "\xE6\x9D\xA5",     "\xEF\xBB\xBF",
      "\xED\x9F\xBF",      "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF", "\xC2\x80",         "\xE0\xA0\x80",
      "\x80",              "\xBF",             "\xC0\x80",         "\xC1\xBF",         "\xE0\x80\xAF",
      "\xED\xA0\x80",      "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF",             "\xFE",
      "\xE2\x82",          "\xF0\x9F\x98",     "\xC3",             "\xE6",             "\xF0\x9F",
  };
  std::string out;
  const size_t pieces = next() % (max_pieces + 1);
  for (size_t i = 0; i < pieces; ++i) {
    if (next() % 3 == 0) {
      out.append(next() % 40, static_cast<char>('A' + next() % 26));  // a run of ASCII
    } else {
      out += kPieces[next() % std::size(kPieces)];
    }
  }
  return out;
}

}  // namespace chainmail::testing
