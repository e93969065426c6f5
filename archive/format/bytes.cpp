#include "archive/format/bytes.h"

#include <openssl/evp.h>

#include <cstring>

namespace chainmail {

void AppendU8(Bytes& out, uint8_t v) { out.push_back(static_cast<char>(v)); }
void AppendU16(Bytes& out, uint16_t v) {
  AppendU8(out, v >> 8);
  AppendU8(out, v & 0xff);
}
void AppendU32(Bytes& out, uint32_t v) {
  AppendU16(out, v >> 16);
  AppendU16(out, v & 0xffff);
}
void AppendU64(Bytes& out, uint64_t v) {
  AppendU32(out, static_cast<uint32_t>(v >> 32));
  AppendU32(out, static_cast<uint32_t>(v));
}
void AppendBytes(Bytes& out, const void* p, size_t n) {
  out.append(static_cast<const char*>(p), n);
}

uint16_t ReadU16(const unsigned char* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t ReadU32(const unsigned char* p) {
  return static_cast<uint32_t>(ReadU16(p)) << 16 | ReadU16(p + 2);
}
uint64_t ReadU64(const unsigned char* p) {
  return static_cast<uint64_t>(ReadU32(p)) << 32 | ReadU32(p + 4);
}

std::string ToHex(const void* p, size_t n) {
  std::string out;
  AppendHex(out, p, n);
  return out;
}

void AppendHex(std::string& out, const void* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  const auto* b = static_cast<const unsigned char*>(p);
  const size_t at = out.size();
  out.resize(at + n * 2);
  for (size_t i = 0; i < n; ++i) {
    out[at + 2 * i] = kDigits[b[i] >> 4];
    out[at + 2 * i + 1] = kDigits[b[i] & 0xf];
  }
}

std::string EscapeNonPrintable(std::string_view text, std::string_view also) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b <= 0x7e && c != '\\' && also.find(c) == std::string_view::npos) {
      out.push_back(c);
    } else {
      out += "\\x";
      out.push_back(kDigits[b >> 4]);
      out.push_back(kDigits[b & 0xf]);
    }
  }
  return out;
}

static int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<Bytes> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  Bytes out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return out;
}

std::optional<Hash32> Hash32FromHex(std::string_view hex) {
  auto b = FromHex(hex);
  if (!b || b->size() != 32) return std::nullopt;
  return Hash32FromBytes(*b);
}

Hash32 Hash32FromBytes(std::string_view b) {
  Hash32 h{};
  std::memcpy(h.data(), b.data(), std::min(b.size(), h.size()));
  return h;
}

std::string Base64Encode(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(n);
  return out;
}

std::optional<Bytes> Base64Decode(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  Bytes out(in.size() / 4 * 3 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  size_t pad = 0;
  if (!in.empty() && in.back() == '=') ++pad;
  if (in.size() > 1 && in[in.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

}  // namespace chainmail
