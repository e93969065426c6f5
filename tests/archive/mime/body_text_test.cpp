// AppendBodyText: a text part's bytes in its declared (or lying) charset, to UTF-8.
#include "archive/mime/body_text.h"

#include <gtest/gtest.h>

#include <random>
#include <thread>
#include <vector>

#include "archive/format/utf8.h"
#include "archive/mime/charset.h"
#include "archive/mime/rfc2047.h"

namespace chainmail {
namespace {

constexpr size_t kNoCap = 1 << 24;

std::string Text(std::string_view charset, std::string_view bytes, BodyTextReport* report = nullptr,
                 size_t max_out = kNoCap) {
  std::string out;
  const BodyTextReport r = AppendBodyText(charset, bytes, max_out, &out);
  if (report != nullptr) *report = r;
  return out;
}

TEST(BodyTextTest, Utf8PassesThroughUntouched) {
  BodyTextReport r;
  EXPECT_EQ(Text("utf-8", "Grüße, 会議 😀", &r), "Grüße, 会議 😀");
  EXPECT_FALSE(r.bad_charset || r.unknown_charset || r.had_nul || r.truncated);
  EXPECT_EQ(Text("UTF8", "ok", &r), "ok");
}

TEST(BodyTextTest, LyingUtf8CharsetFallsBackToCp1252) {
  BodyTextReport r;
  EXPECT_EQ(Text("utf-8", "caf\xE9 \x93quoted\x94 \x80" "5", &r), "café “quoted” €5");
  EXPECT_TRUE(r.bad_charset);
  EXPECT_FALSE(r.unknown_charset);
}

TEST(BodyTextTest, MixedUtf8AndCp1252BytesEachReadTheirWay) {
  BodyTextReport r;
  EXPECT_EQ(Text("utf-8", "Grüße \x96 it\x92s", &r), "Grüße – it’s");
  EXPECT_TRUE(r.bad_charset);
}

TEST(BodyTextTest, UndeclaredEightBitTextIsReadAndFlagged) {
  BodyTextReport r;
  EXPECT_EQ(Text("", "naïve", &r), "naïve");  // undeclared UTF-8
  EXPECT_TRUE(r.bad_charset);
  EXPECT_EQ(Text("us-ascii", "na\xEFve", &r), "naïve");  // US-ASCII that is not
  EXPECT_TRUE(r.bad_charset);
  EXPECT_EQ(Text("", "plain ascii", &r), "plain ascii");
  EXPECT_FALSE(r.bad_charset);
}

TEST(BodyTextTest, Iso88591IsReadAsWindows1252) {
  BodyTextReport r;
  EXPECT_EQ(Text("ISO-8859-1", "\x93hi\x94 caf\xE9 \xA9", &r), "“hi” café ©");
  EXPECT_FALSE(r.bad_charset);
  EXPECT_EQ(Text("latin1", "\xFF", &r), "ÿ");
  EXPECT_EQ(Text("windows-1252", "\x80", &r), "€");
}

TEST(BodyTextTest, Utf8UnderSingleByteLabelIsReadAsUtf8) {
  BodyTextReport r;
  EXPECT_EQ(Text("iso-8859-1", "café “quoted”", &r), "café “quoted”");
  EXPECT_TRUE(r.bad_charset);
  EXPECT_EQ(Text("koi8-r", "Привет", &r), "Привет");
  EXPECT_TRUE(r.bad_charset);
  EXPECT_EQ(Text("iso-8859-1", "caf\xE9 \xC3", &r), "café Ã");  // not UTF-8: Latin-1
  EXPECT_FALSE(r.bad_charset);
  EXPECT_EQ(Text("gb18030", "\xD6\xD0", &r), "中");  // valid UTF-8 too, but GB18030 says so
  EXPECT_FALSE(r.bad_charset);
}

TEST(BodyTextTest, Windows1252UndefinedBytesStillMap) {
  BodyTextReport r;
  EXPECT_EQ(Text("cp1252", "\x81\x8D\x8F\x90\x9D", &r), "\u0081\u008D\u008F\u0090\u009D");
  EXPECT_FALSE(r.bad_charset);
}

TEST(BodyTextTest, SingleByteCharsetsGoThroughIconv) {
  BodyTextReport r;
  EXPECT_EQ(Text("koi8-r", "\xF0\xD2\xC9\xD7\xC5\xD4", &r), "Привет");
  EXPECT_FALSE(r.bad_charset);
  EXPECT_EQ(Text("windows-1251", "\xCF\xF0\xE8\xE2\xE5\xF2", &r), "Привет");
  EXPECT_EQ(Text("windows-1250", "\xA3\xF3" "d\x9F", &r), "Łódź");
  EXPECT_EQ(Text("iso-8859-15", "\xA4", &r), "€");
  EXPECT_EQ(Text("iso-8859-7", "\xC5\xEB\xEB\xDC\xE4\xE1", &r), "Ελλάδα");
  EXPECT_EQ(Text("iso-8859-8-i", "\xF9\xEC\xE5\xED", &r), "שלום");
  EXPECT_FALSE(r.bad_charset || r.unknown_charset);
}

TEST(BodyTextTest, Iso2022JpBodyDecodes) {
  BodyTextReport r;
  EXPECT_EQ(Text("iso-2022-jp", "\x1b$BF|K\\8l\x1b(B text", &r), "日本語 text");
  EXPECT_FALSE(r.bad_charset);
}

TEST(BodyTextTest, Iso2022JpHalfWidthKatakanaDecodes) {
  BodyTextReport r;
  EXPECT_EQ(Text("ISO-2022-JP", "\x1b(I12\x1b(B", &r), "ｱｲ");
  EXPECT_FALSE(r.bad_charset);
}

TEST(BodyTextTest, ShiftJisBackslashStaysBackslash) {
  BodyTextReport r;
  EXPECT_EQ(Text("shift_jis", "C:\\dir ~ \x89\xEF\x8B\x63", &r), "C:\\dir ~ 会議");
  EXPECT_FALSE(r.bad_charset);
}

TEST(BodyTextTest, ShiftJisWithNecSpecialCharactersDecodes) {
  BodyTextReport r;
  EXPECT_EQ(Text("x-sjis", "\x87\x40", &r), "①");
  EXPECT_FALSE(r.bad_charset);
}

TEST(BodyTextTest, EucJpDecodes) {
  BodyTextReport r;
  EXPECT_EQ(Text("euc-jp", "\xB2\xF1\xB5\xC4", &r), "会議");
  EXPECT_FALSE(r.bad_charset);
}

TEST(BodyTextTest, Gb2312LabelReadsGbkAndGb18030Characters) {
  BodyTextReport r;
  EXPECT_EQ(Text("gb2312", "\xD6\xD0\xCE\xC4 \x81\x40", &r), "中文 丂");  // 丂 is GBK only
  EXPECT_FALSE(r.bad_charset);
  EXPECT_EQ(Text("GB18030", "\xA8\xA6 \x94\x39\xFC\x36", &r), "é 😀");
  EXPECT_FALSE(r.bad_charset);
}

TEST(BodyTextTest, Big5Decodes) {
  BodyTextReport r;
  EXPECT_EQ(Text("big5", "\xA4\xA4\xA4\xE5", &r), "中文");
  EXPECT_FALSE(r.bad_charset);
}

TEST(BodyTextTest, KsC56011987LabelReadsCp949) {
  BodyTextReport r;
  EXPECT_EQ(Text("ks_c_5601-1987", "\xC7\xD1\xB1\xB9 \x94\xEE", &r), "한국 뷁");
  EXPECT_FALSE(r.bad_charset || r.unknown_charset);
}

TEST(BodyTextTest, Utf16WithByteOrderMarkEitherWay) {
  BodyTextReport r;
  EXPECT_EQ(Text("utf-16", std::string("\xFF\xFEh\0i\0", 6), &r), "hi");
  EXPECT_EQ(Text("utf-16", std::string("\xFE\xFF\0h\0i", 6), &r), "hi");
  EXPECT_EQ(Text("utf-16le", std::string("\xFF\xFEh\0i\0", 6), &r), "hi");  // BOM not kept
  EXPECT_FALSE(r.bad_charset);
}

TEST(BodyTextTest, Utf16WithoutBomGuessesByteOrderFromZeroBytes) {
  BodyTextReport r;
  EXPECT_EQ(Text("utf-16", std::string("h\0i\0\x1A\x4F", 6), &r), "hi会");
  EXPECT_EQ(Text("utf-16", std::string("\0h\0i\x4F\x1A", 6), &r), "hi会");
  EXPECT_EQ(Text("UTF-16BE", std::string("\0h\0i", 4), &r), "hi");
  EXPECT_EQ(Text("utf-16le", std::string("h\0i\0", 4), &r), "hi");
  EXPECT_FALSE(r.bad_charset);
}

TEST(BodyTextTest, Utf16ByteOrderMarkWinsOverTheName) {
  BodyTextReport r;
  EXPECT_EQ(Text("utf-16be", std::string("\xFF\xFEh\0i\0", 6), &r), "hi");
  EXPECT_FALSE(r.bad_charset);
}

TEST(BodyTextTest, Utf16UnpairedSurrogateStaysAligned) {
  BodyTextReport r;
  EXPECT_EQ(Text("utf-16le", std::string("a\0\x00\xD8" "b\0c\0", 8), &r), "a\uFFFDbc");
  EXPECT_TRUE(r.bad_charset);
}

TEST(BodyTextTest, Utf16OddByteCountEndsWithReplacement) {
  BodyTextReport r;
  EXPECT_EQ(Text("utf-16le", std::string("a\0b\0c", 5), &r), "ab\uFFFD");
  EXPECT_TRUE(r.bad_charset);
}

TEST(BodyTextTest, Utf7Decodes) {
  BodyTextReport r;
  EXPECT_EQ(Text("utf-7", "Hi Mom -+Jjo--!", &r), "Hi Mom -☺-!");
  EXPECT_FALSE(r.bad_charset);
}

TEST(BodyTextTest, UnknownCharsetFallsBackToUtf8OrCp1252) {
  BodyTextReport r;
  EXPECT_EQ(Text("x-klingon", "Grüße", &r), "Grüße");
  EXPECT_TRUE(r.unknown_charset);
  EXPECT_EQ(Text("unknown-8bit", "caf\xE9", &r), "café");
  EXPECT_TRUE(r.unknown_charset);
}

TEST(BodyTextTest, CharsetNameThatCouldSteerIconvIsUnknown) {
  BodyTextReport r;
  EXPECT_EQ(Text("utf-7//IGNORE", "a+-b", &r), "a+-b");
  EXPECT_TRUE(r.unknown_charset);
  EXPECT_EQ(Text("../../etc/x", "ok", &r), "ok");
  EXPECT_TRUE(r.unknown_charset);
}

TEST(BodyTextTest, DamagedShiftJisKeepsDeclaredReadingWithReplacement) {
  std::string sjis, expected;
  for (int i = 0; i < 40; ++i) {
    sjis += "\x89\xEF\x8B\x63 ";
    expected += "会議 ";
  }
  sjis += "\x85\x20";  // a lead byte with an impossible trail byte
  expected += "\uFFFD ";
  sjis += "\x89\xEF";
  expected += "会";
  BodyTextReport r;
  EXPECT_EQ(Text("shift_jis", sjis, &r), expected);
  EXPECT_TRUE(r.bad_charset);
}

TEST(BodyTextTest, TooDamagedDeclaredCharsetFallsBack) {
  BodyTextReport r;
  EXPECT_EQ(Text("iso-2022-jp", "caf\xE9 cr\xE8me br\xFBl\xE9" "e", &r), "café crème brûlée");
  EXPECT_TRUE(r.bad_charset);
}

TEST(BodyTextTest, Utf8LabelledAsShiftJisIsReadAsUtf8) {
  BodyTextReport r;
  EXPECT_EQ(Text("shift_jis", "日本語", &r), "日本語");
  EXPECT_TRUE(r.bad_charset);
}

TEST(BodyTextTest, NulBytesAreRemovedAndReported) {
  BodyTextReport r;
  EXPECT_EQ(Text("utf-8", std::string("a\0b\0", 4), &r), "ab");
  EXPECT_TRUE(r.had_nul);
  EXPECT_EQ(Text("koi8-r", std::string("\0\xF0", 2), &r), "П");
  EXPECT_TRUE(r.had_nul);
}

TEST(BodyTextTest, CrlfAndBareCrBecomeLf) {
  EXPECT_EQ(Text("utf-8", "a\r\nb\rc\nd\r\r\ne"), "a\nb\nc\nd\n\ne");
  EXPECT_EQ(Text("iso-8859-2", "a\r\nb\r"), "a\nb\n");
}

TEST(BodyTextTest, CrlfSplitBetweenConversionPiecesIsOneLineBreak) {
  // UTF-16LE to UTF-8 is converted in 16 KiB pieces: the CR ends the first one.
  std::string utf16;
  for (int i = 0; i < 16383; ++i) utf16 += std::string("a\0", 2);
  utf16 += std::string("\r\0\n\0z\0", 6);
  BodyTextReport r;
  const std::string out = Text("utf-16le", utf16, &r);
  EXPECT_EQ(out, std::string(16383, 'a') + "\nz");
}

TEST(BodyTextTest, LeadingByteOrderMarkIsDropped) {
  EXPECT_EQ(Text("utf-8", "\xEF\xBB\xBFhello"), "hello");
  EXPECT_EQ(Text("", "\xEF\xBB\xBFhello"), "hello");
  EXPECT_EQ(Text("utf-8", "a\xEF\xBB\xBF"), "a\xEF\xBB\xBF");  // only at the start
}

TEST(BodyTextTest, OutputIsCappedOnACharacterBoundary) {
  BodyTextReport r;
  EXPECT_EQ(Text("utf-8", "ab€cd", &r, 4), "ab");
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(Text("koi8-r", "\xF0\xD2\xC9", &r, 5), "Пр");
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(Text("utf-8", "a\r\nb", &r, 3), "a\nb");  // counted after CRLF -> LF
  EXPECT_FALSE(r.truncated);
}

TEST(BodyTextTest, FallbackStartsOverButKeepsEarlierOutput) {
  std::string out = "earlier|";
  const BodyTextReport r = AppendBodyText("iso-2022-jp", "caf\xE9 cr\xE8me", kNoCap, &out);
  EXPECT_EQ(out, "earlier|café crème");
  EXPECT_TRUE(r.bad_charset);
}

TEST(BodyTextTest, EveryByteInEveryCharsetGivesValidUtf8) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  std::mt19937 rng(42);
  std::string noise(4096, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  for (std::string_view charset :
       {"", "utf-8", "us-ascii", "iso-8859-1", "iso-8859-2", "iso-8859-5", "iso-8859-15",
        "windows-1250", "windows-1251", "windows-1252", "windows-1253", "windows-1254",
        "windows-1255", "windows-1256", "windows-1257", "windows-1258", "koi8-r", "koi8-u",
        "iso-2022-jp", "euc-jp", "shift_jis", "gb2312", "gbk", "gb18030", "big5",
        "big5-hkscs", "euc-kr", "ks_c_5601-1987", "utf-16", "utf-16le", "utf-16be", "utf-32",
        "utf-7", "tis-620", "x-unknown"}) {
    for (std::string_view bytes : {std::string_view(all), std::string_view(noise)}) {
      const std::string out = Text(charset, bytes);
      EXPECT_TRUE(IsValidUtf8(out)) << charset;
      EXPECT_EQ(out.find('\0'), std::string::npos) << charset;
    }
  }
}

TEST(BodyTextTest, ConcurrentConversionInManyCharsets) {
  std::vector<std::thread> threads;
  std::vector<int> failures(6, 0);
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([t, &failures] {
      for (int i = 0; i < 300; ++i) {
        const bool jis = (i + t) % 2 == 0;
        const std::string out = jis ? Text("iso-2022-jp", "\x1b$BF|K\\8l\x1b(B")
                                    : Text("koi8-r", "\xF0\xD2\xC9\xD7\xC5\xD4");
        if (out != (jis ? "日本語" : "Привет")) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

// The charset aliases live in charset.cpp, so header text (RFC 2047) gets them too.
TEST(CharsetAliasTest, Iso2022JpSubjectDecodes) {
  bool bad = false;
  EXPECT_EQ(DecodeHeaderText("=?ISO-2022-JP?B?GyRCMnE1RBsoQiAbKEkxMhsoQg==?=", 1024, &bad),
            "会議 ｱｲ");  // with half-width katakana, which plain ISO-2022-JP lacks
  EXPECT_FALSE(bad);
}

TEST(CharsetAliasTest, ShiftJisAndKsC5601HeadersDecode) {
  bool bad = false;
  EXPECT_EQ(DecodeHeaderText("=?Shift_JIS?B?QzpcZGlyie+LYw==?=", 1024, &bad), "C:\\dir会議");
  EXPECT_EQ(DecodeHeaderText("=?ks_c_5601-1987?B?x9GxuSCU7g==?=", 1024, &bad), "한국 뷁");
  EXPECT_FALSE(bad);
}

TEST(CharsetAliasTest, AliasesResolveWithoutLanguageSuffix) {
  EXPECT_EQ(ResolveCharsetAlias("GB2312*zh"), "GB18030");
  EXPECT_EQ(ResolveCharsetAlias("x-sjis"), "CP932");
  EXPECT_EQ(ResolveCharsetAlias("koi8-r*ru"), "koi8-r");
}

TEST(CharsetAliasTest, LenientConversionCountsBadBytesAndHonoursTheSink) {
  std::string out;
  size_t invalid = 0;
  auto collect = [&out](std::string_view piece) {
    out.append(piece);
    return true;
  };
  EXPECT_TRUE(ConvertToUtf8Lenient("euc-jp", "\xB2\xF1\xFF\xB5\xC4\xB2", collect, &invalid));
  EXPECT_EQ(out, "会\uFFFD議\uFFFD");  // a bad byte, then a sequence cut by the end
  EXPECT_EQ(invalid, 2u);

  bool called = false;
  EXPECT_FALSE(ConvertToUtf8Lenient("x-klingon", "abc", [&called](std::string_view) {
    called = true;
    return true;
  }, &invalid));
  EXPECT_FALSE(called);

  const std::string big(100000, 'a');
  size_t pieces = 0;
  invalid = 0;
  EXPECT_TRUE(ConvertToUtf8Lenient("iso-8859-2", big, [&pieces](std::string_view) {
    ++pieces;
    return false;  // stop after the first piece
  }, &invalid));
  EXPECT_EQ(pieces, 1u);
}

}  // namespace
}  // namespace chainmail
