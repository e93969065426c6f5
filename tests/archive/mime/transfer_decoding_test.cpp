// DecodeBase64Tolerant / DecodeQuotedPrintableTolerant: the broken encodings real mail has.
#include "archive/mime/transfer_decoding.h"

#include <gtest/gtest.h>

namespace chainmail {
namespace {

constexpr size_t kNoCap = 1 << 24;

std::string Base64(std::string_view in, DecodeReport* report, size_t max_out = kNoCap) {
  std::string out;
  *report = DecodeBase64Tolerant(in, max_out, &out);
  return out;
}

std::string Qp(std::string_view in, DecodeReport* report, size_t max_out = kNoCap) {
  std::string out;
  *report = DecodeQuotedPrintableTolerant(in, max_out, &out);
  return out;
}

TEST(Base64Test, WellFormedLinesDecodeWithoutProblems) {
  DecodeReport r;
  EXPECT_EQ(Base64("aGVsbG8g\r\nd29ybGQ=\r\n", &r), "hello world");
  EXPECT_FALSE(r.malformed);
  EXPECT_FALSE(r.truncated);
  EXPECT_EQ(Base64(" \taGk=\n\n", &r), "hi");
  EXPECT_FALSE(r.malformed);
  EXPECT_EQ(Base64("", &r), "");
  EXPECT_FALSE(r.malformed);
}

TEST(Base64Test, Base64WithoutPaddingStillDecodes) {
  DecodeReport r;
  EXPECT_EQ(Base64("aGk", &r), "hi");
  EXPECT_TRUE(r.malformed);
  EXPECT_EQ(Base64("aGVsbG8", &r), "hello");
  EXPECT_TRUE(r.malformed);
  EXPECT_EQ(Base64("aGVsbG8=", &r), "hello");
  EXPECT_FALSE(r.malformed);
}

TEST(Base64Test, ShortPaddingIsEnough) {
  DecodeReport r;
  EXPECT_EQ(Base64("aA=\r\n", &r), "h");  // one '=' where two belong
  EXPECT_FALSE(r.malformed);
}

TEST(Base64Test, StrayCharactersAreSkippedAndFlagged) {
  DecodeReport r;
  EXPECT_EQ(Base64("aGVs*bG8g\x01" "d2\xFF" "9ybGQ=", &r), "hello world");
  EXPECT_TRUE(r.malformed);
  EXPECT_EQ(Base64("aGVs-bG8_", &r), "hello");  // base64url characters are not base64
  EXPECT_TRUE(r.malformed);
}

TEST(Base64Test, DataEndsAtPaddingAndWhatFollowsIsNotDecoded) {
  DecodeReport r;
  EXPECT_EQ(Base64("aGk=\r\naGk=\r\n", &r), "hi");
  EXPECT_TRUE(r.malformed);
  EXPECT_EQ(Base64("aGk==  \r\n=\r\n", &r), "hi");
  EXPECT_FALSE(r.malformed);
}

TEST(Base64Test, PaddingWhereNoneCanStandIsSkipped) {
  DecodeReport r;
  EXPECT_EQ(Base64("=aGk=", &r), "hi");
  EXPECT_TRUE(r.malformed);
  EXPECT_EQ(Base64("a=Gk=", &r), "hi");
  EXPECT_TRUE(r.malformed);
}

TEST(Base64Test, SingleLeftoverCharacterIsDropped) {
  DecodeReport r;
  EXPECT_EQ(Base64("aGVsbG8gd", &r), "hello ");
  EXPECT_TRUE(r.malformed);
}

TEST(Base64Test, BinaryBytesRoundTrip) {
  DecodeReport r;
  EXPECT_EQ(Base64("AP8Q7w==", &r), std::string("\x00\xFF\x10\xEF", 4));
  EXPECT_FALSE(r.malformed);
}

TEST(Base64Test, OutputStopsAtMaxOutAndSaysSo) {
  DecodeReport r;
  EXPECT_EQ(Base64("aGVsbG8gd29ybGQ=", &r, 4), "hell");
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(Base64("aGVsbG8gd29ybGQ=", &r, 11), "hello world");  // exactly full
  EXPECT_FALSE(r.truncated);
  EXPECT_EQ(Base64("aGVsbG8gd29ybGQ=", &r, 10), "hello worl");  // cut in the padded tail
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(Base64("aGk", &r, 0), "");
  EXPECT_TRUE(r.truncated);
}

TEST(Base64Test, HugePartIsBoundedByMaxOut) {
  // 12 MB of decoded zeros would follow; only the first 64 KiB are produced.
  std::string encoded;
  for (int i = 0; i < 1 << 18; ++i) encoded += "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n";
  DecodeReport r;
  const std::string out = Base64(encoded, &r, 64 * 1024);
  EXPECT_EQ(out.size(), 64u * 1024);
  EXPECT_TRUE(r.truncated);
  EXPECT_FALSE(r.malformed);
}

TEST(Base64Test, AppendsToExistingOutputAndCapsOnlyTheAppendedBytes) {
  std::string out = "prefix:";
  const DecodeReport r = DecodeBase64Tolerant("aGVsbG8=", 3, &out);
  EXPECT_EQ(out, "prefix:hel");
  EXPECT_TRUE(r.truncated);
}

TEST(QuotedPrintableTest, EscapesInEitherCaseDecode) {
  DecodeReport r;
  EXPECT_EQ(Qp("caf=C3=A9 caf=c3=a9", &r), "caf\xC3\xA9 caf\xC3\xA9");
  EXPECT_FALSE(r.malformed);
}

TEST(QuotedPrintableTest, SoftBreakJoinsLines) {
  DecodeReport r;
  EXPECT_EQ(Qp("long li=\r\nne\r\nnext=\nline", &r), "long line\r\nnextline");
  EXPECT_FALSE(r.malformed);
}

TEST(QuotedPrintableTest, SoftBreakWithTrailingBlanksIsStillSoft) {
  DecodeReport r;
  EXPECT_EQ(Qp("abc= \t\r\ndef", &r), "abcdef");
  EXPECT_FALSE(r.malformed);
}

TEST(QuotedPrintableTest, EqualsAtEndOfInputIsSoftBreak) {
  DecodeReport r;
  EXPECT_EQ(Qp("last line=", &r), "last line");
  EXPECT_FALSE(r.malformed);
}

TEST(QuotedPrintableTest, MalformedEscapeIsKeptLiterally) {
  DecodeReport r;
  EXPECT_EQ(Qp("a=G1 b=4 c=\xC3", &r), "a=G1 b=4 c=\xC3");
  EXPECT_TRUE(r.malformed);
  EXPECT_EQ(Qp("100% = total", &r), "100% = total");
  EXPECT_TRUE(r.malformed);
}

TEST(QuotedPrintableTest, TrailingWhitespaceOnALineIsDropped) {
  DecodeReport r;
  EXPECT_EQ(Qp("text  \t\r\nmore \nend  ", &r), "text\r\nmore\r\nend");
  EXPECT_FALSE(r.malformed);
}

TEST(QuotedPrintableTest, SpaceBeforeSoftBreakIsKept) {
  DecodeReport r;
  EXPECT_EQ(Qp("word =\r\nnext", &r), "word next");
  EXPECT_EQ(Qp("word=20\r\n", &r), "word \r\n");  // encoded trailing space stays
}

TEST(QuotedPrintableTest, BareLfAndBareCrBecomeCrlf) {
  DecodeReport r;
  EXPECT_EQ(Qp("a\nb\rc\r\nd", &r), "a\r\nb\r\nc\r\nd");
  EXPECT_FALSE(r.malformed);
}

TEST(QuotedPrintableTest, OverlongLineIsFlaggedButDecoded) {
  DecodeReport r;
  const std::string line(1200, 'x');
  EXPECT_EQ(Qp(line + "\r\nshort", &r), line + "\r\nshort");
  EXPECT_TRUE(r.malformed);
  const std::string soft = std::string(900, 'y') + "=\r\n" + std::string(900, 'y');
  EXPECT_EQ(Qp(soft, &r), std::string(1800, 'y'));  // soft breaks end encoded lines
  EXPECT_FALSE(r.malformed);
}

TEST(QuotedPrintableTest, OutputStopsAtMaxOutAndSaysSo) {
  DecodeReport r;
  EXPECT_EQ(Qp("abc=3Ddef", &r, 4), "abc=");
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(Qp("abc  ", &r, 3), "abc");  // trailing blanks dropped: nothing more followed
  EXPECT_FALSE(r.truncated);
}

TEST(QuotedPrintableTest, EqualsRunsStayLinear) {
  // Every '=' starts a failed escape; the decoder must still make one pass.
  const std::string in(4 << 20, '=');
  DecodeReport r;
  EXPECT_EQ(Qp(in + "x", &r), in + "x");
  EXPECT_TRUE(r.malformed);
  // Blanks after an '=' are looked at once for a soft break, then once as text.
  std::string blanks;
  for (int i = 0; i < 1 << 16; ++i) blanks += "=" + std::string(32, ' ') + "x";
  EXPECT_EQ(Qp(blanks, &r), blanks);
}

}  // namespace
}  // namespace chainmail
