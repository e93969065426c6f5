#include "archive/format/json_text.h"

#include <gtest/gtest.h>

namespace chainmail {
namespace {

TEST(JsonQuote, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(JsonQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(JsonQuote(std::string("\n\t\0\x7f", 4)), "\"\\u000a\\u0009\\u0000\\u007f\"");
}

TEST(JsonQuote, KeepsValidUtf8) { EXPECT_EQ(JsonQuote("caf\xc3\xa9 \xe4\xbc\x9a"), "\"caf\xc3\xa9 \xe4\xbc\x9a\""); }

TEST(JsonQuote, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(JsonQuote("a\xff" "b"), "\"a\xef\xbf\xbd" "b\"");
  EXPECT_EQ(JsonQuote("\xc0\xaf"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");  // overlong '/'
}

}  // namespace
}  // namespace chainmail
