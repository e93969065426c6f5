// UTF-8 validation, repair (one U+FFFD per maximal invalid subpart) and truncation.
#include "archive/format/utf8.h"

#include <gtest/gtest.h>

namespace chainmail {
namespace {

std::string Repaired(std::string_view s) {
  std::string out;
  AppendUtf8Repaired(s, &out);
  return out;
}

constexpr std::string_view kFffd = "\xEF\xBF\xBD";

TEST(Utf8Test, ValidTextIsUnchanged) {
  const std::string_view text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\x7F";
  EXPECT_TRUE(IsValidUtf8(text));
  EXPECT_EQ(Repaired(text), text);
}

TEST(Utf8Test, OverlongSurrogateAndTooLargeAreInvalid) {
  for (std::string_view bad : {"\xC0\x80", "\xC1\xBF", "\xE0\x80\xAF", "\xED\xA0\x80",
                               "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xF0\x80\x80\xAF"}) {
    EXPECT_FALSE(IsValidUtf8(bad)) << bad;
    EXPECT_TRUE(IsValidUtf8(Repaired(bad)));
  }
}

TEST(Utf8Test, MaximalSubpartBecomesOneReplacement) {
  EXPECT_EQ(Repaired("a\xE2\x82"
                     "b"),
            "a" + std::string(kFffd) + "b");
  EXPECT_EQ(Repaired("\xF0\x9F\x98"), kFffd);
  EXPECT_EQ(Repaired("\xED\xA0\x80"), std::string(kFffd) + std::string(kFffd) + std::string(kFffd));
  EXPECT_EQ(Repaired("\x80\x80"), std::string(kFffd) + std::string(kFffd));
}

TEST(Utf8Test, TruncateDoesNotSplitACharacter) {
  std::string s = "ab\xE2\x82\xAC";
  TruncateUtf8(&s, 4);
  EXPECT_EQ(s, "ab");
  s = "ab\xE2\x82\xAC";
  TruncateUtf8(&s, 5);
  EXPECT_EQ(s, "ab\xE2\x82\xAC");
  TruncateUtf8(&s, 2);
  EXPECT_EQ(s, "ab");
}

TEST(Utf8Test, ValidPrefixStopsBeforeTheFirstInvalidOrCutSequence) {
  EXPECT_EQ(ValidUtf8PrefixLength(""), 0u);
  EXPECT_EQ(ValidUtf8PrefixLength("ab\xE2\x82\xAC"), 5u);
  EXPECT_EQ(ValidUtf8PrefixLength("ab\xE2\x82"), 2u);  // cut at the end
  EXPECT_EQ(ValidUtf8PrefixLength("a\xC3\xA9\xFFz"), 3u);
  EXPECT_EQ(ValidUtf8PrefixLength("\xED\xA0\x80"), 0u);  // surrogate
}

TEST(Utf8Test, CodePointsEncodeAtEachLength) {
  std::string out;
  for (uint32_t cp : {0x41u, 0xE9u, 0x20ACu, 0x1F600u, 0x10FFFFu}) AppendUtf8CodePoint(cp, &out);
  EXPECT_EQ(out, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF");
  EXPECT_TRUE(IsValidUtf8(out));
}

}  // namespace
}  // namespace chainmail
