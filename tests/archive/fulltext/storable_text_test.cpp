// StorableText, which repairs UTF-8 and blanks control characters in one pass over runs
// found in 16-byte blocks, against the two plain passes it replaced: repair (the
// byte-at-a-time reference of utf8_reference.h), then every C0 control but TAB and LF,
// and DEL, to a space.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "archive/fulltext/fulltext_document.h"
#include "tests/archive/format/utf8_reference.h"

namespace chainmail {
namespace {

using namespace std::literals;

std::string ReferenceStorableText(std::string_view text) {
  std::string out = testing::ReferenceUtf8Repaired(text);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t' && c != '\n') || u == 0x7F) c = ' ';
  }
  return out;
}

TEST(StorableTextTest, EmptyAndShortTexts) {
  for (std::string_view text : {""sv, "a"sv, "\0"sv, "\r\n"sv, "\t\n"sv, "\x7F"sv, "\xFF"sv, "\xC3"sv, "\xC3\xA9"sv,
                                "abcdefg\x01"sv, "abcdefghijklmno\x1F"sv})
    EXPECT_EQ(StorableText(text), ReferenceStorableText(text)) << ::testing::PrintToString(text);
}

TEST(StorableTextTest, ControlsBecomeSpacesTabAndLfStay) {
  EXPECT_EQ(StorableText("a\tb\nc\rd\0e\x1F"
                         "f\x7Fg\x1Bh"sv),
            "a\tb\nc d e f g h");
  EXPECT_EQ(StorableText("\x01\x02\xFF\x03"sv), "  \xEF\xBF\xBD ");
}

// Each control character, DEL, character and ill-formed sequence at every offset 0..33
// of text up to 50 bytes long: across each block boundary and in the last partial block.
TEST(StorableTextTest, SpecialBytesAtEveryOffset) {
  for (std::string_view special : {"\0"sv, "\x01"sv, "\x1F"sv, "\r"sv, "\x7F"sv, "\t"sv, "\n"sv, "\xC3\xA9"sv,
                                   "\xE4\xBC\x9A"sv, "\xF0\x9F\x98\x80"sv, "\x80"sv, "\xE2\x82"sv, "\xED\xA0\x80"sv,
                                   "\xC3\x01"sv, "\xE2\x82\x7F"sv}) {
    for (size_t offset = 0; offset <= 33; ++offset) {
      for (size_t length = offset; length <= 50; ++length) {
        std::string text(length, 'w');
        text.replace(offset, std::min(special.size(), length - offset), special.substr(0, length - offset));
        ASSERT_EQ(StorableText(text), ReferenceStorableText(text)) << ::testing::PrintToString(text);
        ASSERT_EQ(StorableText("\xC3\xA9" + text), ReferenceStorableText("\xC3\xA9" + text));
      }
    }
  }
}

TEST(StorableTextTest, RandomTextsAgreeWithRepairThenBlank) {
  std::mt19937 next(1990);
  for (int i = 0; i < 10000; ++i) {
    const std::string text = testing::RandomUtf8ishText(next, next() % 4 == 0 ? 400 : 30);
    ASSERT_EQ(StorableText(text), ReferenceStorableText(text)) << ::testing::PrintToString(text);
  }
}

}  // namespace
}  // namespace chainmail
