// ExtractMime's bounds: nesting depth (a 50-level bomb), parts, decoded bytes (a base64
// part that decodes to 100 MB), text, input size; and that bad input of any shape never
// crashes and gives valid UTF-8. The big inputs are generated here, not committed.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>

#include "archive/format/file_bytes.h"
#include "archive/format/sha256.h"
#include "archive/format/utf8.h"
#include "archive/mime/mime_extraction.h"

namespace chainmail {
namespace {

bool Has(uint32_t flags, uint32_t bit) { return (flags & bit) != 0; }

// `levels` multiparts, each holding the next, the innermost holding a text part.
std::string NestingBomb(int levels) {
  std::string head = "From: bomb@example.com\r\nSubject: bomb\r\n";
  std::string tail;
  for (int i = 0; i < levels; ++i) {
    const std::string b = "b" + std::to_string(i);
    head += "Content-Type: multipart/mixed; boundary=\"" + b + "\"\r\n\r\n--" + b + "\r\n";
    tail = "\r\n--" + b + "--\r\n" + tail;
  }
  return head + "Content-Type: text/plain\r\n\r\ninnermost words" + tail;
}

TEST(MimeLimitsTest, FiftyLevelNestingBombStopsAtDepthLimit) {
  const std::string bomb = NestingBomb(50);
  const MimeExtraction x = ExtractMime(bomb);
  const MimeLimits limits;
  ASSERT_EQ(x.parts.size(), limits.max_depth + 1);
  const MimePart& deepest = x.parts.back();
  EXPECT_EQ(deepest.depth, limits.max_depth);
  EXPECT_EQ(deepest.content_type, "multipart/mixed");
  EXPECT_TRUE(deepest.is_leaf);
  EXPECT_FALSE(deepest.is_attachment);
  EXPECT_EQ(deepest.flags, mimeflag::kDepthLimit);
  EXPECT_TRUE(Has(x.flags, mimeflag::kDepthLimit));
  EXPECT_EQ(x.text, "");  // the text lies below the limit
  EXPECT_EQ(DecodePartContent(bomb, deepest).size(), deepest.decoded_size);
}

TEST(MimeLimitsTest, NestingWithinTheLimitIsReadToTheBottom) {
  MimeLimits limits;
  limits.max_depth = 60;
  const MimeExtraction x = ExtractMime(NestingBomb(50), limits);
  EXPECT_EQ(x.parts.size(), 51u);
  EXPECT_EQ(x.text, "innermost words");
  EXPECT_EQ(x.flags, 0u);
}

TEST(MimeLimitsTest, DeepMessageRfc822NestingIsBoundedToo) {
  std::string message;
  for (int i = 0; i < 50; ++i)
    message += "Subject: level " + std::to_string(i) + "\r\nContent-Type: message/rfc822\r\n\r\n";
  message += "Subject: bottom\r\n\r\nbottom text\r\n";
  const MimeExtraction x = ExtractMime(message);
  EXPECT_EQ(x.parts.size(), MimeLimits().max_depth + 1);
  EXPECT_TRUE(Has(x.flags, mimeflag::kDepthLimit));
  EXPECT_EQ(x.subject, "level 0");
}

// A message whose one attachment decodes to `decoded_mb` MB of 'A'..'Z' cycles.
std::string BigBase64Message(size_t decoded_mb, std::string* decoded) {
  std::string raw(decoded_mb << 20, '\0');
  for (size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<char>('A' + i % 26);
  std::string message =
      "From: big@example.com\r\nSubject: big\r\nContent-Type: multipart/mixed; "
      "boundary=\"big\"\r\n\r\n"
      "--big\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n"
      "--big\r\nContent-Type: application/octet-stream; name=\"big.bin\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n";
  const std::string b64 = Base64Encode(raw);
  message.reserve(message.size() + b64.size() / 76 * 78 + 100);
  for (size_t i = 0; i < b64.size(); i += 76) message.append(b64, i, 76).append("\r\n");
  message += "--big--\r\n";
  if (decoded != nullptr) *decoded = std::move(raw);
  return message;
}

TEST(MimeLimitsTest, Base64PartDecodingTo100MBIsBoundedByDefaultLimits) {
  const std::string message = BigBase64Message(100, nullptr);
  const auto start = std::chrono::steady_clock::now();
  const MimeExtraction x = ExtractMime(message);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const MimeLimits limits;
  // 136 MB of base64 is cut at max_input_bytes (64 MiB): no close delimiter is seen, and
  // the attachment's decoded bytes stop at max_part_decoded_bytes (32 MiB).
  ASSERT_EQ(x.parts.size(), 3u);
  EXPECT_TRUE(Has(x.parts[0].flags, mimeflag::kTruncatedInput));
  EXPECT_TRUE(Has(x.parts[0].flags, mimeflag::kNoCloseBoundary));
  EXPECT_EQ(x.parts[2].decoded_size, limits.max_part_decoded_bytes);
  EXPECT_TRUE(Has(x.parts[2].flags, mimeflag::kDecodedLimit));
  EXPECT_EQ(x.text, "see attachment");
  EXPECT_EQ(x.attachment_names, std::vector<std::string>{"big.bin"});
  std::cout << "[ figures ] 100 MB base64 part, default limits: " << seconds << " s\n";
  EXPECT_LT(seconds, 20.0);
}

TEST(MimeLimitsTest, Base64PartDecodingTo100MBIsHashedWholeWhenLimitsAllow) {
  std::string decoded;
  const std::string message = BigBase64Message(100, &decoded);
  MimeLimits limits;
  limits.max_input_bytes = 256u << 20;
  limits.max_part_decoded_bytes = 128u << 20;
  const auto start = std::chrono::steady_clock::now();
  const MimeExtraction x = ExtractMime(message, limits);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(x.parts.size(), 3u);
  EXPECT_EQ(x.flags, 0u);
  EXPECT_EQ(x.parts[2].decoded_size, decoded.size());
  EXPECT_EQ(x.parts[2].decoded_sha256, Sha256::Of(decoded));  // streamed hash = whole hash
  std::cout << "[ figures ] 100 MB base64 part hashed whole: " << seconds << " s ("
            << (message.size() / 1e6) / seconds << " MB/s of raw mail)\n";
}

TEST(MimeLimitsTest, TotalDecodedBudgetIsSharedByAllParts) {
  std::string message = "Content-Type: multipart/mixed; boundary=x\r\n\r\n";
  for (int i = 0; i < 4; ++i)
    message += "--x\r\nContent-Type: application/octet-stream\r\n\r\n" +
               std::string(1000, 'a' + i) + "\r\n";
  message += "--x--\r\n";
  MimeLimits limits;
  limits.max_total_decoded_bytes = 2500;
  const MimeExtraction x = ExtractMime(message, limits);
  ASSERT_EQ(x.parts.size(), 5u);
  EXPECT_EQ(x.parts[1].decoded_size, 1000u);
  EXPECT_EQ(x.parts[2].decoded_size, 1000u);
  EXPECT_EQ(x.parts[3].decoded_size, 500u);
  EXPECT_EQ(x.parts[4].decoded_size, 0u);
  EXPECT_EQ(x.parts[2].flags, 0u);
  EXPECT_EQ(x.parts[3].flags, mimeflag::kDecodedLimit);
  EXPECT_EQ(x.parts[4].flags, mimeflag::kDecodedLimit);
  EXPECT_EQ(x.parts[3].decoded_sha256, Sha256::Of(std::string(500, 'c')));
}

TEST(MimeLimitsTest, PartLimitListsTheFirstParts) {
  std::string message = "Content-Type: multipart/mixed; boundary=x\r\n\r\n";
  for (int i = 0; i < 5000; ++i) message += "--x\r\n\r\npart " + std::to_string(i) + "\r\n";
  message += "--x--\r\n";
  const MimeExtraction x = ExtractMime(message);
  ASSERT_EQ(x.parts.size(), MimeLimits().max_parts);
  EXPECT_TRUE(Has(x.parts[0].flags, mimeflag::kPartLimit));
  EXPECT_EQ(x.parts.back().index, MimeLimits().max_parts - 1);
  EXPECT_NE(x.text.find("part 998"), std::string::npos);
  EXPECT_EQ(x.text.find("part 999"), std::string::npos);
}

TEST(MimeLimitsTest, TextIsCutAtMaxTextBytesOnACharacterBoundary) {
  std::string message = "Content-Type: text/plain; charset=utf-8\r\n\r\n";
  for (int i = 0; i < 1000; ++i) message += "é";
  MimeLimits limits;
  limits.max_text_bytes = 101;
  const MimeExtraction x = ExtractMime(message, limits);
  EXPECT_EQ(x.text.size(), 100u);
  EXPECT_TRUE(IsValidUtf8(x.text));
  EXPECT_EQ(x.flags, mimeflag::kTextLimit);
}

TEST(MimeLimitsTest, LaterTextPartsPastTheTextLimitAreFlagged) {
  const std::string message = "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\n" +
                              std::string(50, 'a') + "\r\n--x\r\n\r\nsecond\r\n--x--\r\n";
  MimeLimits limits;
  limits.max_text_bytes = 50;
  const MimeExtraction x = ExtractMime(message, limits);
  EXPECT_EQ(x.text, std::string(50, 'a'));
  EXPECT_TRUE(x.parts[1].is_text);
  EXPECT_FALSE(x.parts[2].is_text);
  EXPECT_EQ(x.parts[2].flags, mimeflag::kTextLimit);
}

TEST(MimeLimitsTest, InputBeyondMaxInputBytesIsNotRead) {
  const std::string message = "Subject: s\r\n\r\nvisible words" + std::string(100, ' ') + "hidden";
  MimeLimits limits;
  limits.max_input_bytes = 30;
  const MimeExtraction x = ExtractMime(message, limits);
  EXPECT_EQ(x.text, "visible words");
  EXPECT_EQ(x.flags, mimeflag::kTruncatedInput);
  EXPECT_LE(x.parts[0].body_offset + x.parts[0].body_length, 30u);
}

TEST(MimeLimitsTest, EmptyAndHeaderOnlyInputs) {
  for (const std::string& input : {std::string(), std::string("\r\n"), std::string("Subject: only"),
                                   std::string("\0\0\0", 3), std::string("--\r\n--\r\n")}) {
    const MimeExtraction x = ExtractMime(input);
    ASSERT_EQ(x.parts.size(), 1u);
    EXPECT_EQ(x.parts[0].content_type, "text/plain");
    EXPECT_TRUE(x.parts[0].is_leaf);
  }
}

TEST(MimeLimitsTest, ZeroLimitsStillListTheRoot) {
  MimeLimits zero;
  zero.max_input_bytes = zero.max_depth = zero.max_parts = zero.max_part_decoded_bytes = 0;
  zero.max_total_decoded_bytes = zero.max_text_bytes = zero.max_attachment_names = 0;
  zero.max_text_part_bytes = zero.max_recipients_of_record = 0;
  const MimeExtraction x =
      ExtractMime("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n", zero);
  ASSERT_EQ(x.parts.size(), 1u);
  EXPECT_TRUE(Has(x.flags, mimeflag::kTruncatedInput));
  EXPECT_EQ(x.text, "");
}

// Cuts, byte flips and splices of corpus messages: whatever the damage, extraction
// returns a consistent tree of valid UTF-8 and DecodePartContent agrees with the hashes.
TEST(MimeLimitsTest, DamagedMessagesNeverCrashAndStayConsistent) {
  std::mt19937 rng(20240514);
  std::vector<std::string> seeds;
  for (const char* name :
       {"exchange_journal_report.eml", "nested_message_rfc822.eml",
        "rfc2231_filename_continuations.eml", "html_only_with_script.eml", "qp_broken_escapes.eml",
        "utf16_body.eml", "iso2022jp_subject_and_body.eml"})
    seeds.push_back(ReadFileBytes(std::string(CHAINMAIL_MIME_CORPUS) + "/" + name).value_or(""));
  static const char kSpecials[] = "-=\r\n:;\"\\?*%<>/\t\0\x80\xff";
  const std::string specials(kSpecials, sizeof kSpecials - 1);
  for (int round = 0; round < 3000; ++round) {
    std::string m = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits && !m.empty(); ++e) {
      const size_t at = rng() % m.size();
      switch (rng() % 4) {
        case 0:
          m[at] = specials[rng() % specials.size()];
          break;
        case 1:
          m.erase(at, rng() % 64);
          break;
        case 2:
          m.insert(at, m.substr(rng() % m.size(), rng() % 200));
          break;
        case 3:
          m.resize(at);
          break;
      }
    }
    const MimeExtraction x = ExtractMime(m);
    ASSERT_FALSE(x.parts.empty());
    ASSERT_TRUE(IsValidUtf8(x.text));
    ASSERT_TRUE(IsValidUtf8(x.subject));
    for (const std::string& n : x.attachment_names) ASSERT_TRUE(IsValidUtf8(n));
    for (const RecordRecipient& r : x.recipients_of_record) ASSERT_TRUE(IsValidUtf8(r.address));
    for (const MimePart& p : x.parts) {
      ASSERT_LE(p.body_offset + p.body_length, m.size());
      ASSERT_TRUE(IsValidUtf8(p.filename) && IsValidUtf8(p.charset) && IsValidUtf8(p.content_type));
      if (p.is_leaf) {
        ASSERT_EQ(Sha256::Of(DecodePartContent(m, p)), p.decoded_sha256) << round;
      }
    }
  }
}

TEST(MimeLimitsTest, FlagNamesCoverEveryBit) {
  EXPECT_EQ(MimeFlagNames(0), std::vector<std::string>{});
  EXPECT_EQ(MimeFlagNames(mimeflag::kNoCloseBoundary | mimeflag::kBadBase64),
            (std::vector<std::string>{"no_close_boundary", "bad_base64"}));
  for (int bit = 0; bit <= 16; ++bit) EXPECT_EQ(MimeFlagNames(1u << bit).size(), 1u) << bit;
  EXPECT_EQ(MimeFlagNames(mimeflag::kBoundaryGuessed),
            std::vector<std::string>{"boundary_guessed"});
}

}  // namespace
}  // namespace chainmail
