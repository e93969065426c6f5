// Byte helpers shared by the formats: big-endian fixed-width integers, hex, base64.
// Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chainmail {

using Bytes = std::string;  // raw octets; std::string keeps SQLite and I/O code simple
using Hash32 = std::array<uint8_t, 32>;

void AppendU8(Bytes& out, uint8_t v);
void AppendU16(Bytes& out, uint16_t v);
void AppendU32(Bytes& out, uint32_t v);
void AppendU64(Bytes& out, uint64_t v);
void AppendBytes(Bytes& out, const void* p, size_t n);

uint16_t ReadU16(const unsigned char* p);
uint32_t ReadU32(const unsigned char* p);
uint64_t ReadU64(const unsigned char* p);

std::string ToHex(const void* p, size_t n);
void AppendHex(std::string& out, const void* p, size_t n);  // ToHex's digits, appended
inline std::string ToHex(std::string_view s) { return ToHex(s.data(), s.size()); }
inline std::string ToHex(const Hash32& h) { return ToHex(h.data(), h.size()); }
// Lower- or upper-case hex; nullopt on odd length or a non-hex digit.
std::optional<Bytes> FromHex(std::string_view hex);
std::optional<Hash32> Hash32FromHex(std::string_view hex);
Hash32 Hash32FromBytes(std::string_view b);  // b.size() must be 32
inline std::string_view AsView(const Hash32& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

// `text` with every byte outside printable ASCII (0x20-0x7e), every backslash and every
// byte of `also` written as \xHH: text from an untrusted file made safe to print, where a
// control or format character (ESC, CR, C1, a bidi override) could rewrite what is shown.
std::string EscapeNonPrintable(std::string_view text, std::string_view also = "");

std::string Base64Encode(std::string_view in);
std::optional<Bytes> Base64Decode(std::string_view in);

}  // namespace chainmail
