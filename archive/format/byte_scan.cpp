#include "archive/format/byte_scan.h"

#include <bit>
#include <cstdint>
#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace chainmail {
namespace {

constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kLow7 = 0x7f7f7f7f7f7f7f7full;
constexpr uint64_t kHigh = 0x8080808080808080ull;

uint64_t Load8(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Bit 7 set in exactly the bytes of `v` that are zero. Exact per byte (no carry crosses a
// byte), so the first marked byte is right on either endianness.
uint64_t ZeroBytes(uint64_t v) { return ~(((v & kLow7) + kLow7) | v | kLow7); }

// Bit 7 set in exactly the bytes of `v` equal to `c`.
uint64_t Equal8(uint64_t v, unsigned char c) { return ZeroBytes(v ^ (kOnes * c)); }

// Index, in memory order, of the first byte marked in `mask` (mask != 0).
size_t FirstMarked(uint64_t mask) {
  if constexpr (std::endian::native == std::endian::little) {
    return static_cast<size_t>(std::countr_zero(mask)) / 8;
  } else {
    return static_cast<size_t>(std::countl_zero(mask)) / 8;
  }
}

// What a scan looks for, three ways: Is(byte), Mark8(eight bytes) with bit 7 set in
// exactly the matching bytes, and Mask16(sixteen bytes) with bit i set when byte i
// matches.

struct CrOrLf {
  static bool Is(unsigned char c) { return c == '\r' || c == '\n'; }
  static uint64_t Mark8(uint64_t v) { return Equal8(v, '\r') | Equal8(v, '\n'); }
#ifdef __SSE2__
  static unsigned Mask16(__m128i v) {
    return _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))));
  }
#endif
};

struct CrOrNul {
  static bool Is(unsigned char c) { return c == '\r' || c == '\0'; }
  static uint64_t Mark8(uint64_t v) { return Equal8(v, '\r') | ZeroBytes(v); }
#ifdef __SSE2__
  static unsigned Mask16(__m128i v) {
    return _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')), _mm_cmpeq_epi8(v, _mm_setzero_si128())));
  }
#endif
};

struct LineBreakNulOrEightBit {
  static bool Is(unsigned char c) { return c == '\r' || c == '\n' || c == '\0' || c >= 0x80; }
  static uint64_t Mark8(uint64_t v) { return Equal8(v, '\r') | Equal8(v, '\n') | ZeroBytes(v) | (v & kHigh); }
#ifdef __SSE2__
  static unsigned Mask16(__m128i v) {
    const __m128i breaks = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
    // movemask reads bit 7 of each byte: `v` itself marks the 8-bit bytes.
    return _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(breaks, _mm_cmpeq_epi8(v, _mm_setzero_si128())), v));
  }
#endif
};

struct LineBreakOrNul {
  static bool Is(unsigned char c) { return c == '\r' || c == '\n' || c == '\0'; }
  static uint64_t Mark8(uint64_t v) { return Equal8(v, '\r') | Equal8(v, '\n') | ZeroBytes(v); }
#ifdef __SSE2__
  static unsigned Mask16(__m128i v) {
    const __m128i breaks = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
    return _mm_movemask_epi8(_mm_or_si128(breaks, _mm_cmpeq_epi8(v, _mm_setzero_si128())));
  }
#endif
};

struct EightBit {
  static bool Is(unsigned char c) { return c >= 0x80; }
  static uint64_t Mark8(uint64_t v) { return v & kHigh; }
#ifdef __SSE2__
  static unsigned Mask16(__m128i v) { return _mm_movemask_epi8(v); }
#endif
};

struct ControlOrEightBit {
  static bool Is(unsigned char c) { return (c < 0x20 && c != '\t' && c != '\n') || c >= 0x7F; }
  static uint64_t Mark8(uint64_t v) {
    // Low seven bits below 0x20: adding 0x60 leaves bit 7 clear (no carry leaves a byte).
    const uint64_t below_space = ~((v & kLow7) + kOnes * 0x60) & kHigh;
    return ((below_space | (v & kHigh)) & ~(Equal8(v, '\t') | Equal8(v, '\n'))) | Equal8(v, 0x7F);
  }
#ifdef __SSE2__
  static unsigned Mask16(__m128i v) {
    // Signed compare: bytes >= 0x80 are negative, so "< 0x20" takes them too.
    const __m128i low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
    const __m128i kept = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
    return _mm_movemask_epi8(_mm_or_si128(_mm_andnot_si128(kept, low), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F))));
  }
#endif
};

// The first byte in [begin, end) that Match matches, or `end`. Whole blocks first; the
// last, partial block is read as the full block that ends at `end`: its bytes before the
// current position were already scanned and matched nothing, so its first match is the
// answer. Only inputs shorter than eight bytes go byte by byte.
template <typename Match>
const char* FindFirst(const char* begin, const char* end) {
  const char* p = begin;
  // Callers often stand on a match already (the LF after a CR, the second byte of a
  // character): one byte decides that before any block is set up.
  if (p == end || Match::Is(static_cast<unsigned char>(*p))) return p;
#ifdef __SSE2__
  if (end - p >= 16) {
    for (; end - p >= 16; p += 16) {
      const unsigned mask = Match::Mask16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
      if (mask != 0) return p + std::countr_zero(mask);
    }
    if (p == end) return end;
    const char* last = end - 16;
    const unsigned mask = Match::Mask16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(last)));
    return mask != 0 ? last + std::countr_zero(mask) : end;
  }
#endif
  if (end - p >= 8) {
    for (; end - p >= 8; p += 8) {
      const uint64_t mark = Match::Mark8(Load8(p));
      if (mark != 0) return p + FirstMarked(mark);
    }
    if (p == end) return end;
    const char* last = end - 8;
    const uint64_t mark = Match::Mark8(Load8(last));
    return mark != 0 ? last + FirstMarked(mark) : end;
  }
  while (p < end && !Match::Is(static_cast<unsigned char>(*p))) ++p;
  return p;
}

}  // namespace

const char* FindCrOrLf(const char* begin, const char* end) { return FindFirst<CrOrLf>(begin, end); }

const char* FindCrOrNul(const char* begin, const char* end) { return FindFirst<CrOrNul>(begin, end); }

const char* FindLineBreakNulOrEightBit(const char* begin, const char* end) {
  return FindFirst<LineBreakNulOrEightBit>(begin, end);
}

const char* FindLineBreakOrNul(const char* begin, const char* end) {
  return FindFirst<LineBreakOrNul>(begin, end);
}

const char* FindEightBit(const char* begin, const char* end) { return FindFirst<EightBit>(begin, end); }

const char* FindControlOrEightBit(const char* begin, const char* end) {
  return FindFirst<ControlOrEightBit>(begin, end);
}

bool HasEightBit(std::string_view bytes) {
  const char* p = bytes.data();
  const char* const end = p + bytes.size();
#ifdef __SSE2__
  // Sixty-four bytes per test: text is nearly always all ASCII, so the answer is at the end.
  for (; end - p >= 64; p += 64) {
    const auto* q = reinterpret_cast<const __m128i*>(p);
    const __m128i any = _mm_or_si128(_mm_or_si128(_mm_loadu_si128(q), _mm_loadu_si128(q + 1)),
                                     _mm_or_si128(_mm_loadu_si128(q + 2), _mm_loadu_si128(q + 3)));
    if (_mm_movemask_epi8(any) != 0) return true;
  }
#endif
  return FindEightBit(p, end) != end;
}

}  // namespace chainmail
