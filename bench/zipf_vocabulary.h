// ZipfVocabulary: the words of the benchmark mail mix (bench/mail_mix.h). kWords synthetic
// words ranked by frequency and drawn by Zipf's law (P(rank r) ∝ 1/(r+1)), so that, as in
// real text, a few words are in most messages and most words are in few — which is what
// the cost of a full-text query depends on. Rank 0 is the most common word.
//
// A word is a sequence of syllables (20 consonants × 5 vowels = 100): ranks below 100 have
// one, below 10,000 two, the rest three (short words are the common ones, as in real
// languages). Ranks are assigned to spellings by a seeded shuffle. Each word has one form
// per script, with the same syllables:
//   Latin     "ka", "moti", "rasuve"
//   Cyrillic  the Latin letters transliterated ("кa" -> "ка"), encodable in KOI8-R
//   Japanese  one character per syllable: hiragana and kanji of JIS X 0208 (so ISO-2022-JP
//             and Shift_JIS can carry them)
//   Chinese   one character per syllable: Han characters of GB2312
// In Japanese and Chinese text words are written without spaces, so the CJK bigram
// tokenizer finds a two- or three-character word as a bigram or a phrase of bigrams.
//
// Deterministic: the same seed gives the same words on any machine with glibc's iconv.
// Immutable after construction; const methods are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace chainmail::bench {

enum class Script { kLatin, kCyrillic, kJapanese, kChinese };

class ZipfVocabulary {
 public:
  static constexpr size_t kWords = 50000;

  explicit ZipfVocabulary(uint64_t seed);

  // The UTF-8 spelling of the word of `rank` (< kWords) in `script`.
  const std::string& Word(size_t rank, Script script) const { return words_[static_cast<int>(script)][rank]; }
  // A rank drawn by Zipf's law.
  size_t Draw(std::mt19937_64& rng) const;
  // The probability of `rank` in a draw.
  double Probability(size_t rank) const;

 private:
  std::vector<std::string> words_[4];
  std::vector<double> cdf_;  // cdf_[r] = P(rank <= r)
};

}  // namespace chainmail::bench
