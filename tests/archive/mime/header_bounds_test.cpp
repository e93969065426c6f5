// ScanHeaders under hostile input: random bytes, header bombs, pathological encoded
// words. It must not throw or crash, must return valid UTF-8, and must stay bounded.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>

#include "archive/format/payload_tags.h"
#include "archive/mime/header_scanner.h"

namespace chainmail {
namespace {

// An independent strict UTF-8 check (not the code under test): decodes each code point
// and rejects overlong forms, surrogates and values above U+10FFFF.
bool IsStrictUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? b : b & (0x7F >> n);
    for (size_t k = 1; k < n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = cp << 6 | (c & 0x3F);
    }
    static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

void ExpectWellFormed(const HeaderMetadata& md) {
  for (const std::string* s :
       {&md.message_id, &md.date, &md.from, &md.sender, &md.to, &md.cc, &md.subject})
    EXPECT_TRUE(IsStrictUtf8(*s)) << *s;
  for (const auto* list :
       {&md.from_addresses, &md.sender_addresses, &md.to_addresses, &md.cc_addresses}) {
    EXPECT_LE(list->size(), kMaxAddressesPerField);
    for (const std::string& a : *list) {
      EXPECT_TRUE(IsStrictUtf8(a)) << a;
      EXPECT_FALSE(a.empty());
    }
  }
  for (const std::string* s : {&md.from, &md.sender, &md.to, &md.cc, &md.subject})
    EXPECT_LE(s->size(), kMaxHeaderValueBytes);
  EXPECT_EQ(md.flags & ~uint32_t{0x7F00}, 0u);
}

double SecondsToScan(std::string_view message) {
  const auto start = std::chrono::steady_clock::now();
  const HeaderMetadata md = ScanHeaders(message, false);
  ExpectWellFormed(md);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(HeaderBoundsTest, GarbageDoesNotThrow) {
  // Bytes weighted towards the characters the parsers care about, so that random input
  // reaches deep into every parser, plus uniformly random bytes.
  static constexpr std::string_view kInteresting =
      "=?=?QqBb__:;,<>@.\"\\()[] \t\r\n\r\nabcXYZ019+/-*FromToCcSubjectDate\x80\xC3\xA9\xE2\xFF";
  static constexpr std::string_view kCharsets[] = {"utf-8",     "iso-8859-1", "iso-2022-jp",
                                                   "shift_jis", "koi8-r",     "x-bogus"};
  std::mt19937 rng(20240101);
  for (int round = 0; round < 4000; ++round) {
    std::string message;
    const size_t length = rng() % 600;
    while (message.size() < length) {
      switch (rng() % 8) {
        case 0:
          message += "\r\nSubject: =?" + std::string(kCharsets[rng() % 6]) + "?B?";
          break;
        case 1:
          message += "\r\nTo: ";
          break;
        case 2:
          message.push_back(static_cast<char>(rng() & 0xFF));
          break;
        default:
          message.push_back(kInteresting[rng() % kInteresting.size()]);
      }
    }
    ExpectWellFormed(ScanHeaders(message, round % 2 == 0));
    if (::testing::Test::HasFailure()) FAIL() << "round " << round;
  }
}

TEST(HeaderBoundsTest, HeaderBombIsBoundedAndFlagged) {
  // 300 KiB of one folded Subject with no end of header block.
  std::string bomb = "From: a@x\r\nSubject: ";
  while (bomb.size() < 300 * 1024) bomb += "\xC3\xA9 =?utf-8?q?x?= \r\n ";
  const HeaderMetadata md = ScanHeaders(bomb, true);  // whole, but beyond the scan limit
  ExpectWellFormed(md);
  EXPECT_NE(md.flags & msgflag::kHeaderTruncated, 0u);
  EXPECT_NE(md.flags & msgflag::kHeaderEightBit, 0u);
  EXPECT_EQ(md.from, "a@x");
  EXPECT_GT(md.subject.size(), kMaxHeaderValueBytes - 4);
  EXPECT_LE(md.subject.size(), kMaxHeaderValueBytes);
}

TEST(HeaderBoundsTest, HeaderEndAfterScanLimitIsTruncated) {
  std::string message = "Subject: s\r\n";
  while (message.size() < kHeaderScanLimit + 10) message += "X-Pad: 0123456789\r\n";
  message += "From: late@x\r\n\r\nbody";
  const HeaderMetadata md = ScanHeaders(message, true);
  EXPECT_NE(md.flags & msgflag::kHeaderTruncated, 0u);
  EXPECT_NE(md.flags & msgflag::kNoFrom, 0u);  // From lies beyond the bytes scanned
  EXPECT_EQ(md.subject, "s");
}

TEST(HeaderBoundsTest, TooManyFieldsStopsAndFlagsTruncated) {
  std::string message;
  for (size_t i = 0; i < kMaxHeaderFields; ++i) message += "A:\n";
  message += "From: after-the-limit@x\n\n";
  ASSERT_LT(message.size(), kHeaderScanLimit);
  const HeaderMetadata md = ScanHeaders(message, true);
  EXPECT_NE(md.flags & msgflag::kHeaderTruncated, 0u);
  EXPECT_TRUE(md.from.empty());

  std::string at_limit;  // exactly kMaxHeaderFields fields is fine
  for (size_t i = 0; i + 1 < kMaxHeaderFields; ++i) at_limit += "A:\n";
  at_limit += "From: last@x\n\n";
  const HeaderMetadata ok = ScanHeaders(at_limit, true);
  EXPECT_EQ(ok.flags & msgflag::kHeaderTruncated, 0u);
  EXPECT_EQ(ok.from, "last@x");
}

TEST(HeaderBoundsTest, AddressBombIsCappedPerField) {
  std::string message = "To: ";
  for (int i = 0; i < 12000; ++i) message += "a@b,";
  message += "\r\nTo: z@z\r\n\r\n";
  const HeaderMetadata md = ScanHeaders(message, true);
  EXPECT_EQ(md.to_addresses.size(), kMaxAddressesPerField);
  EXPECT_LE(md.to.size(), kMaxHeaderValueBytes);
}

TEST(HeaderBoundsTest, PathologicalInputsScanInLinearTime) {
  // Each would take many seconds if some parser rescanned its input per candidate
  // (256 KiB squared is ~7e10 steps); linear scans take milliseconds.
  const std::string patterns[] = {
      "=?",              // encoded-word starts that never close
      "=?utf-8?q?aaaa",  // encoded text that never ends
      "=?a=?b=?c?q?",    // overlapping encoded-word starts
      "(((",             // unclosed nested comments
      "\"\\",            // unclosed quotes with escapes
      "<@r,",            // unclosed obsolete routes
      "a",               // one long line
      "\r\n ",           // endless folding
  };
  for (const std::string& pattern : patterns) {
    for (const char* field : {"Subject: ", "To: ", "Date: "}) {
      std::string message = field;
      while (message.size() < kHeaderScanLimit) message += pattern;
      EXPECT_LT(SecondsToScan(message), 2.0) << field << pattern;
    }
  }
}

}  // namespace
}  // namespace chainmail
