// ParseMimeParams: Content-Type / Content-Disposition parameters, RFC 2231 and what
// real senders write instead.
#include "archive/mime/mime_params.h"

#include <gtest/gtest.h>

#include "archive/format/utf8.h"

namespace chainmail {
namespace {

TEST(MimeParamsTest, ValueIsLowercasedAndParameterValuesKeepTheirCase) {
  const MimeParams p = ParseMimeParams("  Text/HTML ; Charset=\"UTF-8\"; Format=Flowed");
  EXPECT_EQ(p.value, "text/html");
  EXPECT_EQ(p.Get("charset"), "UTF-8");
  EXPECT_EQ(p.Get("format"), "Flowed");
  EXPECT_EQ(p.Get("missing"), "");
  EXPECT_FALSE(p.malformed);
  ASSERT_EQ(p.params.size(), 2u);
  EXPECT_EQ(p.params[0].first, "charset");
}

TEST(MimeParamsTest, EmptyFieldHasNoValueAndNoParameters) {
  EXPECT_EQ(ParseMimeParams("").value, "");
  EXPECT_TRUE(ParseMimeParams("").params.empty());
  const MimeParams p = ParseMimeParams(";charset=us-ascii");
  EXPECT_EQ(p.value, "");
  EXPECT_EQ(p.Get("charset"), "us-ascii");
}

TEST(MimeParamsTest, QuotedValueTakesBackslashEscapesAndSemicolons) {
  const MimeParams p =
      ParseMimeParams(R"(attachment; filename="a \"quoted\" name\\; v2.txt"; size=10)");
  EXPECT_EQ(p.value, "attachment");
  EXPECT_EQ(p.Get("filename"), R"(a "quoted" name\; v2.txt)");
  EXPECT_EQ(p.Get("size"), "10");
  EXPECT_FALSE(p.malformed);
}

TEST(MimeParamsTest, Rfc2231ContinuationsJoinInOrder) {
  const MimeParams p = ParseMimeParams(
      "attachment; filename*2=\"c.txt\"; filename*0=\"part-a-\"; filename*1=part-b-");
  EXPECT_EQ(p.Get("filename"), "part-a-part-b-c.txt");
  EXPECT_FALSE(p.malformed);
}

TEST(MimeParamsTest, Rfc2231CharsetLanguageAndPercentDecoding) {
  const MimeParams p = ParseMimeParams("attachment; filename*=UTF-8'en'%E2%82%AC%20rates.pdf");
  EXPECT_EQ(p.Get("filename"), "\xE2\x82\xAC rates.pdf");
  EXPECT_FALSE(p.malformed);
}

TEST(MimeParamsTest, Rfc2231ExtendedAndPlainSegmentsMix) {
  const MimeParams p = ParseMimeParams(
      "attachment; filename*0*=iso-8859-1'fr'caf%E9; filename*1=\" au lait.txt\"");
  EXPECT_EQ(p.Get("filename"), "caf\xC3\xA9 au lait.txt");
  EXPECT_FALSE(p.malformed);
}

TEST(MimeParamsTest, Rfc2231CharacterSplitAcrossSegmentsDecodes) {
  const MimeParams p =
      ParseMimeParams("attachment; filename*0*=utf-8''%E2%82; filename*1*=%AC.txt");
  EXPECT_EQ(p.Get("filename"), "\xE2\x82\xAC.txt");
  EXPECT_FALSE(p.malformed);
}

TEST(MimeParamsTest, Rfc2231JapaneseFilenameInShiftJis) {
  // "会議.txt" in Shift_JIS: 89 EF 8B 63.
  const MimeParams p = ParseMimeParams("attachment; filename*=shift_jis''%89%EF%8B%63.txt");
  EXPECT_EQ(p.Get("filename"), "\xE4\xBC\x9A\xE8\xAD\xB0.txt");
  EXPECT_FALSE(p.malformed);
}

TEST(MimeParamsTest, Rfc2231MissingSegmentJoinsThePresentOnes) {
  const MimeParams p = ParseMimeParams("attachment; filename*0=a; filename*2=c");
  EXPECT_EQ(p.Get("filename"), "ac");
  EXPECT_TRUE(p.malformed);
}

TEST(MimeParamsTest, Rfc2231DuplicateSegmentFirstWins) {
  const MimeParams p = ParseMimeParams("attachment; filename*0=a; filename*0=x; filename*1=b");
  EXPECT_EQ(p.Get("filename"), "ab");
  EXPECT_TRUE(p.malformed);
}

TEST(MimeParamsTest, Rfc2231FormWinsOverPlainFallback) {
  const MimeParams p = ParseMimeParams(
      "attachment; filename=\"fallback.txt\"; filename*=utf-8''r%C3%A9el.txt");
  EXPECT_EQ(p.Get("filename"), "r\xC3\xA9" "el.txt");
  EXPECT_FALSE(p.malformed);
  EXPECT_EQ(p.params.size(), 1u);
}

TEST(MimeParamsTest, Rfc2231UnknownCharsetFallsBackAndIsFlagged) {
  const MimeParams p = ParseMimeParams("attachment; filename*=x-klingon''caf%C3%A9");
  EXPECT_EQ(p.Get("filename"), "caf\xC3\xA9");
  EXPECT_TRUE(p.malformed);
}

TEST(MimeParamsTest, Rfc2231WithoutCharsetQuotesIsStillPercentDecoded) {
  const MimeParams p = ParseMimeParams("attachment; filename*=my%20file.txt");
  EXPECT_EQ(p.Get("filename"), "my file.txt");
  EXPECT_TRUE(p.malformed);
}

TEST(MimeParamsTest, Rfc2231StrayPercentIsKept) {
  const MimeParams p = ParseMimeParams("attachment; filename*=utf-8''100%%2.txt");
  EXPECT_EQ(p.Get("filename"), "100%%2.txt");
  EXPECT_TRUE(p.malformed);
}

TEST(MimeParamsTest, Rfc2231InvalidBytesInCharsetStayValidUtf8) {
  const MimeParams p = ParseMimeParams("attachment; filename*=utf-8''caf%E9%00.txt");
  EXPECT_TRUE(IsValidUtf8(p.Get("filename")));
  EXPECT_EQ(p.Get("filename"), "caf\xC3\xA9.txt");  // Windows-1252 reading, NUL removed
  EXPECT_TRUE(p.malformed);
}

TEST(MimeParamsTest, EncodedWordInQuotedFilenameDecodes) {
  const MimeParams p =
      ParseMimeParams("attachment; filename=\"=?UTF-8?B?w6l0w6kucGRm?=\"");
  EXPECT_EQ(p.Get("filename"), "\xC3\xA9t\xC3\xA9.pdf");
  EXPECT_FALSE(p.bad_encoded_word);
  const MimeParams split = ParseMimeParams(
      "application/pdf; name*0=\"=?utf-8?q?r=C3=A9?=\"; name*1=\"=?utf-8?q?sum=C3=A9.pdf?=\"");
  EXPECT_EQ(split.Get("name"), "r\xC3\xA9sum\xC3\xA9.pdf");
}

TEST(MimeParamsTest, UndecodableEncodedWordIsKeptAndFlagged) {
  const MimeParams p = ParseMimeParams("attachment; filename=\"=?utf-8?q?=FF?=.txt\"");
  EXPECT_EQ(p.Get("filename"), "=?utf-8?q?=FF?=.txt");
  EXPECT_TRUE(p.bad_encoded_word);
}

TEST(MimeParamsTest, BoundaryIsNeverDecoded) {
  const MimeParams p = ParseMimeParams("multipart/mixed; boundary=\"=?utf-8?q?x?=\"");
  EXPECT_EQ(p.Get("boundary"), "=?utf-8?q?x?=");
  EXPECT_FALSE(p.bad_encoded_word);
}

TEST(MimeParamsTest, UnquotedBoundaryWithEqualsSignIsAccepted) {
  const MimeParams p =
      ParseMimeParams("multipart/alternative; boundary=----=_NextPart_000_0012_01D9A1B2.C3D4E5F6");
  EXPECT_EQ(p.Get("boundary"), "----=_NextPart_000_0012_01D9A1B2.C3D4E5F6");
  EXPECT_FALSE(p.malformed);
}

TEST(MimeParamsTest, MissingSemicolonStillFindsCharset) {
  const MimeParams p = ParseMimeParams("text/plain charset=utf-8");
  EXPECT_EQ(p.value, "text/plain");
  EXPECT_EQ(p.Get("charset"), "utf-8");
  EXPECT_TRUE(p.malformed);
}

TEST(MimeParamsTest, UnterminatedQuoteRunsToTheEnd) {
  const MimeParams p = ParseMimeParams("attachment; filename=\"abc; size=3");
  EXPECT_EQ(p.Get("filename"), "abc; size=3");
  EXPECT_EQ(p.Get("size"), "");
  EXPECT_TRUE(p.malformed);
}

TEST(MimeParamsTest, JunkAfterClosingQuoteIsIgnored) {
  const MimeParams p = ParseMimeParams("attachment; filename=\"a.txt\"junk; size=3");
  EXPECT_EQ(p.Get("filename"), "a.txt");
  EXPECT_EQ(p.Get("size"), "3");
  EXPECT_TRUE(p.malformed);
}

TEST(MimeParamsTest, ParameterWithoutEqualsIsSkipped) {
  const MimeParams p = ParseMimeParams("attachment; inline; filename=a.txt");
  EXPECT_EQ(p.Get("filename"), "a.txt");
  EXPECT_EQ(p.params.size(), 1u);
  EXPECT_TRUE(p.malformed);
}

TEST(MimeParamsTest, DuplicateParameterFirstWins) {
  const MimeParams p = ParseMimeParams("text/plain; charset=utf-8; CHARSET=iso-8859-1");
  EXPECT_EQ(p.Get("charset"), "utf-8");
  EXPECT_TRUE(p.malformed);
}

TEST(MimeParamsTest, CommentsAreSkipped) {
  const MimeParams p =
      ParseMimeParams("text/plain (body (nested)) ; charset=us-ascii (Plain text); format=\"flowed\" (x)");
  EXPECT_EQ(p.value, "text/plain");
  EXPECT_EQ(p.Get("charset"), "us-ascii");
  EXPECT_EQ(p.Get("format"), "flowed");
  EXPECT_FALSE(p.malformed);
}

TEST(MimeParamsTest, UnquotedValueWithSpacesIsKeptAndFlagged) {
  const MimeParams p = ParseMimeParams("attachment; filename=my report (final).pdf");
  EXPECT_EQ(p.Get("filename"), "my report (final).pdf");
  EXPECT_TRUE(p.malformed);
}

TEST(MimeParamsTest, RawEightBitValuesAreValidUtf8) {
  const MimeParams utf8 = ParseMimeParams("attachment; filename=\"\xE4\xBC\x9A\xE8\xAD\xB0.doc\"");
  EXPECT_EQ(utf8.Get("filename"), "\xE4\xBC\x9A\xE8\xAD\xB0.doc");
  const MimeParams latin1 = ParseMimeParams("attachment; filename=\"caf\xE9.doc\"");
  EXPECT_EQ(latin1.Get("filename"), "caf\xEF\xBF\xBD.doc");
  const MimeParams value = ParseMimeParams("te\xFFxt/plain");
  EXPECT_TRUE(IsValidUtf8(value.value));
}

TEST(MimeParamsTest, ParameterCountIsBounded) {
  std::string field = "text/plain";
  for (int i = 0; i < 200; ++i) field += "; p" + std::to_string(i) + "=v";
  const MimeParams p = ParseMimeParams(field);
  EXPECT_EQ(p.params.size(), 64u);
  EXPECT_EQ(p.Get("p63"), "v");
  EXPECT_TRUE(p.malformed);
}

TEST(MimeParamsTest, SegmentNumbersAbove99AreIgnored) {
  const MimeParams p = ParseMimeParams("attachment; filename*0=a; filename*100=b; filename*99=z");
  EXPECT_EQ(p.Get("filename"), "az");
  EXPECT_TRUE(p.malformed);
}

TEST(MimeParamsTest, LongValueIsCappedAt8KiB) {
  const MimeParams quoted =
      ParseMimeParams("attachment; filename=\"" + std::string(20000, 'q') + "\"");
  EXPECT_EQ(quoted.Get("filename").size(), 8192u);
  std::string field = "attachment";
  for (int i = 0; i < 99; ++i) field += "; filename*" + std::to_string(i) + "*=" + std::string(3000, 'a');
  EXPECT_EQ(ParseMimeParams(field).Get("filename").size(), 8192u);
}

TEST(MimeParamsTest, HostileFieldStaysLinear) {
  std::string field = "text/plain";
  for (int i = 0; i < 100000; ++i) field += "; a*" + std::to_string(i % 100) + "=\"x\" (c(c)c)";
  const MimeParams p = ParseMimeParams(field);
  EXPECT_EQ(p.Get("a"), std::string(100, 'x'));
  EXPECT_TRUE(p.malformed);
}

}  // namespace
}  // namespace chainmail
