// ExtractMime's reading rules on small hand-written messages: defaults, which parts give
// text, what counts as an attachment, offsets, journal reports and Google copies.
#include "archive/mime/mime_extraction.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "archive/format/sha256.h"

namespace chainmail {
namespace {

using Strings = std::vector<std::string>;

// A multipart/`subtype` message of the given body parts (each "headers\r\n\r\nbody").
std::string Multipart(const std::string& subtype, const Strings& parts,
                      const std::string& headers = "") {
  std::string m = headers + "Content-Type: multipart/" + subtype + "; boundary=\"==b==\"\r\n\r\n";
  for (const std::string& p : parts) m += "--==b==\r\n" + p + "\r\n";
  return m + "--==b==--\r\n";
}

TEST(MimeExtractionTest, OffsetsAndLengthsPointIntoTheMessage) {
  const std::string m =
      "Subject: s\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n";
  const MimeExtraction x = ExtractMime(m);
  ASSERT_EQ(x.parts.size(), 2u);
  EXPECT_EQ(x.parts[0].header_offset, 0u);
  EXPECT_EQ(m.substr(x.parts[0].body_offset, 3), "--b");
  EXPECT_EQ(x.parts[0].body_offset + x.parts[0].body_length, m.size());
  EXPECT_EQ(m.substr(x.parts[1].header_offset, 13), "Content-Type:");
  EXPECT_EQ(m.substr(x.parts[1].body_offset, x.parts[1].body_length), "hello");
  EXPECT_EQ(x.parts[1].decoded_sha256, Sha256::Of("hello"));
  EXPECT_EQ(x.parts[0].decoded_sha256, Hash32{});  // not a leaf
  EXPECT_EQ(DecodePartContent(m, x.parts[0]), "");
}

TEST(MimeExtractionTest, ContentTypeIsLoweredAndTheFirstOneCounts) {
  const MimeExtraction x = ExtractMime(
      "Content-Type: TEXT/HTML; Charset=\"ISO-8859-1\"\r\nContent-Type: text/plain\r\n"
      "Content-Transfer-Encoding: Quoted-Printable (comment)\r\n\r\n<b>caf=E9</b>\r\n");
  EXPECT_EQ(x.parts[0].content_type, "text/html");
  EXPECT_EQ(x.parts[0].charset, "iso-8859-1");
  EXPECT_EQ(x.parts[0].transfer_encoding, "quoted-printable");
  EXPECT_EQ(x.text, "café");
}

TEST(MimeExtractionTest, AlternativeWithoutPlainUsesHtml) {
  const MimeExtraction x = ExtractMime(
      Multipart("alternative", {"Content-Type: text/html\r\n\r\n<p>only &lt;html&gt;</p>",
                                "Content-Type: application/pdf\r\n\r\nPDF"}));
  EXPECT_EQ(x.text, "only <html>");
}

TEST(MimeExtractionTest, AlternativePrefersABranchThatLeadsToPlain) {
  const std::string related =
      "Content-Type: multipart/related; boundary=r\r\n\r\n--r\r\n"
      "Content-Type: text/html\r\n\r\n<p>rich</p>\r\n--r--";
  const std::string mixed =
      "Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\n"
      "Content-Type: text/plain\r\n\r\nplain branch\r\n--m--";
  EXPECT_EQ(ExtractMime(Multipart("alternative", {related, mixed})).text, "plain branch");
  EXPECT_EQ(ExtractMime(Multipart("alternative", {related})).text, "rich");
}

TEST(MimeExtractionTest, MixedJoinsItsTextPartsInOrder) {
  const MimeExtraction x = ExtractMime(
      Multipart("mixed", {"\r\nfirst\r\n\r\n", "Content-Type: text/html\r\n\r\n<p>second</p>",
                          "Content-Type: text/plain\r\nContent-Disposition: inline\r\n\r\nthird"}));
  EXPECT_EQ(x.text, "first\n\nsecond\n\nthird");
  EXPECT_EQ(x.parts[1].content_type, "text/plain");  // no headers: the default
}

TEST(MimeExtractionTest, WhatCountsAsAnAttachment) {
  const MimeExtraction x = ExtractMime(Multipart(
      "mixed",
      {"Content-Type: text/plain\r\nContent-Disposition: attachment\r\n\r\nunnamed attachment",
       "Content-Type: text/plain; name=\"inline.txt\"\r\nContent-Disposition: inline\r\n\r\nnamed",
       "Content-Type: image/gif\r\n\r\nGIF89a",
       "Content-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR",
       "Content-Type: text/plain\r\n\r\nbody"}));
  ASSERT_EQ(x.parts.size(), 6u);
  EXPECT_TRUE(x.parts[1].is_attachment);
  EXPECT_TRUE(x.parts[2].is_attachment);
  EXPECT_TRUE(x.parts[3].is_attachment);
  EXPECT_FALSE(x.parts[4].is_attachment);
  EXPECT_FALSE(x.parts[5].is_attachment);
  EXPECT_EQ(x.attachment_names, Strings{"inline.txt"});
  EXPECT_EQ(x.attachment_types, (Strings{"text/plain", "text/plain", "image/gif"}));
  EXPECT_EQ(x.text, "body");
}

TEST(MimeExtractionTest, FilenameFromDispositionBeforeContentTypeName) {
  const MimeExtraction x = ExtractMime(Multipart(
      "mixed", {"Content-Type: application/pdf; name=\"type-name.pdf\"\r\n"
                "Content-Disposition: attachment; filename=\"disposition-name.pdf\"\r\n\r\nx",
                "Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=\" "
                "\\\\server\\\\..\r\n\r\nx",
                "Content-Type: application/pdf; name=\"tab\tand\x01"
                "control.pdf\"\r\n\r\nx"}));
  EXPECT_EQ(x.attachment_names, (Strings{"disposition-name.pdf", "tabandcontrol.pdf"}));
}

TEST(MimeExtractionTest, EncodedMessageRfc822IsALeafAttachment) {
  const MimeExtraction x = ExtractMime(Multipart(
      "mixed", {"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                "U3ViamVjdDogaW5uZXINCg0KaW5uZXIgYm9keQ0K"}));
  ASSERT_EQ(x.parts.size(), 2u);
  EXPECT_TRUE(x.parts[1].is_leaf);
  EXPECT_TRUE(x.parts[1].is_attachment);
  EXPECT_EQ(DecodePartContent(
                Multipart("mixed", {"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: "
                                    "base64\r\n\r\nU3ViamVjdDogaW5uZXINCg0KaW5uZXIgYm9keQ0K"}),
                x.parts[1]),
            "Subject: inner\r\n\r\ninner body\r\n");
}

TEST(MimeExtractionTest, MboxFromLineBeforeTheHeadersIsSkipped) {
  const MimeExtraction x = ExtractMime(
      "From alice@example.com Mon Jan  1 10:00:00 2024\r\nSubject: mbox\r\n"
      "Content-Type: text/plain\r\n\r\nbody text\r\n");
  EXPECT_EQ(x.subject, "mbox");
  EXPECT_EQ(x.text, "body text");
}

TEST(MimeExtractionTest, JournalReportWithoutOriginalIsFlaggedAndShowsTheReport) {
  const MimeExtraction x = ExtractMime(
      "X-MS-Journal-Report:\r\nSubject: report\r\nContent-Type: text/plain\r\n\r\nSender: "
      "a@x.com\r\nTo: b@x.com\r\n");
  EXPECT_TRUE(x.journal_report);
  EXPECT_TRUE(x.flags & mimeflag::kJournalReportMalformed);
  EXPECT_EQ(x.subject, "report");
  EXPECT_EQ(x.recipients_of_record.size(), 2u);  // the envelope is still read
}

TEST(MimeExtractionTest, JournalReportWithoutRecipientLinesIsFlagged) {
  const MimeExtraction x = ExtractMime(
      Multipart("mixed",
                {"Content-Type: text/plain\r\n\r\nnothing useful",
                 "Content-Type: message/rfc822\r\n\r\nSubject: original\r\n\r\noriginal text"},
                "X-MS-Journal-Report: \r\n"));
  EXPECT_TRUE(x.journal_report);
  EXPECT_EQ(x.flags, mimeflag::kJournalReportMalformed);
  EXPECT_EQ(x.subject, "original");
  EXPECT_EQ(x.text, "original text");
  EXPECT_TRUE(x.recipients_of_record.empty());
}

TEST(MimeExtractionTest, JournalEnvelopeInBase64Utf16IsRead) {
  const std::string envelope_b64 =
      Base64Encode(std::string("\xFF\xFE"
                               "T\0o\0:\0 \0b\0@\0x\0.\0c\0o\0m\0",
                               24));
  const MimeExtraction x = ExtractMime(Multipart(
      "mixed",
      {"Content-Type: text/plain; charset=utf-16\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
           envelope_b64,
       "Content-Type: message/rfc822\r\n\r\nSubject: o\r\n\r\nt"},
      "X-MS-Journal-Report: \r\n"));
  ASSERT_EQ(x.recipients_of_record.size(), 1u);
  EXPECT_EQ(x.recipients_of_record[0].address, "b@x.com");
  EXPECT_EQ(x.flags, 0u);
}

TEST(MimeExtractionTest, WithoutTheJournalHeaderAnAttachedMessageIsNotTheShownOne) {
  const MimeExtraction x = ExtractMime(
      Multipart("mixed",
                {"Content-Type: text/plain\r\n\r\nTo: b@x.com",
                 "Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner text"},
                "Subject: outer\r\n"));
  EXPECT_FALSE(x.journal_report);
  EXPECT_EQ(x.subject, "outer");
  EXPECT_EQ(x.text, "To: b@x.com\n\ninner text");
  EXPECT_TRUE(x.recipients_of_record.empty());
}

TEST(MimeExtractionTest, EveryXGmOriginalToAddressIsARecipientOfRecord) {
  const MimeExtraction x = ExtractMime(
      "X-Gm-Original-To: a@x.com\r\nx-gm-original-to: \"B\" <b@x.com>, c@x.com\r\nSubject: "
      "s\r\n\r\nbody");
  ASSERT_EQ(x.recipients_of_record.size(), 3u);
  EXPECT_EQ(x.recipients_of_record[1].address, "b@x.com");
  EXPECT_EQ(x.recipients_of_record[2].source, "x-gm-original-to");
}

TEST(MimeExtractionTest, BadEncodedWordInFilenameAndSubjectIsFlagged) {
  const MimeExtraction x = ExtractMime(
      Multipart("mixed", {"Content-Type: application/pdf; name=\"=?x-nope?B?AAAA?=.pdf\"\r\n\r\nx"},
                "Subject: =?x-unknown-charset?Q?abc?=\r\n"));
  EXPECT_TRUE(x.parts[0].flags & mimeflag::kBadEncodedWord);
  EXPECT_TRUE(x.parts[1].flags & mimeflag::kBadEncodedWord);
}

TEST(MimeExtractionTest, SameBoundaryNestedIsReadLikeItsOwnParts) {
  // An inner multipart reusing the outer boundary: the outer delimiters win, the inner
  // multipart then finds none of its own and is read as text.
  const MimeExtraction x = ExtractMime(
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: "
      "multipart/alternative; boundary=b\r\n"
      "\r\n--b\r\nContent-Type: text/plain\r\n\r\ninner\r\n--b--\r\n--b--\r\n");
  ASSERT_GE(x.parts.size(), 2u);
  EXPECT_NE(x.text.find("inner"), std::string::npos);
}

}  // namespace
}  // namespace chainmail
