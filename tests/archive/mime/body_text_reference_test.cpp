// AppendBodyText, whose sink copies whole runs and whose UTF-8/Windows-1252 reading
// converts in chunks, against the piece-by-piece implementation it replaced (kept here as
// the reference, with the old byte loops): the same output and report, byte for byte, on
// 10,000 random texts full of CR, LF, NUL, byte order marks and invalid bytes, cut at
// every size, in the charsets that take each path.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "archive/mime/body_text.h"
#include "archive/mime/charset.h"
#include "tests/archive/format/utf8_reference.h"

namespace chainmail {
namespace {

using namespace std::literals;
using testing::RandomUtf8ishText;
using testing::ReferenceValidUtf8PrefixLength;

// The sink as it was: splits at every CR and NUL, appends piece by piece.
class ReferenceSink {
 public:
  ReferenceSink(std::string* out, size_t max_out, BodyTextReport* report)
      : out_(out), start_(out->size()), max_out_(max_out), report_(report) {}

  void Reset() {
    out_->resize(start_);
    at_start_ = true;
    after_cr_ = false;
    report_->truncated = false;
    report_->had_nul = false;
  }

  bool Add(std::string_view utf8) {
    if (at_start_ && !utf8.empty()) {
      if (utf8.substr(0, 3) == "\xEF\xBB\xBF") utf8.remove_prefix(3);
      at_start_ = utf8.empty();
    }
    if (after_cr_ && !utf8.empty()) {
      after_cr_ = false;
      if (utf8.front() == '\n') utf8.remove_prefix(1);
    }
    size_t run = 0;
    for (size_t i = 0; i < utf8.size(); ++i) {
      if (utf8[i] != '\0' && utf8[i] != '\r') continue;
      if (!Append(utf8.substr(run, i - run))) return false;
      if (utf8[i] == '\0') {
        report_->had_nul = true;
      } else {
        if (!Append("\n")) return false;
        if (i + 1 == utf8.size()) {
          after_cr_ = true;
        } else if (utf8[i + 1] == '\n') {
          ++i;
        }
      }
      run = i + 1;
    }
    return Append(utf8.substr(run));
  }

 private:
  bool Append(std::string_view s) {
    const size_t used = out_->size() - start_;
    if (used + s.size() <= max_out_) {
      out_->append(s);
      return true;
    }
    size_t cut = max_out_ - used;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    out_->append(s.substr(0, cut));
    report_->truncated = true;
    return false;
  }

  std::string* out_;
  size_t start_, max_out_;
  BodyTextReport* report_;
  bool at_start_ = true, after_cr_ = false;
};

std::string CodePointUtf8(unsigned char byte) {
  std::string out;
  uint32_t cp = Windows1252ToCodePoint(byte);
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | cp >> 6);
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | cp >> 12);
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

size_t ReferenceUtf8OrWindows1252(std::string_view bytes, ReferenceSink* sink) {
  size_t invalid = 0;
  while (!bytes.empty()) {
    const size_t valid = ReferenceValidUtf8PrefixLength(bytes);
    if (!sink->Add(bytes.substr(0, valid)) || valid == bytes.size()) break;
    if (!sink->Add(CodePointUtf8(static_cast<unsigned char>(bytes[valid])))) break;
    ++invalid;
    bytes.remove_prefix(valid + 1);
  }
  return invalid;
}

bool HasHighByte(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  return false;
}

// AppendBodyText's rules for the charsets this test uses (body_text.h).
BodyTextReport ReferenceBodyText(std::string_view charset, std::string_view bytes, size_t max_out, std::string* out) {
  BodyTextReport report;
  ReferenceSink sink(out, max_out, &report);
  const bool utf8 = charset == "utf-8";
  if (charset.empty() || charset == "us-ascii" || utf8) {
    if (ReferenceUtf8OrWindows1252(bytes, &sink) > 0) report.bad_charset = true;
    if (!utf8 && HasHighByte(bytes)) report.bad_charset = true;
    return report;
  }
  const bool wide = charset == "utf-16le";
  if (!wide && HasHighByte(bytes) && ReferenceValidUtf8PrefixLength(bytes) == bytes.size()) {
    report.bad_charset = true;  // a single-byte label on UTF-8
    sink.Add(bytes);
    return report;
  }
  if (charset == "iso-8859-1") {
    while (!bytes.empty()) {  // as it was: 8 KiB of bytes at a time
      const std::string_view piece = bytes.substr(0, 8192);
      std::string chunk;
      for (char c : piece) chunk += CodePointUtf8(static_cast<unsigned char>(c));
      if (!sink.Add(chunk)) break;
      bytes.remove_prefix(piece.size());
    }
    return report;
  }
  if (wide && bytes.substr(0, 2) == "\xFF\xFE") bytes.remove_prefix(2);
  size_t invalid = 0;
  const bool known = ConvertToUtf8Lenient(
      charset, bytes, [&sink](std::string_view piece) { return sink.Add(piece); }, &invalid);
  if (known && invalid == 0) return report;
  report.bad_charset = true;
  if (wide) return report;
  if (invalid <= bytes.size() / 64 + 1 && ReferenceValidUtf8PrefixLength(bytes) != bytes.size()) return report;
  sink.Reset();
  ReferenceUtf8OrWindows1252(bytes, &sink);
  return report;
}

std::string Flags(const BodyTextReport& r) {
  return std::string(r.unknown_charset ? "unknown " : "") + (r.bad_charset ? "bad " : "") + (r.had_nul ? "nul " : "") +
         (r.truncated ? "truncated" : "");
}

void ExpectSameAsReference(std::string_view charset, const std::string& bytes, size_t max_out,
                           const std::string& earlier = "") {
  std::string out = earlier, expected = earlier;
  const BodyTextReport r = AppendBodyText(charset, bytes, max_out, &out);
  const BodyTextReport e = ReferenceBodyText(charset, bytes, max_out, &expected);
  ASSERT_EQ(out, expected) << charset << " max_out " << max_out << " " << ::testing::PrintToString(bytes);
  ASSERT_EQ(Flags(r), Flags(e)) << charset << " max_out " << max_out << " " << ::testing::PrintToString(bytes);
}

constexpr std::string_view kCharsets[] = {"", "us-ascii", "utf-8", "iso-8859-1", "iso-8859-2", "utf-16le"};

TEST(BodyTextReferenceTest, EmptyAndShortInputs) {
  for (std::string_view charset : kCharsets) {
    for (std::string_view bytes :
         {""sv, "\r"sv, "\n"sv, "\r\n"sv, "\0"sv, "\xEF\xBB\xBF"sv, "\xFF"sv, "a\r"sv, "\xC3\xA9\r\n\xC3"sv}) {
      for (size_t max_out : {0, 1, 2, 3, 100}) ExpectSameAsReference(charset, std::string(bytes), max_out);
    }
  }
}

// A CR, CRLF, NUL, invalid byte or character at every offset 0..33 of a line, with the cut
// at every size around it: the runs between them are copied whole.
TEST(BodyTextReferenceTest, SpecialBytesAtEveryOffsetWithEveryCut) {
  for (std::string_view special :
       {"\r"sv, "\r\n"sv, "\n"sv, "\0"sv, "\xE9"sv, "\xC3\xA9"sv, "\xE2\x82\xAC"sv, "\xEF\xBB\xBF"sv, "\r\0\n"sv}) {
    for (size_t offset = 0; offset <= 33; ++offset) {
      std::string bytes(offset, 'x');
      bytes += special;
      bytes += "yz\r";
      for (std::string_view charset : {"", "utf-8", "iso-8859-1"}) {
        for (size_t max_out = 0; max_out <= bytes.size() + 3; ++max_out) ExpectSameAsReference(charset, bytes, max_out);
      }
    }
  }
}

TEST(BodyTextReferenceTest, RandomTextsGiveTheSameTextAndReport) {
  std::mt19937 next(5322);
  for (int i = 0; i < 10000; ++i) {
    std::string bytes = (next() % 8 == 0 ? "\xEF\xBB\xBF" : "") + RandomUtf8ishText(next, 40);
    const std::string_view charset = kCharsets[next() % std::size(kCharsets)];
    const size_t max_out = next() % 2 ? size_t{1} << 24 : next() % (bytes.size() + 4);
    ExpectSameAsReference(charset, bytes, max_out, next() % 4 == 0 ? "earlier|" : "");
  }
}

// A valid run longer than a chunk between invalid bytes, cut before, inside and after it.
TEST(BodyTextReferenceTest, ValidRunLongerThanAChunkBetweenInvalidBytes) {
  std::string run;
  while (run.size() < 9000) run += "line of text \xC3\xA9\r\n";
  const std::string bytes = "\xE9" + run + "\x93" + run + "\x94\r";
  for (std::string_view charset : {"", "utf-8"}) {
    for (size_t max_out : {size_t{0}, size_t{1}, size_t{2}, size_t{5000}, size_t{8190}, size_t{8192}, size_t{9001},
                           size_t{17000}, bytes.size() - 1, bytes.size() + 4, size_t{1} << 24})
      ExpectSameAsReference(charset, bytes, max_out);
  }
}

// Long texts: more than one 8 KiB chunk of converted invalid bytes, and UTF-16 converted in
// several pieces with CRLF split between them.
TEST(BodyTextReferenceTest, LongTextsCutAnywhere) {
  std::mt19937 next(25);
  for (int i = 0; i < 60; ++i) {
    const std::string bytes = RandomUtf8ishText(next, 3000);
    for (std::string_view charset : kCharsets) {
      ExpectSameAsReference(charset, bytes, size_t{1} << 24);
      ExpectSameAsReference(charset, bytes, next() % (bytes.size() + 1));
    }
  }
  // iconv's output comes in 16 KiB pieces: a CR, CRLF or NUL on either side of the seam.
  for (size_t at = 16380; at <= 16386; ++at) {
    for (std::string_view special : {"\r\0\n\0"sv, "\r\0"sv, "\0\0"sv, "\r\0\r\0\n\0"sv}) {
      std::string utf16;
      for (size_t i = 0; i < at; ++i) utf16 += "a\0"sv;
      utf16 += special;
      for (size_t i = 0; i < 20000; ++i) utf16 += i % 70 == 69 ? "\r\0\n\0"sv : "b\0"sv;
      ExpectSameAsReference("utf-16le", utf16, size_t{1} << 24);
      ExpectSameAsReference("utf-16le", utf16, at + 1);
    }
  }
}

}  // namespace
}  // namespace chainmail
