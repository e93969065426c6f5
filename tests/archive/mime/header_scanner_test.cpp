// ScanHeaders: the header block, singleton/repeatable fields, flags and decoding as seen
// through the public interface.
#include "archive/mime/header_scanner.h"

#include <gtest/gtest.h>

#include "archive/format/payload_tags.h"

namespace chainmail {
namespace {

// A complete, ordinary message with the given extra header lines.
std::string Message(std::string_view extra_headers) {
  return "Message-ID: <id@example.com>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
         "From: Ann <ann@example.com>\r\n" +
         std::string(extra_headers) + "\r\nBody\r\n";
}

HeaderMetadata ScanWhole(std::string_view message) { return ScanHeaders(message, true); }

TEST(HeaderScannerTest, OrdinaryMessageHasAllFieldsAndNoFlags) {
  const HeaderMetadata md = ScanWhole(Message("To: bob@example.com\r\nSubject: Hi\r\n"));
  EXPECT_EQ(md.message_id, "<id@example.com>");
  EXPECT_EQ(md.date, "Mon, 1 Jan 2024 10:00:00 +0000");
  ASSERT_TRUE(md.date_us.has_value());
  EXPECT_EQ(*md.date_us, int64_t{1704103200} * 1000000);
  EXPECT_EQ(md.from, "Ann <ann@example.com>");
  EXPECT_EQ(md.from_addresses, std::vector<std::string>{"ann@example.com"});
  EXPECT_EQ(md.to_addresses, std::vector<std::string>{"bob@example.com"});
  EXPECT_EQ(md.subject, "Hi");
  EXPECT_EQ(md.flags, 0u);
}

TEST(HeaderScannerTest, FoldedSubjectIsUnfolded) {
  const HeaderMetadata md = ScanWhole(Message("Subject: quarterly\r\n  report\r\n\tdraft\r\n"));
  EXPECT_EQ(md.subject, "quarterly  report\tdraft");
}

TEST(HeaderScannerTest, EncodedWordsAcrossFoldAreJoined) {
  // The "é" (C3 A9) is split across two words, a fold between them.
  const HeaderMetadata md =
      ScanWhole(Message("Subject: =?UTF-8?Q?caf=C3?=\r\n =?UTF-8?Q?=A9_au_lait?=\r\n"));
  EXPECT_EQ(md.subject, "caf\xC3\xA9 au lait");
  EXPECT_EQ(md.flags & msgflag::kBadEncodedWord, 0u);
}

TEST(HeaderScannerTest, Iso88591QSubjectDecodes) {
  const HeaderMetadata md = ScanWhole(Message("Subject: =?ISO-8859-1?Q?Caf=E9_cr=E8me?=\r\n"));
  EXPECT_EQ(md.subject, "Caf\xC3\xA9 cr\xC3\xA8me");
}

TEST(HeaderScannerTest, ShiftJisBSubjectDecodes) {
  const HeaderMetadata md = ScanWhole(Message("Subject: =?Shift_JIS?B?g2WDWINn?=\r\n"));
  EXPECT_EQ(md.subject, "\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88");  // テスト
}

TEST(HeaderScannerTest, Iso2022JpBSubjectDecodes) {
  const HeaderMetadata md = ScanWhole(Message("Subject: =?iso-2022-jp?b?GyRCRnxLXDhsGyhC?=\r\n"));
  EXPECT_EQ(md.subject, "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");  // 日本語
}

TEST(HeaderScannerTest, Windows1252AndKoi8rSubjectsDecode) {
  EXPECT_EQ(ScanWhole(Message("Subject: =?windows-1252?Q?=93quoted=94_=80?=\r\n")).subject,
            "\xE2\x80\x9Cquoted\xE2\x80\x9D \xE2\x82\xAC");  // “quoted” €
  EXPECT_EQ(ScanWhole(Message("Subject: =?KOI8-R?B?8NLJ18XU?=\r\n")).subject,
            "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");  // Привет
}

TEST(HeaderScannerTest, UnknownCharsetKeptVerbatimAndFlagged) {
  const HeaderMetadata md = ScanWhole(Message("Subject: see =?x-no-such-charset?Q?abc?= now\r\n"));
  EXPECT_EQ(md.subject, "see =?x-no-such-charset?Q?abc?= now");
  EXPECT_NE(md.flags & msgflag::kBadEncodedWord, 0u);
}

TEST(HeaderScannerTest, EncodedDisplayNameInFromDecodes) {
  const HeaderMetadata md = ScanWhole(
      "From: =?utf-8?q?J=C3=B6rg?= <joerg@example.com>\r\nMessage-ID: <a@b>\r\nDate: x\r\n\r\n");
  EXPECT_EQ(md.from, "J\xC3\xB6rg <joerg@example.com>");
  EXPECT_EQ(md.from_addresses, std::vector<std::string>{"joerg@example.com"});
}

TEST(HeaderScannerTest, BareLfHeaderBlockEnds) {
  const HeaderMetadata md =
      ScanWhole("Subject: first\nMessage-ID: <a@b>\n\nSubject: in the body\nFrom: body@x\n");
  EXPECT_EQ(md.subject, "first");
  EXPECT_EQ(md.message_id, "<a@b>");
  EXPECT_TRUE(md.from.empty());
  EXPECT_EQ(md.flags & msgflag::kDuplicateHeader, 0u);
  EXPECT_EQ(md.flags & msgflag::kHeaderTruncated, 0u);
}

TEST(HeaderScannerTest, BareCrLinesAndHeaderEnd) {
  const HeaderMetadata md = ScanWhole("Subject: a\r b\rFrom: c@x\r\rTo: body@x\r");
  EXPECT_EQ(md.subject, "a b");
  EXPECT_EQ(md.from_addresses, std::vector<std::string>{"c@x"});
  EXPECT_TRUE(md.to.empty());
}

TEST(HeaderScannerTest, MixedLineEndingsAreTolerated) {
  const HeaderMetadata md = ScanWhole("Subject: a\n b\r\nFrom: c@x\r\n\nTo: body@x\r\n");
  EXPECT_EQ(md.subject, "a b");
  EXPECT_EQ(md.from, "c@x");
  EXPECT_TRUE(md.to.empty());
}

TEST(HeaderScannerTest, NoBlankLineAndNotWholeIsTruncated) {
  const HeaderMetadata md = ScanHeaders("Subject: a\r\nFrom: b@x\r\nTo: c@", false);
  EXPECT_NE(md.flags & msgflag::kHeaderTruncated, 0u);
  EXPECT_EQ(md.subject, "a");  // what was read is still reported
}

TEST(HeaderScannerTest, NoBlankLineInWholeMessageIsNotTruncated) {
  const HeaderMetadata md = ScanHeaders("Subject: a\r\nFrom: b@x", true);
  EXPECT_EQ(md.flags & msgflag::kHeaderTruncated, 0u);
  EXPECT_EQ(md.from_addresses, std::vector<std::string>{"b@x"});
}

TEST(HeaderScannerTest, BlankLineInPrefixIsNotTruncated) {
  const HeaderMetadata md =
      ScanHeaders("Subject: a\r\n\r\nbody continues beyond the prefix", false);
  EXPECT_EQ(md.flags & msgflag::kHeaderTruncated, 0u);
}

TEST(HeaderScannerTest, DuplicateSubjectFlagged) {
  const HeaderMetadata md = ScanWhole(Message("Subject: first\r\nsubject: second\r\n"));
  EXPECT_EQ(md.subject, "first");
  EXPECT_NE(md.flags & msgflag::kDuplicateHeader, 0u);
}

TEST(HeaderScannerTest, DuplicateFromAndMessageIdKeepFirst) {
  const HeaderMetadata md = ScanWhole(Message("FROM: Eve <eve@x>\r\nMessage-Id: <other@x>\r\n"));
  EXPECT_EQ(md.from_addresses, std::vector<std::string>{"ann@example.com"});
  EXPECT_EQ(md.message_id, "<id@example.com>");
  EXPECT_NE(md.flags & msgflag::kDuplicateHeader, 0u);
}

TEST(HeaderScannerTest, RepeatedToAndCcAreJoinedNotFlagged) {
  const HeaderMetadata md =
      ScanWhole(Message("To: a@x\r\nCc: c@x\r\nTo: Bee <b@x>, d@x\r\ncc: e@x\r\n"));
  EXPECT_EQ(md.to, "a@x, Bee <b@x>, d@x");
  EXPECT_EQ(md.to_addresses, (std::vector<std::string>{"a@x", "b@x", "d@x"}));
  EXPECT_EQ(md.cc, "c@x, e@x");
  EXPECT_EQ(md.cc_addresses, (std::vector<std::string>{"c@x", "e@x"}));
  EXPECT_EQ(md.flags & msgflag::kDuplicateHeader, 0u);
}

TEST(HeaderScannerTest, GroupSyntaxAddresses) {
  const HeaderMetadata md =
      ScanWhole(Message("To: undisclosed-recipients:;\r\nCc: team: a@x, \"B\" <b@y>;, solo@z\r\n"));
  EXPECT_TRUE(md.to_addresses.empty());
  EXPECT_EQ(md.to, "undisclosed-recipients:;");
  EXPECT_EQ(md.cc_addresses, (std::vector<std::string>{"a@x", "b@y", "solo@z"}));
}

TEST(HeaderScannerTest, CommentsAndQuotedDisplayNames) {
  const HeaderMetadata md = ScanWhole(
      Message("To: \"Doe, John \\\"JD\\\"\" <John.Doe@Example.COM> (work, (main)), x@y (X)\r\n"));
  EXPECT_EQ(md.to_addresses, (std::vector<std::string>{"John.Doe@Example.COM", "x@y"}));
}

TEST(HeaderScannerTest, SenderIsKeptSeparately) {
  const HeaderMetadata md = ScanWhole(Message("Sender: list-bounces@lists.example\r\n"));
  EXPECT_EQ(md.sender_addresses, std::vector<std::string>{"list-bounces@lists.example"});
  EXPECT_EQ(md.from_addresses, std::vector<std::string>{"ann@example.com"});
}

TEST(HeaderScannerTest, MissingMessageIdFlagged) {
  const HeaderMetadata md = ScanWhole("Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nFrom: a@x\r\n\r\n");
  EXPECT_TRUE(md.message_id.empty());
  EXPECT_EQ(md.flags, msgflag::kNoMessageId);
}

TEST(HeaderScannerTest, MissingDateAndEmptyFromFlagged) {
  const HeaderMetadata md = ScanWhole("Message-ID: <a@b>\r\nFrom:  \r\n\r\n");
  EXPECT_EQ(md.flags, msgflag::kNoDate | msgflag::kNoFrom);
  EXPECT_FALSE(md.date_us.has_value());
}

TEST(HeaderScannerTest, EmptyMessageHasOnlyMissingFlags) {
  EXPECT_EQ(ScanWhole("").flags, msgflag::kNoMessageId | msgflag::kNoDate | msgflag::kNoFrom);
  EXPECT_EQ(ScanHeaders("", false).flags, msgflag::kNoMessageId | msgflag::kNoDate |
                                              msgflag::kNoFrom | msgflag::kHeaderTruncated);
}

TEST(HeaderScannerTest, EightBitHeaderFlaggedAndValidUtf8) {
  const HeaderMetadata md =
      ScanWhole(Message("Subject: Gr\xC3\xBC\xC3\x9F"
                        "e \xE2\x82\xAC\r\n"));
  EXPECT_EQ(md.subject,
            "Gr\xC3\xBC\xC3\x9F"
            "e \xE2\x82\xAC");
  EXPECT_NE(md.flags & msgflag::kHeaderEightBit, 0u);
}

TEST(HeaderScannerTest, EightBitInUninterestingFieldStillFlagged) {
  const HeaderMetadata md = ScanWhole(Message("X-Note: \xFF\r\n"));
  EXPECT_NE(md.flags & msgflag::kHeaderEightBit, 0u);
}

TEST(HeaderScannerTest, EightBitInBodyIsNotHeaderEightBit) {
  const HeaderMetadata md = ScanWhole(Message("") + "\xC3\xA9\xFF\r\n");
  EXPECT_EQ(md.flags & msgflag::kHeaderEightBit, 0u);
}

TEST(HeaderScannerTest, InvalidUtf8ReplacedNotDropped) {
  const HeaderMetadata md =
      ScanWhole(Message("Subject: a\xFF"
                        "b\xE2\x82z\r\n"));
  EXPECT_EQ(md.subject,
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBDz");
  const HeaderMetadata date = ScanWhole("Date: \xC0\xAF\r\n\r\n");
  EXPECT_EQ(date.date, "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong "/": two bad bytes
}

TEST(HeaderScannerTest, ObsoleteTwoDigitYearDate) {
  const HeaderMetadata md = ScanWhole("Date: 1 Jan 99 10:00 GMT\r\n\r\n");
  EXPECT_EQ(md.date, "1 Jan 99 10:00 GMT");
  ASSERT_TRUE(md.date_us.has_value());
  EXPECT_EQ(*md.date_us, int64_t{915184800} * 1000000);
}

TEST(HeaderScannerTest, UnparsableDateKeptRawWithoutFlag) {
  const HeaderMetadata bad = ScanWhole("Date: next Tuesday\r\n\r\n");
  EXPECT_EQ(bad.date, "next Tuesday");
  EXPECT_FALSE(bad.date_us.has_value());
  EXPECT_EQ(bad.flags & msgflag::kNoDate, 0u);
}

TEST(HeaderScannerTest, LineWithoutColonIsSkippedNotEnd) {
  const HeaderMetadata md = ScanWhole(
      "Subject: a\r\nnot a header\r\n Subject: continuation of junk\r\nFrom: b@x\r\n\r\n");
  EXPECT_EQ(md.subject, "a");
  EXPECT_EQ(md.from, "b@x");
  EXPECT_EQ(md.flags & msgflag::kDuplicateHeader, 0u);
}

TEST(HeaderScannerTest, MboxFromLineIsSkipped) {
  const HeaderMetadata md =
      ScanWhole("From ann@x Mon Jan  1 10:00:00 2024\r\nFrom: Ann <ann@x>\r\n\r\n");
  EXPECT_EQ(md.from_addresses, std::vector<std::string>{"ann@x"});
  EXPECT_EQ(md.flags & msgflag::kDuplicateHeader, 0u);
}

TEST(HeaderScannerTest, WhitespaceBeforeColonIsAccepted) {
  EXPECT_EQ(ScanWhole("Subject \t: spaced\r\n\r\n").subject, "spaced");
}

TEST(HeaderScannerTest, LeadingContinuationLineIsIgnored) {
  const HeaderMetadata md = ScanWhole(" orphan\r\nSubject: s\r\n\r\n");
  EXPECT_EQ(md.subject, "s");
}

TEST(HeaderScannerTest, SimilarFieldNamesAreNotConfused) {
  const HeaderMetadata md =
      ScanWhole("Resent-From: r@x\r\nSubjects: no\r\nX-To: no@x\r\nReply-To: no@x\r\n\r\n");
  EXPECT_TRUE(md.from.empty());
  EXPECT_TRUE(md.subject.empty());
  EXPECT_TRUE(md.to_addresses.empty());
}

}  // namespace
}  // namespace chainmail
