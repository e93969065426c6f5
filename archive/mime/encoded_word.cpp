#include "archive/mime/encoded_word.h"

#include <cstdint>

namespace chainmail {
namespace {

constexpr size_t kMaxCharset = 75;  // the whole word's limit in RFC 2047 section 2

// Characters allowed in a charset token and in encoded text: visible ASCII but "?".
bool IsWordChar(char c) { return c > 0x20 && c < 0x7F && c != '?'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool DecodeQ(std::string_view text, std::string* octets) {
  const size_t start = octets->size();
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '_') {
      octets->push_back(' ');
    } else if (c != '=') {
      octets->push_back(c);
    } else {
      const int hi = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
      const int lo = hi >= 0 ? HexValue(text[i + 2]) : -1;
      if (lo < 0) {
        octets->resize(start);
        return false;
      }
      octets->push_back(static_cast<char>(hi << 4 | lo));
      i += 2;
    }
  }
  return true;
}

bool DecodeB(std::string_view text, std::string* octets) {
  size_t end = text.size();
  size_t padding = 0;
  while (end > 0 && text[end - 1] == '=' && padding < 2) {
    --end;
    ++padding;
  }
  // Missing or short padding is accepted; a length no encoder can produce is not.
  if (end % 4 == 1) return false;
  const size_t start = octets->size();
  uint32_t bits = 0;
  int bit_count = 0;
  for (size_t i = 0; i < end; ++i) {
    const int v = Base64Value(text[i]);
    if (v < 0) {
      octets->resize(start);
      return false;
    }
    bits = (bits << 6 | static_cast<uint32_t>(v)) & 0xFFFFFF;
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      octets->push_back(static_cast<char>(bits >> bit_count & 0xFF));
    }
  }
  return true;
}

}  // namespace

bool ParseEncodedWord(std::string_view t, size_t pos, EncodedWord* word) {
  if (pos + 1 >= t.size() || t[pos] != '=' || t[pos + 1] != '?') return false;
  size_t i = pos + 2;
  const size_t charset_begin = i;
  while (i < t.size() && IsWordChar(t[i]) && i - charset_begin <= kMaxCharset) ++i;
  if (i == charset_begin || i >= t.size() || t[i] != '?' || i - charset_begin > kMaxCharset)
    return false;
  const size_t charset_end = i++;
  if (i + 1 >= t.size() || !IsWordChar(t[i]) || t[i + 1] != '?') return false;
  const char encoding = t[i];
  i += 2;
  const size_t text_begin = i;
  while (i < t.size() && IsWordChar(t[i])) ++i;
  if (i + 1 >= t.size() || t[i] != '?' || t[i + 1] != '=') return false;
  word->charset = t.substr(charset_begin, charset_end - charset_begin);
  word->encoding = encoding;
  word->encoded_text = t.substr(text_begin, i - text_begin);
  word->length = i + 2 - pos;
  return true;
}

bool DecodeEncodedText(char encoding, std::string_view encoded_text, std::string* octets) {
  if (encoding == 'Q' || encoding == 'q') return DecodeQ(encoded_text, octets);
  if (encoding == 'B' || encoding == 'b') return DecodeB(encoded_text, octets);
  return false;
}

}  // namespace chainmail
