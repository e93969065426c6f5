// DecodeHeaderText: RFC 2047 encoded words in header text, and charset conversion.
#include "archive/mime/rfc2047.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace chainmail {
namespace {

constexpr size_t kNoCap = 1 << 20;

// Decodes `text`; *bad reports whether a word was kept verbatim.
std::string Decode(std::string_view text, bool* bad) {
  *bad = false;
  return DecodeHeaderText(text, kNoCap, bad);
}

TEST(Rfc2047Test, WhitespaceBetweenAdjacentWordsIsDropped) {
  bool bad;
  EXPECT_EQ(Decode("=?utf-8?q?a?=  \t =?iso-8859-1?q?b?= =?utf-8?b?Yw==?=", &bad), "abc");
  EXPECT_FALSE(bad);
}

TEST(Rfc2047Test, WhitespaceBetweenWordAndTextIsKept) {
  bool bad;
  EXPECT_EQ(Decode("x =?utf-8?q?a?= y  =?utf-8?q?b?=  z", &bad), "x a y  b  z");
}

TEST(Rfc2047Test, UnderscoreIsSpaceAndHexIsEitherCase) {
  bool bad;
  EXPECT_EQ(Decode("=?UTF-8?Q?a_b=c3=A9?=", &bad), "a b\xC3\xA9");
  EXPECT_FALSE(bad);
}

TEST(Rfc2047Test, LowercaseEncodingAndLanguageSuffixAccepted) {
  bool bad;
  EXPECT_EQ(Decode("=?utf-8*en-us?b?aGk=?=", &bad), "hi");
  EXPECT_FALSE(bad);
}

TEST(Rfc2047Test, UnpaddedBase64Accepted) {
  bool bad;
  EXPECT_EQ(Decode("=?utf-8?B?aGVsbG8?=", &bad), "hello");
  EXPECT_FALSE(bad);
}

TEST(Rfc2047Test, BadBase64KeptVerbatimAndFlagged) {
  bool bad;
  EXPECT_EQ(Decode("=?utf-8?B?a*b=?=", &bad), "=?utf-8?B?a*b=?=");
  EXPECT_TRUE(bad);
  EXPECT_EQ(Decode("=?utf-8?B?aGVsb?=", &bad), "=?utf-8?B?aGVsb?=");  // 5 chars: impossible
  EXPECT_TRUE(bad);
}

TEST(Rfc2047Test, BadQEscapeKeptVerbatimAndFlagged) {
  bool bad;
  EXPECT_EQ(Decode("=?utf-8?Q?a=G1?=", &bad), "=?utf-8?Q?a=G1?=");
  EXPECT_TRUE(bad);
  EXPECT_EQ(Decode("=?utf-8?Q?a=4?=", &bad), "=?utf-8?Q?a=4?=");
  EXPECT_TRUE(bad);
}

TEST(Rfc2047Test, UnknownEncodingKeptVerbatimAndFlagged) {
  bool bad;
  EXPECT_EQ(Decode("=?utf-8?X?abc?=", &bad), "=?utf-8?X?abc?=");
  EXPECT_TRUE(bad);
}

TEST(Rfc2047Test, InvalidBytesForCharsetKeptVerbatimAndFlagged) {
  bool bad;
  EXPECT_EQ(Decode("=?utf-8?q?=FF?=", &bad), "=?utf-8?q?=FF?=");
  EXPECT_TRUE(bad);
  EXPECT_EQ(Decode("=?us-ascii?q?=E9?=", &bad), "=?us-ascii?q?=E9?=");
  EXPECT_TRUE(bad);
  EXPECT_EQ(Decode("=?shift_jis?b?gw==?=", &bad), "=?shift_jis?b?gw==?=");  // half a character
  EXPECT_TRUE(bad);
}

TEST(Rfc2047Test, OneBadWordInRunKeepsTheOthersAndItsSpaces) {
  bool bad;
  EXPECT_EQ(Decode("=?utf-8?q?a?= =?utf-8?q?=FF?= =?utf-8?q?c?= =?utf-8?q?d?=", &bad),
            "a =?utf-8?q?=FF?= cd");
  EXPECT_TRUE(bad);
}

TEST(Rfc2047Test, CharsetNamesThatCouldSteerIconvAreRejected) {
  bool bad;
  EXPECT_EQ(Decode("=?UTF-7//IGNORE?q?x?=", &bad), "=?UTF-7//IGNORE?q?x?=");
  EXPECT_TRUE(bad);
  EXPECT_EQ(Decode("=?../../tmp/x?q?x?=", &bad), "=?../../tmp/x?q?x?=");
  EXPECT_TRUE(bad);
}

TEST(Rfc2047Test, IncompleteWordsArePlainText) {
  bool bad;
  for (std::string_view text : {"=?utf-8?q?no end", "=?utf-8?q", "=?", "a =?utf-8?q?x y?= b",
                                "=?"
                                "?q?x?=",
                                "=?utf-8?qq?x?="}) {
    EXPECT_EQ(Decode(text, &bad), text);
    EXPECT_FALSE(bad) << text;
  }
}

TEST(Rfc2047Test, EmptyEncodedTextDecodesToNothing) {
  bool bad;
  EXPECT_EQ(Decode("a =?utf-8?q?"
                   "?= b",
                   &bad),
            "a  b");  // split: "??=" is a trigraph
  EXPECT_FALSE(bad);
}

TEST(Rfc2047Test, OutputIsCappedOnACharacterBoundary) {
  bool bad = false;
  const std::string out = DecodeHeaderText(
      "ab\xE2\x82\xAC"
      "cd",
      4, &bad);
  EXPECT_EQ(out, "ab");
}

TEST(Rfc2047Test, ConcurrentDecodingInManyCharsets) {
  // iconv descriptors are per thread; this fails under TSan/ASan if they were shared.
  std::vector<std::thread> threads;
  std::vector<int> failures(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([t, &failures] {
      for (int i = 0; i < 500; ++i) {
        bool bad = false;
        const std::string text =
            (i + t) % 2 == 0 ? "=?koi8-r?b?8NLJ18XU?=" : "=?iso-2022-jp?b?GyRCRnxLXDhsGyhC?=";
        const std::string out = DecodeHeaderText(text, kNoCap, &bad);
        if (bad || out.size() != ((i + t) % 2 == 0 ? 12u : 9u)) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

}  // namespace
}  // namespace chainmail
