#include "archive/content_flags.h"

#include <gtest/gtest.h>

#include "archive/format/payload_tags.h"

namespace chainmail {
namespace {

using namespace msgflag;

TEST(ContentFlags, CleanMessageHasNone) {
  EXPECT_EQ(ComputeContentFlags("Subject: x\r\n\r\nbody\r\n"), 0u);
}

TEST(ContentFlags, EachOddityIsFlagged) {
  EXPECT_EQ(ComputeContentFlags("A: b\r\n\r\nx\ry\r\n"), kBareCr);
  EXPECT_EQ(ComputeContentFlags("A: b\r\n\r\nx\ny\r\n"), kBareLf);
  EXPECT_EQ(ComputeContentFlags(std::string("A: b\r\n\r\nx\0y\r\n", 13)), kNul);
  EXPECT_EQ(ComputeContentFlags("A: b\r\n\r\n\xc3\xa9\r\n"), kEightBit);
  EXPECT_EQ(ComputeContentFlags("A: b\r\n\r\n" + std::string(999, 'x') + "\r\n"), kLongLine);
  EXPECT_EQ(ComputeContentFlags("A: b\r\n\r\n" + std::string(998, 'x') + "\r\n"), 0u);
  EXPECT_EQ(ComputeContentFlags("A: b\r\n"), kNoHeaderEnd);
}

// After the first 8-bit byte the scanner no longer stops at 8-bit bytes: what comes
// after it (in the same call or a later one) must still be flagged, and 8-bit bytes must
// still count towards a line's length.
TEST(ContentFlags, OdditiesAfterEightBitTextAreStillFlagged) {
  const std::string text = "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82";  // UTF-8, 12 bytes
  const std::string head = "A: b\r\n\r\n" + text + "\r\n";
  EXPECT_EQ(ComputeContentFlags(head + text + std::string("\0", 1) + "\r\n"), kEightBit | kNul);
  EXPECT_EQ(ComputeContentFlags(head + text + "\n"), kEightBit | kBareLf);
  EXPECT_EQ(ComputeContentFlags(head + text + "\rx\r\n"), kEightBit | kBareCr);
  std::string long_line;
  while (long_line.size() <= 998) long_line += text;  // 1,008 bytes of 8-bit text
  EXPECT_EQ(ComputeContentFlags(head + long_line + "\r\n"), kEightBit | kLongLine);
  EXPECT_EQ(ComputeContentFlags(head + long_line.substr(0, 996) + "\r\n"), kEightBit);

  ContentFlagScanner split;  // the 8-bit byte in one call, the oddity in the next
  split.Update(head);
  split.Update(text + "\n\r\n");
  EXPECT_EQ(split.Finish(), kEightBit | kBareLf);
}

TEST(ContentFlags, CrAtEndOfInputIsBare) {
  EXPECT_EQ(ComputeContentFlags("A: b\r\n\r\nx\r"), kBareCr);
}

TEST(ContentFlags, SplitAnywhereGivesTheSameFlags) {
  const std::string m = "A: b\n\r\nx\r\ry\r\n" + std::string(1200, 'z') + "\r\n\xff";
  const uint32_t whole = ComputeContentFlags(m);
  for (size_t cut = 0; cut <= m.size(); ++cut) {
    ContentFlagScanner s;
    s.Update(std::string_view(m).substr(0, cut));
    s.Update(std::string_view(m).substr(cut));
    ASSERT_EQ(s.Finish(), whole) << cut;
  }
}

// The definition, one byte at a time: what the bulk scanner must agree with.
uint32_t NaiveFlags(std::string_view m) {
  uint32_t f = 0;
  uint64_t line = 0;
  bool header_end = false;
  for (size_t i = 0; i < m.size(); ++i) {
    const auto c = static_cast<unsigned char>(m[i]);
    if (c == '\r' && (i + 1 == m.size() || m[i + 1] != '\n')) f |= kBareCr;
    if (c == '\n') {
      if (i == 0 || m[i - 1] != '\r') f |= kBareLf;
      if (line == 0) header_end = true;
      line = 0;
    } else if (c != '\r') {
      if (c == 0) f |= kNul;
      if (c >= 0x80) f |= kEightBit;
      if (++line > 998) f |= kLongLine;
    }
  }
  return header_end ? f : f | kNoHeaderEnd;
}

TEST(ContentFlags, AgreesWithTheBytewiseDefinitionOnRandomInput) {
  uint32_t x = 12345;
  auto next = [&] { return x = x * 1664525 + 1013904223; };
  const char alphabet[] = {'a', 'b', ' ', '\r', '\n', '.', '\0', '\x80', '\xff', 'Z'};
  for (int round = 0; round < 3000; ++round) {
    // Every other round is 8-bit text with oddities in it, as mail in most scripts is.
    std::string m(next() % 2100, round % 2 == 0 ? 'x' : '\xd0');
    const uint32_t density = next() % 200 + 1;
    for (char& c : m)
      if (next() % density == 0) c = alphabet[next() % sizeof(alphabet)];
    ContentFlagScanner s;
    size_t cut = m.empty() ? 0 : next() % m.size();
    s.Update(std::string_view(m).substr(0, cut));
    s.Update(std::string_view(m).substr(cut));
    ASSERT_EQ(s.Finish(), NaiveFlags(m)) << "round " << round;
  }
}

}  // namespace
}  // namespace chainmail
