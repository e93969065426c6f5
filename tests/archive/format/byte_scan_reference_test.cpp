// Every bulk scan (byte_scan.h: 16-byte SSE2 blocks, 8-byte SWAR blocks, a last block
// that overlaps what was scanned) against the obvious byte loop: one special byte at every
// position 0..69 of every alignment, near misses all around, a match just past the end
// that must not be seen, and 10,000 random buffers walked match by match as callers do.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "archive/format/byte_scan.h"

namespace chainmail {
namespace {

struct Scan {
  const char* name;
  const char* (*find)(const char*, const char*);
  bool (*is)(unsigned char);
};

const Scan kScans[] = {
    {"FindCrOrLf", FindCrOrLf, [](unsigned char c) { return c == '\r' || c == '\n'; }},
    {"FindCrOrNul", FindCrOrNul, [](unsigned char c) { return c == '\r' || c == '\0'; }},
    {"FindLineBreakNulOrEightBit", FindLineBreakNulOrEightBit,
     [](unsigned char c) { return c == '\r' || c == '\n' || c == '\0' || c >= 0x80; }},
    {"FindLineBreakOrNul", FindLineBreakOrNul,
     [](unsigned char c) { return c == '\r' || c == '\n' || c == '\0'; }},
    {"FindEightBit", FindEightBit, [](unsigned char c) { return c >= 0x80; }},
    {"FindControlOrEightBit", FindControlOrEightBit,
     [](unsigned char c) { return (c < 0x20 && c != '\t' && c != '\n') || c >= 0x7F; }},
};

const Scan& kEightBitScan = kScans[4];  // HasEightBit's reference

const char* ReferenceFind(const Scan& scan, const char* p, const char* end) {
  while (p < end && !scan.is(static_cast<unsigned char>(*p))) ++p;
  return p;
}

// Bytes next to the special ones in value (and in the arithmetic of the SWAR tests).
constexpr unsigned char kFillers[] = {'X', '\x0b', '\x0e', 0x21, 0x7E, '\t'};
constexpr unsigned char kMarks[] = {'\r', '\n', '\0', '\t', 0x01, 0x08, 0x0A, 0x1F, 0x7F, 0x80, 0xA0, 0xC3, 0xE1, 0xFF};

TEST(ByteScanReferenceTest, EmptyRangeFindsNothing) {
  const char text[] = "\r\n";
  for (const Scan& scan : kScans) EXPECT_EQ(scan.find(text, text), text) << scan.name;
  EXPECT_FALSE(HasEightBit(""));
}

TEST(ByteScanReferenceTest, OneSpecialByteAtEveryPositionAndAlignment) {
  for (size_t offset : {0, 1, 2, 3, 4, 5, 6, 7, 9, 15}) {
    for (size_t length = 0; length < 70; ++length) {
      for (unsigned char filler : kFillers) {
        for (unsigned char mark : kMarks) {
          for (size_t at = 0; at <= length; at += (at < 34 || at + 2 >= length ? 1 : 5)) {
            std::string buffer(offset + length + 16, static_cast<char>(filler));
            if (at < length) buffer[offset + at] = static_cast<char>(mark);
            for (size_t i = offset + length; i < buffer.size(); ++i) buffer[i] = "\r\n\0\x80\x01"[i % 5];
            const char* begin = buffer.data() + offset;
            const char* end = begin + length;
            for (const Scan& scan : kScans) {
              ASSERT_EQ(scan.find(begin, end) - begin, ReferenceFind(scan, begin, end) - begin)
                  << scan.name << " offset " << offset << " length " << length << " at " << at << " filler "
                  << int(filler) << " mark " << int(mark);
            }
            ASSERT_EQ(HasEightBit(std::string_view(begin, length)), ReferenceFind(kEightBitScan, begin, end) != end);
          }
        }
      }
    }
  }
}

// A line 17..31 bytes long is one full block and an overlapping last one; its match must
// be found in either, and the first of two.
TEST(ByteScanReferenceTest, MatchInTheOverlappingLastBlockIsTheFirst) {
  for (size_t length = 17; length < 32; ++length) {
    for (size_t at = 16; at < length; ++at) {
      std::string s(length, 'a');
      s[at] = '\r';
      s[length - 1] = '\n';
      EXPECT_EQ(FindCrOrLf(s.data(), s.data() + length) - s.data(), static_cast<long>(at)) << length << " " << at;
    }
  }
}

TEST(ByteScanReferenceTest, TabAndLfAreNotControlsToFindControlOrEightBit) {
  const std::string s = "\t\n\t\n\t\n\t\n\t\n\t\n\t\n\t\n\t\n\r";
  EXPECT_EQ(FindControlOrEightBit(s.data(), s.data() + s.size()) - s.data(), 18);
  const std::string t = "abc\x7F";
  EXPECT_EQ(FindControlOrEightBit(t.data(), t.data() + t.size()) - t.data(), 3);
}

TEST(ByteScanReferenceTest, RandomBuffersWalkedMatchByMatchAgree) {
  std::mt19937 next(77);
  for (int i = 0; i < 10000; ++i) {
    // Mostly text, with each kind of special byte now and then.
    std::string s(next() % 200, '\0');
    const unsigned density = 2 + next() % 60;
    for (char& c : s)
      c = static_cast<char>(next() % density == 0 ? kMarks[next() % std::size(kMarks)] : 'a' + next() % 26);
    for (const Scan& scan : kScans) {
      std::vector<long> found, expected;
      const char* const end = s.data() + s.size();
      for (const char* p = s.data(); (p = scan.find(p, end)) != end; ++p) found.push_back(p - s.data());
      for (const char* p = s.data(); (p = ReferenceFind(scan, p, end)) != end; ++p) expected.push_back(p - s.data());
      ASSERT_EQ(found, expected) << scan.name << " " << ::testing::PrintToString(s);
    }
    ASSERT_EQ(HasEightBit(s), ReferenceFind(kEightBitScan, s.data(), s.data() + s.size()) != s.data() + s.size());
  }
}

TEST(ByteScanReferenceTest, HasEightBitInEachSixtyFourByteStep) {
  for (size_t length = 60; length < 200; ++length) {
    EXPECT_FALSE(HasEightBit(std::string(length, '\x7f')));
    for (size_t at = 0; at < length; ++at) {
      std::string s(length, '\x7f');
      s[at] = '\x80';
      ASSERT_TRUE(HasEightBit(s)) << length << " " << at;
    }
  }
}

}  // namespace
}  // namespace chainmail
