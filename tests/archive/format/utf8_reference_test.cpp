// The UTF-8 functions, whose ASCII runs are scanned in blocks (byte_scan.h), against the
// byte-at-a-time reference of utf8_reference.h: characters at every offset across the
// 8- and 16-byte block boundaries, every two-byte start exhaustively, and 10,000 random
// texts.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "archive/format/utf8.h"
#include "tests/archive/format/utf8_reference.h"

namespace chainmail {
namespace {

using testing::RandomUtf8ishText;
using testing::ReferenceSequenceLength;
using testing::ReferenceUtf8Repaired;
using testing::ReferenceValidUtf8PrefixLength;

std::string Repaired(std::string_view s) {
  std::string out = "kept:";  // AppendUtf8Repaired appends
  AppendUtf8Repaired(s, &out);
  return out.substr(5);
}

void ExpectAgreesWithReference(const std::string& text) {
  EXPECT_EQ(ValidUtf8PrefixLength(text), ReferenceValidUtf8PrefixLength(text)) << ::testing::PrintToString(text);
  EXPECT_EQ(IsValidUtf8(text), ReferenceValidUtf8PrefixLength(text) == text.size());
  EXPECT_EQ(Repaired(text), ReferenceUtf8Repaired(text)) << ::testing::PrintToString(text);
}

TEST(Utf8ReferenceTest, EmptyTextIsValidAndRepairsToNothing) {
  EXPECT_EQ(ValidUtf8PrefixLength(""), 0u);
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_EQ(Repaired(""), "");
  size_t invalid = 7;
  EXPECT_EQ(Utf8SequenceLength("", &invalid), 0u);
  EXPECT_EQ(invalid, 0u);
}

TEST(Utf8ReferenceTest, ShortTextsOfEveryLengthBelowABlock) {
  for (std::string_view s : {"a", "\x80", "\xC3", "\xC3\xA9", "\xE2\x82", "\xE2\x82\xAC", "abcdefg", "abcdefg\xC3",
                             "abcdef\xC3\xA9", "abcdefghijklmno", "abcdefghijklmn\xE2\x82", "\xFF\xFE\xFD\xFC"})
    ExpectAgreesWithReference(std::string(s));
}

// Each kind of character or ill-formed sequence, at every offset 0..33 of ASCII text of
// every length up to 50: so it straddles each 8- and 16-byte boundary, is cut by the end
// of the text, and sits in the last, partial block.
TEST(Utf8ReferenceTest, SequenceStraddlingEveryBlockBoundary) {
  for (std::string_view piece : {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF", "\x80", "\xFF",
                                 "\xC0\x80", "\xED\xA0\x80", "\xE0\x80\xAF", "\xF4\x90\x80\x80", "\xE2\x82",
                                 "\xF0\x9F\x98"}) {
    for (size_t offset = 0; offset <= 33; ++offset) {
      for (size_t length = offset; length <= 50; ++length) {
        std::string text(length, 'x');
        text.replace(offset, std::min(piece.size(), length - offset), piece.substr(0, length - offset));
        ExpectAgreesWithReference(text);
        // The same after a character: the bulk scan restarts after 8-bit bytes.
        ExpectAgreesWithReference("\xC3\xA9" + text);
      }
    }
  }
}

TEST(Utf8ReferenceTest, SequenceLengthAgreesForEveryLeadAndSecondByte) {
  for (int lead = 0; lead < 256; ++lead) {
    for (int second = 0; second < 256; ++second) {
      for (unsigned char third : {0x00, 0x7F, 0x80, 0xBF, 0xC0}) {
        for (unsigned char fourth : {0x41, 0x80, 0xBF, 0xC0}) {
          const std::string bytes{static_cast<char>(lead), static_cast<char>(second), static_cast<char>(third),
                                  static_cast<char>(fourth)};
          for (size_t n = 1; n <= 4; ++n) {  // also cut short by the end of the text
            const std::string_view text(bytes.data(), n);
            size_t invalid = 0, reference_invalid = 0;
            const size_t length = Utf8SequenceLength(text, &invalid);
            const size_t reference = ReferenceSequenceLength(text, &reference_invalid);
            ASSERT_EQ(length, reference) << lead << " " << second << " " << int(third) << " " << n;
            if (length == 0) {
              ASSERT_EQ(invalid, reference_invalid) << lead << " " << second << " " << n;
            }
          }
        }
      }
    }
  }
}

TEST(Utf8ReferenceTest, RandomTextsAgreeWithTheReference) {
  std::mt19937 next(20261128);
  for (int i = 0; i < 10000; ++i) {
    const std::string text = RandomUtf8ishText(next, 40);
    ExpectAgreesWithReference(text);
    if (::testing::Test::HasFailure()) break;
  }
}

TEST(Utf8ReferenceTest, LongValidTextAfterAnInvalidByteIsCopiedWhole) {
  const std::string tail(1000, 'z');
  EXPECT_EQ(Repaired("\xFF" + tail + "\xC3\xA9"), "\xEF\xBF\xBD" + tail + "\xC3\xA9");
  EXPECT_EQ(ValidUtf8PrefixLength(tail + "\xE2\x82\xAC" + tail + "\xE2\x82"), 2003u);
}

}  // namespace
}  // namespace chainmail
