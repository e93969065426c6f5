// ExtractMime over the tricky-message corpus (tests/archive/mime/corpus): one test per
// trap, pinning the part tree, the text, the attachment names and the flags. The same
// files are cross-checked against Python's email package by test_mime_crosscheck.py.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "archive/format/file_bytes.h"
#include "archive/format/sha256.h"
#include "archive/format/utf8.h"
#include "archive/mime/mime_extraction.h"

namespace chainmail {
namespace {

std::string Corpus(const std::string& name) {
  const auto bytes = ReadFileBytes(std::string(CHAINMAIL_MIME_CORPUS) + "/" + name);
  EXPECT_TRUE(bytes.has_value()) << name;
  return bytes.value_or("");
}

MimeExtraction Extract(const std::string& name) { return ExtractMime(Corpus(name)); }

std::vector<std::string> Types(const MimeExtraction& x) {
  std::vector<std::string> types;
  for (const MimePart& p : x.parts) types.push_back(p.content_type);
  return types;
}

std::vector<int32_t> Parents(const MimeExtraction& x) {
  std::vector<int32_t> parents;
  for (const MimePart& p : x.parts) parents.push_back(p.parent);
  return parents;
}

bool Has(uint32_t flags, uint32_t bit) { return (flags & bit) != 0; }

using Strings = std::vector<std::string>;

TEST(MimeCorpusTest, Base64BrokenPaddingStillDecodesAndIsFlagged) {
  const MimeExtraction x = Extract("base64_broken_padding.eml");
  ASSERT_EQ(Types(x), (Strings{"multipart/mixed", "text/plain", "application/pdf"}));
  EXPECT_EQ(x.text, "The quarterly numbers are attached. Revenue grew in every region.");
  EXPECT_EQ(x.attachment_names, Strings{"numbers.pdf"});
  EXPECT_TRUE(Has(x.parts[1].flags, mimeflag::kBadBase64));
  EXPECT_TRUE(Has(x.parts[2].flags, mimeflag::kBadBase64));
  EXPECT_EQ(x.parts[2].transfer_encoding, "base64");  // written BASE64
  EXPECT_EQ(x.parts[2].decoded_size, 23u);
  EXPECT_EQ(x.parts[2].decoded_sha256, Sha256::Of("%PDF-1.4 fake pdf bytes"));
}

TEST(MimeCorpusTest, Base64Utf8BodyIsSearchableText) {
  const MimeExtraction x = Extract("base64_utf8_body.eml");
  EXPECT_EQ(x.text, "Grüße aus Zürich: the pineapple shipment arrives Thursday.");
  EXPECT_TRUE(x.parts[0].is_text);
  EXPECT_EQ(x.flags, 0u);
}

TEST(MimeCorpusTest, QuotedPrintableLatin1BodyAndHeaders) {
  const MimeExtraction x = Extract("qp_latin1_body.eml");
  EXPECT_EQ(x.subject, "Bericht für Müller");
  EXPECT_NE(x.text.find("Der Bericht für Müller ist fertig. Die Kaffeemaschine im Büro"),
            std::string::npos);
  EXPECT_NE(x.text.find("Café crème.\nGrüße"), std::string::npos);
  EXPECT_EQ(x.parts[0].charset, "iso-8859-1");
  EXPECT_EQ(x.flags, 0u);
}

TEST(MimeCorpusTest, QuotedPrintableBrokenEscapesAreKeptLiterally) {
  const MimeExtraction x = Extract("qp_broken_escapes.eml");
  EXPECT_EQ(x.text,
            "Price = 10 € per unit  \nA stray =ZZ escape and a half =4\n"
            "Soft break joined; trailing spaces\nlowercase hex été");
  EXPECT_EQ(x.flags, mimeflag::kBadQuotedPrintable);
}

TEST(MimeCorpusTest, UnknownTransferEncodingKeepsBodyAsIs) {
  const MimeExtraction x = Extract("unknown_transfer_encoding.eml");
  EXPECT_EQ(x.parts[0].transfer_encoding, "x-custom-7");
  EXPECT_EQ(x.text, "This body is kept as it is: the encoding name is not one we know.");
  EXPECT_EQ(x.flags, mimeflag::kUnknownEncoding);
}

TEST(MimeCorpusTest, HtmlOnlyDropsScriptStyleCommentsAndAttributes) {
  const MimeExtraction x = Extract("html_only_with_script.eml");
  for (const char* hidden : {"secretscript", "trackingword", "hiddenstyleword", "commentword",
                             "bodyattributeword", "hrefword", "<p>", "&amp;"})
    EXPECT_EQ(x.text.find(hidden), std::string::npos) << hidden;
  EXPECT_NE(x.text.find("Fish & chips for everyone at café \"Le Bon\" – price €5."),
            std::string::npos);
  EXPECT_NE(x.text.find("the link text"), std::string::npos);
  EXPECT_NE(x.text.find("cell one\tcell two"), std::string::npos);
  EXPECT_TRUE(x.parts[0].is_text);
}

TEST(MimeCorpusTest, AlternativePrefersPlainEvenWhenHtmlComesFirst) {
  const MimeExtraction x = Extract("multipart_alternative_prefers_plain.eml");
  EXPECT_EQ(x.text, "The plain version says plainonlyword.");
  EXPECT_FALSE(x.parts[1].is_text);
  EXPECT_TRUE(x.parts[2].is_text);
}

TEST(MimeCorpusTest, RelatedHtmlWithInlineImage) {
  const MimeExtraction x = Extract("related_html_inline_image.eml");
  ASSERT_EQ(Types(x), (Strings{"multipart/related", "text/html", "image/png"}));
  EXPECT_NE(x.text.find("See the chart below."), std::string::npos);
  EXPECT_TRUE(x.attachment_names.empty());  // an inline image without a name
  EXPECT_EQ(x.attachment_types, Strings{"image/png"});
  EXPECT_EQ(x.parts[2].decoded_size, 1024u);
}

TEST(MimeCorpusTest, Iso2022JpSubjectAndBody) {
  const MimeExtraction x = Extract("iso2022jp_subject_and_body.eml");
  EXPECT_EQ(x.subject, "会議の件");
  EXPECT_EQ(x.text, "来週の会議について、資料を準備してください。");
  EXPECT_EQ(x.parts[0].charset, "iso-2022-jp");
}

TEST(MimeCorpusTest, EastAsianAndCyrillicCharsets) {
  EXPECT_EQ(Extract("shift_jis_body.eml").text, "お見積書を添付いたします。ご確認ください。");
  EXPECT_EQ(Extract("shift_jis_body.eml").subject, "見積書");
  EXPECT_EQ(Extract("euc_jp_body.eml").text, "東京支社の売上報告です。");
  EXPECT_EQ(Extract("big5_body.eml").text, "明天下午三點在台北開會。");
  EXPECT_EQ(Extract("big5_body.eml").subject, "會議通知");
  EXPECT_EQ(Extract("gb18030_body.eml").text, "请审阅合同草案，并于周五前回复。€");
  EXPECT_EQ(Extract("gb2312_label_gbk_bytes.eml").text, "镕基总理访问了喆城。");
  EXPECT_EQ(Extract("koi8r_body.eml").text, "Добрый день! Квартальный отчёт готов.");
  EXPECT_EQ(Extract("koi8r_body.eml").subject, "Отчёт за квартал");
  EXPECT_EQ(Extract("windows1251_body.eml").text, "Встреча перенесена на понедельник.");
}

TEST(MimeCorpusTest, EuropeanCharsetsAndUtf16) {
  EXPECT_EQ(Extract("windows1252_smart_quotes.eml").text,
            "“Smart quotes” – and the euro: €100… naïve façade.");
  EXPECT_EQ(Extract("windows1252_smart_quotes.eml").subject, "“Smart” quotes");
  EXPECT_EQ(Extract("iso8859_2_body.eml").text, "Příliš žluťoučký kůň úpěl ďábelské ódy.");
  const MimeExtraction utf16 = Extract("utf16_body.eml");
  EXPECT_EQ(utf16.text, "UTF-16 text: résumé, 日本語, Ελληνικά.");
  EXPECT_EQ(utf16.flags, 0u);
}

TEST(MimeCorpusTest, UnknownCharsetFallsBackAndIsFlagged) {
  const MimeExtraction x = Extract("unknown_charset.eml");
  EXPECT_EQ(x.text, "Plain words and one café.");
  EXPECT_EQ(x.flags, mimeflag::kUnknownCharset);
}

TEST(MimeCorpusTest, LyingCharsetsFallBackToWhatTheBytesAre) {
  const MimeExtraction ascii = Extract("lying_charset_ascii_is_utf8.eml");
  EXPECT_EQ(ascii.text, "Meet at the café in Malmö.");
  EXPECT_EQ(ascii.flags, mimeflag::kBadCharset);
  const MimeExtraction utf8 = Extract("lying_charset_utf8_is_latin1.eml");
  EXPECT_EQ(utf8.text, "Déjà vu at the café.");
  EXPECT_EQ(utf8.flags, mimeflag::kBadCharset);
  const MimeExtraction sjis = Extract("lying_charset_sjis_is_utf8.eml");
  EXPECT_EQ(sjis.text, "ありがとうございます。Thank you.");
  EXPECT_TRUE(Has(sjis.flags, mimeflag::kBadCharset));
}

TEST(MimeCorpusTest, NoMimeHeadersIsTextPlainAndEightBitIsKept) {
  const MimeExtraction x = Extract("no_content_type_8bit_utf8.eml");
  ASSERT_EQ(Types(x), Strings{"text/plain"});
  EXPECT_EQ(x.parts[0].charset, "");
  EXPECT_EQ(x.text, "Naïve UTF-8 body without any MIME header: ½ price.");
}

TEST(MimeCorpusTest, NulAndEightBitHeaders) {
  const MimeExtraction x = Extract("nul_and_8bit_headers.eml");
  EXPECT_EQ(x.subject, "Grüße vom Büro");
  EXPECT_EQ(x.addresses, (Strings{"joerg@example.de", "anna@example.de"}));
  EXPECT_EQ(x.text, "Text with a NUL in the middle and umlauts: äöü.");
  EXPECT_EQ(x.flags, mimeflag::kNulInText);
  EXPECT_EQ(x.parts[0].decoded_size, 53u);  // the NUL is in the decoded content, not the text
}

TEST(MimeCorpusTest, EncodedWordsInEveryHeader) {
  const MimeExtraction x = Extract("encoded_words_mixed.eml");
  EXPECT_EQ(x.subject, "Café crème and 😂 done");
  EXPECT_EQ(x.addresses,
            (Strings{"maria@example.es", "andre@example.fr", "first.last@example.com"}));
}

TEST(MimeCorpusTest, Rfc2231FilenameContinuationsAndCharsets) {
  const MimeExtraction x = Extract("rfc2231_filename_continuations.eml");
  EXPECT_EQ(x.attachment_names,
            (Strings{"Vertrag für die Zusammenarbeit mit Müller.pdf",
                     "a very long plain file name that needs two segments.txt", "résumé.xls"}));
  EXPECT_EQ(x.attachment_types,
            (Strings{"application/pdf", "application/octet-stream", "application/vnd.ms-excel"}));
  EXPECT_EQ(x.parts[2].disposition, "attachment");
  EXPECT_EQ(x.parts[4].disposition, "");  // the name came from Content-Type
  EXPECT_EQ(x.text, "Two contracts attached.");
}

TEST(MimeCorpusTest, Rfc2047EncodedWordInQuotedFilename) {
  const MimeExtraction x = Extract("rfc2047_quoted_filename.eml");
  EXPECT_EQ(x.attachment_names, Strings{"Präsentation Übersicht.docx"});
}

TEST(MimeCorpusTest, PathComponentsAreStrippedFromFilenames) {
  const MimeExtraction x = Extract("attachment_path_components.eml");
  EXPECT_EQ(x.attachment_names, (Strings{"report.pdf", "passwd"}));
}

TEST(MimeCorpusTest, TextAttachmentIsNotBodyText) {
  const MimeExtraction x = Extract("text_attachment_not_in_text.eml");
  EXPECT_EQ(x.text, "The body mentions bodyword.");
  EXPECT_EQ(x.attachment_names, Strings{"notes.txt"});
  EXPECT_TRUE(x.parts[2].is_attachment);
  EXPECT_FALSE(x.parts[3].is_attachment);  // text/csv inline: neither text nor attachment
  EXPECT_FALSE(x.parts[3].is_text);
}

TEST(MimeCorpusTest, MissingCloseBoundaryEndsAtEndOfData) {
  const MimeExtraction x = Extract("missing_close_boundary.eml");
  ASSERT_EQ(Types(x), (Strings{"multipart/mixed", "text/plain", "application/zip"}));
  EXPECT_EQ(x.parts[0].flags, mimeflag::kNoCloseBoundary);
  EXPECT_EQ(x.text, "First part text.");
  EXPECT_EQ(x.attachment_names, Strings{"data.zip"});
  EXPECT_EQ(x.parts[2].decoded_size, 22u);
}

TEST(MimeCorpusTest, WrongBoundaryIsGuessedFromTheBody) {
  const MimeExtraction x = Extract("wrong_boundary.eml");
  ASSERT_EQ(Types(x), (Strings{"multipart/mixed", "text/plain", "application/pdf"}));
  EXPECT_EQ(x.parts[0].flags, mimeflag::kBoundaryGuessed);
  EXPECT_EQ(x.text, "The text behind a wrong boundary.");
  EXPECT_EQ(x.text.find("multi-part message"), std::string::npos);  // the preamble
}

TEST(MimeCorpusTest, MultipartWithoutBoundaryIsReadAsText) {
  const MimeExtraction x = Extract("multipart_without_boundary_parameter.eml");
  ASSERT_EQ(Types(x), Strings{"text/plain"});
  EXPECT_EQ(x.parts[0].flags, mimeflag::kNoBoundary);
  EXPECT_EQ(x.text, "Just some text in a body that claims to be multipart.");
}

TEST(MimeCorpusTest, DelimitersWithTrailingWhitespacePreambleAndEpilogueIgnored) {
  const MimeExtraction x = Extract("boundary_trailing_whitespace_preamble_epilogue.eml");
  ASSERT_EQ(Types(x), (Strings{"multipart/mixed", "text/plain", "text/plain"}));
  EXPECT_EQ(x.text, "Part one text.\n\nPart two text.");
  EXPECT_EQ(x.flags, 0u);
}

TEST(MimeCorpusTest, PartWithoutEmptyLineAfterHeadersKeepsItsBody) {
  const MimeExtraction x = Extract("part_without_blank_line.eml");
  EXPECT_EQ(x.text, "This line follows the header directly.\n\nA normal part.");
  EXPECT_EQ(x.parts[1].charset, "us-ascii");
}

TEST(MimeCorpusTest, NestedMessageRfc822IsReadAsAMessage) {
  const MimeExtraction x = Extract("nested_message_rfc822.eml");
  ASSERT_EQ(Types(x), (Strings{"multipart/mixed", "text/plain", "message/rfc822",
                               "multipart/alternative", "text/plain", "text/html", "image/jpeg"}));
  EXPECT_EQ(Parents(x), (std::vector<int32_t>{-1, 0, 0, 2, 3, 3, 0}));
  EXPECT_EQ(x.parts[4].depth, 3u);
  EXPECT_EQ(x.subject, "Fwd: The forwarded one");  // the outer message is the one shown
  EXPECT_EQ(x.text, "See the forwarded message below.\n\nForwarded plain text with forwardedword.");
  EXPECT_EQ(x.attachment_names, (Strings{"forwarded.eml", "photo.jpg"}));
  EXPECT_FALSE(x.parts[2].is_leaf);
  EXPECT_EQ(x.parts[3].header_offset, x.parts[2].body_offset);
}

TEST(MimeCorpusTest, FiveNestedLevels) {
  const MimeExtraction x = Extract("nested_multipart_five_levels.eml");
  EXPECT_EQ(x.parts.size(), 8u);
  EXPECT_EQ(x.parts[6].depth, 5u);
  EXPECT_EQ(x.text, "Deep plain text.\n\nLevel two text.");
  EXPECT_EQ(x.flags, 0u);
}

TEST(MimeCorpusTest, InnerMultipartWithoutCloseEndsAtOuterDelimiter) {
  const MimeExtraction x = Extract("nested_inner_close_missing.eml");
  EXPECT_EQ(Parents(x), (std::vector<int32_t>{-1, 0, 1, 1, 0}));
  EXPECT_EQ(x.parts[1].flags, mimeflag::kNoCloseBoundary);
  EXPECT_EQ(x.parts[0].flags, 0u);
  EXPECT_EQ(x.text, "Inner plain text.\n\nOuter second part.");
}

TEST(MimeCorpusTest, DigestChildrenDefaultToMessageRfc822) {
  const MimeExtraction x = Extract("digest_default_rfc822.eml");
  ASSERT_EQ(Types(x), (Strings{"multipart/digest", "message/rfc822", "text/plain", "message/rfc822",
                               "text/plain"}));
  EXPECT_EQ(x.text, "Digest item 1 body.\n\nDigest item 2 body.");
}

TEST(MimeCorpusTest, BareLfLineEndingsEverywhere) {
  const MimeExtraction x = Extract("bare_lf_line_endings.eml");
  EXPECT_EQ(x.text, "LF-only text part.\n\nCafé with LF joined.");
  EXPECT_EQ(x.flags, 0u);
}

TEST(MimeCorpusTest, MalformedParametersAreFlaggedNotFatal) {
  const MimeExtraction x = Extract("malformed_content_type_params.eml");
  ASSERT_EQ(Types(x),
            (Strings{"multipart/mixed", "text/plain", "application/octet-stream", "text/plain"}));
  EXPECT_TRUE(Has(x.parts[1].flags, mimeflag::kBadHeaderParams));
  EXPECT_TRUE(Has(x.parts[3].flags, mimeflag::kBadHeaderParams));  // "textplain"
  EXPECT_EQ(x.text,
            "Unterminated quote in the charset parameter.\n\nContent type without a slash.");
}

TEST(MimeCorpusTest, ExchangeJournalReportShowsTheOriginal) {
  const MimeExtraction x = Extract("exchange_journal_report.eml");
  EXPECT_TRUE(x.journal_report);
  EXPECT_EQ(x.flags, 0u);
  ASSERT_EQ(
      Types(x),
      (Strings{"multipart/mixed", "text/plain", "message/rfc822", "multipart/mixed", "text/plain",
               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}));
  EXPECT_EQ(x.subject, "Q3 forecast");
  EXPECT_EQ(x.addresses, (Strings{"alice@contoso.com", "bob@contoso.com", "finance@contoso.com",
                                  "dave@fabrikam.com"}));
  EXPECT_EQ(x.text, "Please find the forecast attached. The numbers are confidential.");
  EXPECT_EQ(x.text.find("Expanded"), std::string::npos);  // the envelope is not text
  EXPECT_FALSE(x.parts[1].is_text);
  EXPECT_EQ(x.attachment_names, Strings{"forecast.xlsx"});
  const std::vector<RecordRecipient> expected = {
      {"alice@contoso.com", "journal-sender", ""},
      {"bob@contoso.com", "journal-to", ""},
      {"carol@contoso.com", "journal-to", "finance@contoso.com"},
      {"heidi@contoso.com", "journal-to", "finance@contoso.com"},
      {"dave@fabrikam.com", "journal-cc", "erin@contoso.com"},
      {"frank@contoso.com", "journal-bcc", ""},
      {"grace@contoso.com", "journal-recipient", ""}};
  ASSERT_EQ(x.recipients_of_record.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(x.recipients_of_record[i].address, expected[i].address) << i;
    EXPECT_EQ(x.recipients_of_record[i].source, expected[i].source) << i;
    EXPECT_EQ(x.recipients_of_record[i].expanded_from, expected[i].expanded_from) << i;
  }
}

TEST(MimeCorpusTest, GmailOriginalToIsARecipientOfRecord) {
  const MimeExtraction x = Extract("gmail_x_gm_original_to.eml");
  EXPECT_FALSE(x.journal_report);
  ASSERT_EQ(x.recipients_of_record.size(), 1u);
  EXPECT_EQ(x.recipients_of_record[0].address, "compliance@company.com");
  EXPECT_EQ(x.recipients_of_record[0].source, "x-gm-original-to");
  EXPECT_EQ(x.addresses, (Strings{"sam@company.com", "buyer@customer.example"}));
}

// Properties every corpus message must have, whatever its trap.
TEST(MimeCorpusTest, EveryMessageGivesValidUtf8ConsistentTreeAndSameResultTwice) {
  for (const char* name :
       {"base64_broken_padding.eml", "html_only_with_script.eml", "exchange_journal_report.eml",
        "nested_message_rfc822.eml", "wrong_boundary.eml", "utf16_body.eml",
        "nul_and_8bit_headers.eml", "lying_charset_utf8_is_latin1.eml",
        "malformed_content_type_params.eml", "digest_default_rfc822.eml"}) {
    SCOPED_TRACE(name);
    const std::string raw = Corpus(name);
    const MimeExtraction x = ExtractMime(raw);
    const MimeExtraction again = ExtractMime(raw);
    EXPECT_EQ(x.text, again.text);
    ASSERT_EQ(x.parts.size(), again.parts.size());
    EXPECT_TRUE(IsValidUtf8(x.text));
    EXPECT_TRUE(IsValidUtf8(x.subject));
    for (const std::string& n : x.attachment_names) EXPECT_TRUE(IsValidUtf8(n));
    for (size_t i = 0; i < x.parts.size(); ++i) {
      const MimePart& p = x.parts[i];
      EXPECT_EQ(p.index, i);
      EXPECT_EQ(p.decoded_sha256, again.parts[i].decoded_sha256);
      EXPECT_LE(p.body_offset + p.body_length, raw.size());
      EXPECT_LE(p.header_offset, p.body_offset);
      if (i > 0) {
        EXPECT_EQ(p.depth, x.parts[static_cast<size_t>(p.parent)].depth + 1);
      }
      if (p.is_leaf) {
        const std::string content = DecodePartContent(raw, p);
        EXPECT_EQ(content.size(), p.decoded_size);
        EXPECT_EQ(Sha256::Of(content), p.decoded_sha256);
      } else {
        EXPECT_EQ(DecodePartContent(raw, p), "");
      }
    }
  }
}

// MimeDetail::kTextOnly is what the full-text indexer uses, at ingest and on read-back: for
// every corpus message, under the default limits and under limits so tight that the total
// decoded budget binds (then every leaf is decoded, as in kFull), the fields search reads
// are exactly kFull's, and no part is hashed.
void ExpectSameForSearch(const std::string& raw, const MimeLimits& limits) {
  const MimeExtraction full = ExtractMime(raw, limits);
  const MimeExtraction text = ExtractMime(raw, limits, MimeDetail::kTextOnly);
  EXPECT_EQ(text.subject, full.subject);
  EXPECT_EQ(text.text, full.text);
  EXPECT_EQ(text.addresses, full.addresses);
  EXPECT_EQ(text.attachment_names, full.attachment_names);
  EXPECT_EQ(text.attachment_types, full.attachment_types);
  EXPECT_EQ(text.journal_report, full.journal_report);
  ASSERT_EQ(text.recipients_of_record.size(), full.recipients_of_record.size());
  for (size_t i = 0; i < text.recipients_of_record.size(); ++i) {
    EXPECT_EQ(text.recipients_of_record[i].address, full.recipients_of_record[i].address);
    EXPECT_EQ(text.recipients_of_record[i].source, full.recipients_of_record[i].source);
    EXPECT_EQ(text.recipients_of_record[i].expanded_from, full.recipients_of_record[i].expanded_from);
  }
  ASSERT_EQ(text.parts.size(), full.parts.size());
  for (size_t i = 0; i < text.parts.size(); ++i) {
    EXPECT_EQ(text.parts[i].is_text, full.parts[i].is_text) << "part " << i;
    EXPECT_EQ(text.parts[i].decoded_sha256, Hash32{}) << "part " << i;
  }
}

TEST(MimeCorpusTest, TextOnlyGivesSearchExactlyWhatFullGivesForEveryCorpusMessage) {
  MimeLimits tight;
  tight.max_part_decoded_bytes = 700;
  tight.max_total_decoded_bytes = 900;  // below most corpus files: the budget binds
  tight.max_text_bytes = 400;
  tight.max_text_part_bytes = 500;
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(CHAINMAIL_MIME_CORPUS)) {
    if (entry.path().extension() != ".eml") continue;
    ++files;
    SCOPED_TRACE(entry.path().filename().string());
    const std::string raw = Corpus(entry.path().filename().string());
    ExpectSameForSearch(raw, MimeLimits());
    ExpectSameForSearch(raw, tight);
  }
  EXPECT_GE(files, 40u);
}

// The saving itself: a base64 attachment is neither decoded nor hashed for search, while
// the text beside it is read as before; the part list (kFull) still sizes and hashes it.
TEST(MimeCorpusTest, TextOnlyLeavesAttachmentsUndecoded) {
  const std::string raw = Corpus("rfc2047_quoted_filename.eml");
  const MimeExtraction full = ExtractMime(raw);
  const MimeExtraction text = ExtractMime(raw, MimeLimits(), MimeDetail::kTextOnly);
  size_t attachments = 0;
  for (size_t i = 0; i < full.parts.size(); ++i) {
    const MimePart& f = full.parts[i];
    if (!f.is_leaf || f.is_text) continue;
    ++attachments;
    EXPECT_GT(f.decoded_size, 0u);
    EXPECT_NE(f.decoded_sha256, Hash32{});
    EXPECT_EQ(text.parts[i].decoded_size, 0u);
  }
  EXPECT_GE(attachments, 1u);
  EXPECT_FALSE(text.text.empty());
  EXPECT_EQ(text.text, full.text);
}

// An attachment before the text can use up the total decoded budget and so cut the text
// (kFull decodes parts in order). kTextOnly must cut it the same: a message larger than
// that budget has every leaf decoded.
TEST(MimeCorpusTest, TextOnlyCutsTextLikeFullWhenAnAttachmentUsesUpTheBudget) {
  std::string attachment_b64;
  const std::string pdf(800, 'P');
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i + 3 <= pdf.size(); i += 3) {
    const uint32_t v = (uint8_t(pdf[i]) << 16) | (uint8_t(pdf[i + 1]) << 8) | uint8_t(pdf[i + 2]);
    for (int k = 18; k >= 0; k -= 6) attachment_b64 += kAlphabet[(v >> k) & 63];
    if (attachment_b64.size() % 76 == 0) attachment_b64 += "\r\n";
  }
  const std::string raw =
      "From: a@example.com\r\nTo: b@example.com\r\nSubject: budget\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
      "--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"x.pdf\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n" + attachment_b64 + "\r\n"
      "--b\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + std::string(300, 't') + "\r\n"
      "--b--\r\n";
  MimeLimits limits;
  limits.max_total_decoded_bytes = 900;  // the attachment takes 798 of it; the text gets the rest
  ASSERT_GT(raw.size(), limits.max_total_decoded_bytes);
  const MimeExtraction full = ExtractMime(raw, limits);
  ASSERT_LT(full.text.size(), 300u) << "the budget should cut the text in kFull";
  const MimeExtraction text = ExtractMime(raw, limits, MimeDetail::kTextOnly);
  EXPECT_EQ(text.text, full.text);
}

}  // namespace
}  // namespace chainmail
