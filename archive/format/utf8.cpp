#include "archive/format/utf8.h"

#include <bit>
#include <cstring>

#include "archive/format/byte_scan.h"

namespace chainmail {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid sequence at p[0..n) (n >= 1), or 0 when invalid; then
// *invalid_length is the maximal subpart to replace (at least 1).
inline size_t SequenceLength(const unsigned char* p, size_t n, size_t* invalid_length) {
  const unsigned char lead = p[0];
  *invalid_length = 1;
  if (lead < 0x80) return 1;
  // Fast paths for the common valid forms: U+0080..U+07FF, and U+1000..U+FFFF less the
  // surrogates (leads E1..EC, EE, EF take any continuation bytes).
  if (lead >= 0xC2 && lead <= 0xDF && n >= 2 && (p[1] & 0xC0) == 0x80) return 2;
  if (lead >= 0xE1 && lead <= 0xEF && lead != 0xED && n >= 3 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80)
    return 3;
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

// The first byte >= 0x80 in [p, end), or `end`. Between the accented letters of Latin
// text the ASCII runs are short: the first eight bytes are tested here, inline.
inline const char* SkipAscii(const char* p, const char* end) {
  if (p != end && static_cast<unsigned char>(*p) >= 0x80) return p;
  if (end - p < 8) {
    while (p != end && static_cast<unsigned char>(*p) < 0x80) ++p;
    return p;
  }
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  v &= 0x8080808080808080ull;
  if (v == 0) return FindEightBit(p + 8, end);
  if constexpr (std::endian::native == std::endian::little) return p + std::countr_zero(v) / 8;
  return p + std::countl_zero(v) / 8;
}

}  // namespace

bool IsValidUtf8(std::string_view text) { return ValidUtf8PrefixLength(text) == text.size(); }

size_t ValidUtf8PrefixLength(std::string_view text) {
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  const char* p = begin;
  size_t invalid = 0;
  // ASCII runs in bulk; then the 8-bit characters one by one until ASCII comes again.
  while ((p = SkipAscii(p, end)) != end) {
    do {
      const size_t length =
          SequenceLength(reinterpret_cast<const unsigned char*>(p), static_cast<size_t>(end - p), &invalid);
      if (length == 0) return static_cast<size_t>(p - begin);
      p += length;
    } while (p != end && static_cast<unsigned char>(*p) >= 0x80);
  }
  return text.size();
}

void AppendUtf8Repaired(std::string_view text, std::string* out) {
  const char* const end = text.data() + text.size();
  const char* run = text.data();  // start of the bytes not yet copied, all kept as they are
  const char* p = run;
  size_t invalid = 0;
  while ((p = SkipAscii(p, end)) != end) {
    do {
      const size_t length =
          SequenceLength(reinterpret_cast<const unsigned char*>(p), static_cast<size_t>(end - p), &invalid);
      if (length != 0) {
        p += length;
        continue;
      }
      out->append(run, static_cast<size_t>(p - run));
      out->append(kReplacement);
      p += invalid;
      run = p;
    } while (p != end && static_cast<unsigned char>(*p) >= 0x80);
  }
  out->append(run, static_cast<size_t>(end - run));
}

size_t Utf8SequenceLength(std::string_view text, size_t* invalid_length) {
  *invalid_length = 0;
  if (text.empty()) return 0;
  return SequenceLength(reinterpret_cast<const unsigned char*>(text.data()), text.size(), invalid_length);
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
