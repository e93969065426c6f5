#include "archive/format/utf8.h"

namespace chainmail {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid sequence at p[0..n) (n >= 1), or 0 when invalid; then
// *invalid_length is the maximal subpart to replace (at least 1).
size_t SequenceLength(const unsigned char* p, size_t n, size_t* invalid_length) {
  const unsigned char lead = p[0];
  *invalid_length = 1;
  if (lead < 0x80) return 1;
  size_t length;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  for (size_t i = 1; i < length; ++i) {
    if (i >= n) return 0;
    const unsigned char lo = i == 1 ? low : 0x80, hi = i == 1 ? high : 0xBF;
    if (p[i] < lo || p[i] > hi) return 0;
    *invalid_length = i + 1;
  }
  return length;
}

}  // namespace

bool IsValidUtf8(std::string_view text) { return ValidUtf8PrefixLength(text) == text.size(); }

size_t ValidUtf8PrefixLength(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = 0, invalid = 0;
  while (i < text.size()) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const size_t length = SequenceLength(p + i, text.size() - i, &invalid);
    if (length == 0) return i;
    i += length;
  }
  return i;
}

void AppendUtf8Repaired(std::string_view text, std::string* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = 0, run_start = 0, invalid = 0;
  while (i < text.size()) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const size_t length = SequenceLength(p + i, text.size() - i, &invalid);
    if (length != 0) {
      i += length;
      continue;
    }
    out->append(text.substr(run_start, i - run_start));
    out->append(kReplacement);
    i += invalid;
    run_start = i;
  }
  out->append(text.substr(run_start));
}

void AppendUtf8CodePoint(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | cp >> 6));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | cp >> 12));
    out->push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | cp >> 18));
    out->push_back(static_cast<char>(0x80 | (cp >> 12 & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void TruncateUtf8(std::string* text, size_t max_bytes) {
  if (text->size() <= max_bytes) return;
  size_t end = max_bytes;
  // Back up over continuation bytes to the start of the character that would be cut.
  while (end > 0 && (static_cast<unsigned char>((*text)[end]) & 0xC0) == 0x80) --end;
  text->resize(end);
}

}  // namespace chainmail
