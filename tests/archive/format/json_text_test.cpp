#include "archive/format/json_text.h"

#include <gtest/gtest.h>

#include <cstdio>

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

TEST(JsonQuote, EveryByteAloneAndAmidPlainTextAppendsItsEscape) {
  // Each byte value, worked out independently: the plain-ASCII path and the escaping path
  // must give the same literal, appended after what `out` already holds.
  for (int b = 0; b < 256; ++b) {
    std::string escaped;
    if (b == '"' || b == '\\') {
      escaped = std::string("\\") + static_cast<char>(b);
    } else if (b < 0x20 || b == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", b);
      escaped = buf;
    } else if (b >= 0x80) {
      escaped = "\xef\xbf\xbd";  // a lone byte >= 0x80 is no UTF-8: U+FFFD
    } else {
      escaped = std::string(1, static_cast<char>(b));
    }
    const std::string byte(1, static_cast<char>(b));
    std::string out = "x:";
    AppendJsonQuoted(out, "ab" + byte + "cd");
    EXPECT_EQ(out, "x:\"ab" + escaped + "cd\"") << b;
    EXPECT_EQ(JsonQuote(byte), "\"" + escaped + "\"") << b;
  }
}

}  // namespace
}  // namespace chainmail
