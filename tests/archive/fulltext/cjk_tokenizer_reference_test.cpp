// The chainmail_cjk tokenizer, whose token check reads eight bytes per step and whose run
// split decodes each character once, against the byte-at-a-time version it replaced (kept
// here as the reference, over the same unicode61): the same tokens with the same flags
// and byte offsets on 10,000 random texts of Latin, CJK, punctuation and invalid UTF-8,
// and IsCjkCodePoint against a plain scan of its ranges for every code point.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "archive/fulltext/cjk_tokenizer.h"
#include "archive/fulltext/fts5_api.h"

namespace chainmail {
namespace {

using Token = std::tuple<int, std::string, int, int>;  // flags, token, start, end

int Collect(void* ctx, int flags, const char* token, int size, int start, int end) {
  static_cast<std::vector<Token>*>(ctx)->emplace_back(flags, std::string(token, size), start, end);
  return SQLITE_OK;
}

// --- the reference: cjk_tokenizer.cpp as it was ---

struct Utf8Char {
  char32_t code;
  int size;
};
Utf8Char DecodeUtf8(const char* p, int n) {
  const auto b0 = static_cast<unsigned char>(p[0]);
  if (b0 < 0x80) return {b0, 1};
  const int size = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 0;
  if (size == 0 || size > n || b0 > 0xF4) return {0xFFFD, 1};
  char32_t code = b0 & (0x7F >> size);
  for (int i = 1; i < size; ++i) {
    const auto b = static_cast<unsigned char>(p[i]);
    if ((b & 0xC0) != 0x80) return {0xFFFD, 1};
    code = (code << 6) | (b & 0x3F);
  }
  return {code, size};
}

bool ReferenceIsCjk(char32_t c) {
  static constexpr char32_t kRanges[][2] = {
      {0x1100, 0x11FF}, {0x3005, 0x3007}, {0x3040, 0x309F}, {0x30A0, 0x30FF}, {0x3100, 0x312F},
      {0x3130, 0x318F}, {0x31A0, 0x31BF}, {0x31F0, 0x31FF}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF},
      {0xA960, 0xA97F}, {0xAC00, 0xD7FF}, {0xF900, 0xFAFF}, {0xFF66, 0xFFDC}, {0x20000, 0x323AF}};
  for (const auto& r : kRanges)
    if (c >= r[0] && c <= r[1]) return true;
  return false;
}

bool IsCjkAt(const char* p, int n) { return ReferenceIsCjk(DecodeUtf8(p, n).code); }

bool ContainsCjk(const char* p, int n) {
  bool high = false;
  for (int i = 0; i < n && !high; ++i) high = static_cast<unsigned char>(p[i]) >= 0xE1;
  if (!high) return false;
  for (int i = 0; i < n;) {
    const Utf8Char c = DecodeUtf8(p + i, n - i);
    if (ReferenceIsCjk(c.code)) return true;
    i += c.size;
  }
  return false;
}

struct ReferencePass {
  fts5_tokenizer* unicode61;
  Fts5Tokenizer* runs;
  const char* text;
  std::vector<Token>* out;
};

struct RunPass {
  ReferencePass* pass;
  int base;
};

int EmitShifted(void* p, int tflags, const char* token, int size, int start, int end) {
  auto* run = static_cast<RunPass*>(p);
  return Collect(run->pass->out, tflags, token, size, start + run->base, end + run->base);
}

int EmitCjkRun(ReferencePass& pass, int begin, int end) {
  const char* t = pass.text;
  int a = begin;
  int b = a + DecodeUtf8(t + a, end - a).size;
  if (b >= end) return Collect(pass.out, 0, t + a, b - a, a, b);
  while (b < end) {
    const int c = b + DecodeUtf8(t + b, end - b).size;
    Collect(pass.out, 0, t + a, c - a, a, c);
    a = b;
    b = c;
  }
  return SQLITE_OK;
}

int ReferenceSplitToken(void* p, int tflags, const char* token, int size, int start, int end) {
  auto* pass = static_cast<ReferencePass*>(p);
  if (!ContainsCjk(pass->text + start, end - start)) return Collect(pass->out, tflags, token, size, start, end);
  int i = start;
  while (i < end) {
    const bool cjk = IsCjkAt(pass->text + i, end - i);
    int j = i;
    while (j < end && IsCjkAt(pass->text + j, end - j) == cjk) j += DecodeUtf8(pass->text + j, end - j).size;
    if (cjk) {
      EmitCjkRun(*pass, i, j);
    } else {
      RunPass run{pass, i};
      pass->unicode61->xTokenize(pass->runs, &run, FTS5_TOKENIZE_DOCUMENT, pass->text + i, j - i, EmitShifted);
    }
    i = j;
  }
  return SQLITE_OK;
}

// A tokenizer found by name on a connection, with its arguments.
struct Found {
  fts5_tokenizer methods{};
  Fts5Tokenizer* instance = nullptr;
  Found(fts5_api* api, const char* name, std::vector<const char*> args) {
    void* context = nullptr;
    EXPECT_EQ(api->xFindTokenizer(api, name, &context, &methods), SQLITE_OK);
    EXPECT_EQ(methods.xCreate(context, args.data(), static_cast<int>(args.size()), &instance), SQLITE_OK);
  }
  ~Found() { methods.xDelete(instance); }
};

class CjkTokenizerReferenceTest : public ::testing::Test {
 protected:
  CjkTokenizerReferenceTest() {
    EXPECT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    EXPECT_TRUE(RegisterFulltextTokenizer(db_).ok());
    api_ = *FetchFts5Api(db_);
    cjk_ = std::make_unique<Found>(api_, kFulltextTokenizerName, std::vector<const char*>{});
    whole_ = std::make_unique<Found>(api_, "unicode61", std::vector<const char*>{"remove_diacritics", "2"});
    runs_ = std::make_unique<Found>(api_, "unicode61", std::vector<const char*>{"remove_diacritics", "2"});
  }
  ~CjkTokenizerReferenceTest() override {
    cjk_.reset();
    whole_.reset();
    runs_.reset();
    sqlite3_close(db_);
  }

  void ExpectSameTokens(const std::string& text) {
    std::vector<Token> got, expected;
    const int n = static_cast<int>(text.size());
    ASSERT_EQ(cjk_->methods.xTokenize(cjk_->instance, &got, FTS5_TOKENIZE_DOCUMENT, text.data(), n, Collect), SQLITE_OK);
    ReferencePass pass{&runs_->methods, runs_->instance, text.data(), &expected};
    whole_->methods.xTokenize(whole_->instance, &pass, FTS5_TOKENIZE_DOCUMENT, text.data(), n, ReferenceSplitToken);
    ASSERT_EQ(got, expected) << ::testing::PrintToString(text);
  }

  sqlite3* db_ = nullptr;
  fts5_api* api_ = nullptr;
  std::unique_ptr<Found> cjk_, whole_, runs_;
};

TEST_F(CjkTokenizerReferenceTest, IsCjkCodePointAgreesForEveryCodePoint) {
  for (char32_t c = 0; c <= 0x110000; ++c) ASSERT_EQ(IsCjkCodePoint(c), ReferenceIsCjk(c)) << std::hex << static_cast<uint32_t>(c);
}

TEST_F(CjkTokenizerReferenceTest, EmptyAndOneByteTexts) {
  ExpectSameTokens("");
  for (int b = 1; b < 256; ++b) ExpectSameTokens(std::string(1, static_cast<char>(b)));
}

// A CJK character (or a byte that looks like the start of one) at every offset 0..33 of a
// Latin token up to 40 bytes long: the eight-byte check, its padded last step, and runs.
TEST_F(CjkTokenizerReferenceTest, CjkCharacterAtEveryOffsetOfAToken) {
  for (std::string_view piece : {"会", "議", "한", "ー", "\xE1\x84\x80", "é", "\xE1", "\xE0\xA0\x80", "\xF0\xA0\x80\x80",
                                 "\xE4\xBC"}) {
    for (size_t offset = 0; offset <= 33; ++offset) {
      for (size_t length = offset; length <= 40; ++length) {
        std::string token(length, 'q');
        token.insert(offset, piece);
        ExpectSameTokens(token);
        ExpectSameTokens("Zürich " + token + piece.data() + piece.data());
      }
    }
  }
}

TEST_F(CjkTokenizerReferenceTest, RandomTextsGiveTheSameTokensAndOffsets) {
  static constexpr std::string_view kPieces[] = {
      "meeting", "Q3", "Crème", "ÀÉÎ", "straße", " ", "  ", ", ", ".", "-", "\n", "\t", "0", "42", "来週", "の", "会議",
      "について", "한국어", "ｶﾀｶﾅ", "、", "。", "「", "」", "々", "𠀀", "\xE4\xBC", "\xFF", "\x80", "\xC3", "\xF4\x90\x80\x80",
      "😀", "ー", "ㄅ", "\xE1\x84\x80"};
  std::mt19937 next(3);
  for (int i = 0; i < 10000; ++i) {
    std::string text;
    for (size_t pieces = next() % 24; pieces > 0; --pieces) text += kPieces[next() % std::size(kPieces)];
    ExpectSameTokens(text);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace chainmail
