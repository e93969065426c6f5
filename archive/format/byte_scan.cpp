#include "archive/format/byte_scan.h"

#include <bit>
#include <cstdint>
#include <cstring>

namespace chainmail {
namespace {

constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kLow7 = 0x7f7f7f7f7f7f7f7full;
constexpr uint64_t kHigh = 0x8080808080808080ull;

uint64_t Load(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Bit 7 set in exactly the bytes of `v` that are zero. Exact per byte (no carry crosses a
// byte), so the first marked byte is right on either endianness.
uint64_t ZeroBytes(uint64_t v) { return ~(((v & kLow7) + kLow7) | v | kLow7); }

// Index, in memory order, of the first byte marked in `mask` (mask != 0).
size_t FirstMarked(uint64_t mask) {
  if constexpr (std::endian::native == std::endian::little) {
    return static_cast<size_t>(std::countr_zero(mask)) / 8;
  } else {
    return static_cast<size_t>(std::countl_zero(mask)) / 8;
  }
}

}  // namespace

const char* FindCrOrLf(const char* begin, const char* end) {
  const char* p = begin;
  while (end - p >= 8) {
    uint64_t v = Load(p);
    uint64_t mask = ZeroBytes(v ^ (kOnes * '\r')) | ZeroBytes(v ^ (kOnes * '\n'));
    if (mask != 0) return p + FirstMarked(mask);
    p += 8;
  }
  while (p < end && *p != '\r' && *p != '\n') ++p;
  return p;
}

const char* FindLineBreakNulOrEightBit(const char* begin, const char* end) {
  const char* p = begin;
  while (end - p >= 8) {
    uint64_t v = Load(p);
    uint64_t mask = ZeroBytes(v ^ (kOnes * '\r')) | ZeroBytes(v ^ (kOnes * '\n')) | ZeroBytes(v) | (v & kHigh);
    if (mask != 0) return p + FirstMarked(mask);
    p += 8;
  }
  while (p < end && *p != '\r' && *p != '\n' && *p != '\0' && static_cast<uint8_t>(*p) < 0x80) ++p;
  return p;
}

bool HasEightBit(std::string_view bytes) {
  const char* p = bytes.data();
  size_t n = bytes.size();
  uint64_t any = 0;
  for (; n >= 8; p += 8, n -= 8) any |= Load(p);
  for (; n > 0; ++p, --n) any |= static_cast<uint8_t>(*p);
  return (any & kHigh) != 0;
}

}  // namespace chainmail
