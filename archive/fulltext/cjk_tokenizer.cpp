#include "archive/fulltext/cjk_tokenizer.h"

#include <cstdint>
#include <cstring>
#include <iterator>
#include <new>
#include <string>
#include <vector>

#include "archive/fulltext/fts5_api.h"

namespace chainmail {
namespace {

using TokenCallback = int (*)(void* ctx, int tflags, const char* token, int size, int start, int end);

// The code point at p[0..n) and its length in bytes. An invalid or truncated sequence is
// one byte of U+FFFD: the text is indexed as stored, never rejected.
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

// True if any byte of p[0, n) is 0xE1 or more. A token of eight bytes or more is read
// eight bytes per step (SWAR), the last step overlapping the one before: such a byte has
// bit 7 set and low seven bits of 0x61 or more, which adding 0x1F carries into bit 7 (no
// carry leaves a byte). Shorter tokens, most words, byte by byte.
bool HasLeadByteFromE1(const char* p, int n) {
  if (n < 8) {
    for (int i = 0; i < n; ++i)
      if (static_cast<unsigned char>(p[i]) >= 0xE1) return true;
    return false;
  }
  constexpr uint64_t kOnes = 0x0101010101010101ull, kLow7 = 0x7f7f7f7f7f7f7f7full, kHigh = 0x8080808080808080ull;
  const auto marked = [](const char* at) {
    uint64_t v;
    std::memcpy(&v, at, sizeof v);
    return (v & ((v & kLow7) + kOnes * 0x1F) & kHigh) != 0;
  };
  for (int i = 0; i + 8 < n; i += 8)
    if (marked(p + i)) return true;
  return marked(p + n - 8);
}

bool ContainsCjk(const char* p, int n) {
  // Every CJK code point is at or above U+1100: a lead byte of 0xE1 or more. Most tokens
  // have none and are passed through after this one scan.
  if (!HasLeadByteFromE1(p, n)) return false;
  for (int i = 0; i < n;) {
    const Utf8Char c = DecodeUtf8(p + i, n - i);
    if (IsCjkCodePoint(c.code)) return true;
    i += c.size;
  }
  return false;
}

// What xCreateTokenizer keeps: unicode61 as found on this connection.
struct Registration {
  fts5_tokenizer unicode61{};
  void* unicode61_context = nullptr;
};

// One tokenizer instance. Two unicode61 instances: `whole` runs over the text; `runs`
// folds the non-CJK runs of a mixed token while `whole` is still inside its own
// xTokenize (an instance keeps its fold buffer in itself, so it must not be re-entered).
struct Instance {
  fts5_tokenizer unicode61{};
  Fts5Tokenizer* whole = nullptr;
  Fts5Tokenizer* runs = nullptr;
};

// One xTokenize call.
struct Pass {
  Instance* self;
  const char* text;
  int flags;
  void* ctx;
  TokenCallback emit;
};

// A non-CJK run handed to `runs`: its offsets are relative to the run.
struct RunPass {
  Pass* pass;
  int base;
};

int EmitShifted(void* p, int tflags, const char* token, int size, int start, int end) {
  auto* run = static_cast<RunPass*>(p);
  return run->pass->emit(run->pass->ctx, tflags, token, size, start + run->base, end + run->base);
}

// Emits the CJK run text[begin, end) (offsets into the whole text): its overlapping
// bigrams, or the one character when the run is a single character.
int EmitCjkRun(Pass& pass, int begin, int end) {
  const char* t = pass.text;
  int a = begin;
  int b = a + DecodeUtf8(t + a, end - a).size;
  if (b >= end) return pass.emit(pass.ctx, 0, t + a, b - a, a, b);
  while (b < end) {
    const int c = b + DecodeUtf8(t + b, end - b).size;
    if (int rc = pass.emit(pass.ctx, 0, t + a, c - a, a, c); rc != SQLITE_OK) return rc;
    a = b;
    b = c;
  }
  return SQLITE_OK;
}

// unicode61's token callback: passes tokens without CJK through; cuts the others into
// CJK runs (bigrams) and non-CJK runs (folded by the `runs` instance).
int SplitToken(void* p, int tflags, const char* token, int size, int start, int end) {
  auto* pass = static_cast<Pass*>(p);
  const char* original = pass->text + start;
  if (!ContainsCjk(original, end - start)) return pass->emit(pass->ctx, tflags, token, size, start, end);
  const char* const text = pass->text;
  int i = start;
  while (i < end) {
    // The run of characters from i that are all CJK or all not.
    Utf8Char c = DecodeUtf8(text + i, end - i);
    const bool cjk = IsCjkCodePoint(c.code);
    int j = i + c.size;
    while (j < end && IsCjkCodePoint((c = DecodeUtf8(text + j, end - j)).code) == cjk) j += c.size;
    int rc;
    if (cjk) {
      rc = EmitCjkRun(*pass, i, j);
    } else {
      RunPass run{pass, i};
      rc = pass->self->unicode61.xTokenize(pass->self->runs, &run, pass->flags, text + i, j - i, EmitShifted);
    }
    if (rc != SQLITE_OK) return rc;
    i = j;
  }
  return SQLITE_OK;
}

void Delete(Fts5Tokenizer* p) {
  auto* self = reinterpret_cast<Instance*>(p);
  if (self->whole) self->unicode61.xDelete(self->whole);
  if (self->runs) self->unicode61.xDelete(self->runs);
  delete self;
}

int Create(void* context, const char** args, int nargs, Fts5Tokenizer** out) {
  auto* reg = static_cast<Registration*>(context);
  // remove_diacritics 2 folds "Crème" and "creme" alike (1 would miss some composed
  // letters). Table arguments come after, so a table may override.
  std::vector<const char*> all;
  Instance* self = nullptr;
  try {
    all = {"remove_diacritics", "2"};
    all.insert(all.end(), args, args + nargs);
    self = new Instance;
  } catch (const std::bad_alloc&) {
    return SQLITE_NOMEM;
  }
  self->unicode61 = reg->unicode61;
  const int n = static_cast<int>(all.size());
  int rc = reg->unicode61.xCreate(reg->unicode61_context, all.data(), n, &self->whole);
  if (rc == SQLITE_OK) rc = reg->unicode61.xCreate(reg->unicode61_context, all.data(), n, &self->runs);
  if (rc != SQLITE_OK) {
    Delete(reinterpret_cast<Fts5Tokenizer*>(self));
    return rc;
  }
  *out = reinterpret_cast<Fts5Tokenizer*>(self);
  return SQLITE_OK;
}

int Tokenize(Fts5Tokenizer* p, void* ctx, int flags, const char* text, int size, TokenCallback emit) {
  auto* self = reinterpret_cast<Instance*>(p);
  Pass pass{self, text, flags, ctx, emit};
  return self->unicode61.xTokenize(self->whole, &pass, flags, text, size, SplitToken);
}

void DestroyRegistration(void* p) { delete static_cast<Registration*>(p); }

}  // namespace

bool IsCjkCodePoint(char32_t c) {
  struct Range {
    char32_t first, last;
  };
  static constexpr Range kRanges[] = {
      {0x1100, 0x11FF},    // Hangul Jamo
      {0x3005, 0x3007},    // 々 〆 〇 (letters in the CJK punctuation block)
      {0x3040, 0x309F},    // Hiragana
      {0x30A0, 0x30FF},    // Katakana (with ー)
      {0x3100, 0x312F},    // Bopomofo
      {0x3130, 0x318F},    // Hangul Compatibility Jamo
      {0x31A0, 0x31BF},    // Bopomofo Extended
      {0x31F0, 0x31FF},    // Katakana Phonetic Extensions
      {0x3400, 0x4DBF},    // CJK Unified Ideographs Extension A
      {0x4E00, 0x9FFF},    // CJK Unified Ideographs
      {0xA960, 0xA97F},    // Hangul Jamo Extended-A
      {0xAC00, 0xD7FF},    // Hangul Syllables, Jamo Extended-B
      {0xF900, 0xFAFF},    // CJK Compatibility Ideographs
      {0xFF66, 0xFFDC},    // Halfwidth Katakana and Hangul
      {0x20000, 0x323AF},  // Extensions B to H, Compatibility Supplement
  };
  // The ranges ascend: below one's start, c is below all the rest too.
  static_assert([] {
    for (size_t i = 1; i < std::size(kRanges); ++i)
      if (kRanges[i].first <= kRanges[i - 1].last) return false;
    return true;
  }());
  for (const Range& r : kRanges) {
    if (c < r.first) return false;
    if (c <= r.last) return true;
  }
  return false;
}

Status RegisterFulltextTokenizer(sqlite3* db) {
  auto fetched = FetchFts5Api(db);
  if (!fetched.ok()) return fetched.status();
  fts5_api* api = *fetched;
  auto* reg = new (std::nothrow) Registration;
  if (reg == nullptr) return Status::IoError("out of memory registering the tokenizer");
  if (api->xFindTokenizer(api, "unicode61", &reg->unicode61_context, &reg->unicode61) != SQLITE_OK) {
    delete reg;
    return Status::IoError("FTS5 has no unicode61 tokenizer");
  }
  static fts5_tokenizer methods = {Create, Delete, Tokenize};
  if (api->xCreateTokenizer(api, kFulltextTokenizerName, reg, &methods, DestroyRegistration) != SQLITE_OK) {
    delete reg;
    return Status::IoError(std::string("cannot register the full-text tokenizer: ") + sqlite3_errmsg(db));
  }
  return Status::Ok();
}

}  // namespace chainmail
