#include "bench/zipf_vocabulary.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <unordered_set>

#include "archive/format/utf8.h"
#include "bench/charset_encoder.h"

namespace chainmail::bench {
namespace {

constexpr char kConsonants[] = "bcdfghjklmnprstvwxyz";  // 20
constexpr char kVowels[] = "aeiou";                     // 5
constexpr size_t kSyllables = 100;
// Cyrillic for each consonant, then each vowel (all in KOI8-R).
constexpr char32_t kCyrillicConsonants[] = U"бцдфгхжклмнпрстшвщйз";
constexpr char32_t kCyrillicVowels[] = U"аеиоу";

std::string Utf8(char32_t c) {
  std::string s;
  AppendUtf8CodePoint(c, &s);
  return s;
}

// `count` characters from [first, last) with the given stride that every charset in
// `charsets` can carry: fixed by the code points and glibc's tables, so deterministic.
std::vector<std::string> Characters(char32_t first, char32_t last, char32_t stride, size_t count,
                                    std::initializer_list<const char*> charsets) {
  std::vector<std::string> out;
  for (char32_t c = first; c < last && out.size() < count; c += stride) {
    const std::string s = Utf8(c);
    std::string sink;
    if (std::all_of(charsets.begin(), charsets.end(), [&](const char* cs) { return EncodeCharset(cs, s, &sink); }))
      out.push_back(s);
  }
  if (out.size() < count) throw std::runtime_error("zipf_vocabulary: iconv lacks the CJK charsets");
  return out;
}

}  // namespace

ZipfVocabulary::ZipfVocabulary(uint64_t seed) {
  std::mt19937_64 rng(seed);
  // Syllable sequences by rank: all 1-syllable words, 9,900 of the 2-syllable ones, 40,000
  // distinct 3-syllable ones, each group shuffled.
  std::vector<std::vector<uint8_t>> spellings;
  std::vector<uint32_t> one(kSyllables), two(kSyllables * kSyllables);
  std::iota(one.begin(), one.end(), 0);
  std::iota(two.begin(), two.end(), 0);
  std::shuffle(one.begin(), one.end(), rng);
  std::shuffle(two.begin(), two.end(), rng);
  for (uint32_t s : one) spellings.push_back({static_cast<uint8_t>(s)});
  for (uint32_t s : two) {
    if (spellings.size() == 10000) break;
    spellings.push_back({static_cast<uint8_t>(s / kSyllables), static_cast<uint8_t>(s % kSyllables)});
  }
  std::unordered_set<uint32_t> taken;
  while (spellings.size() < kWords) {
    const auto s = static_cast<uint32_t>(rng() % (kSyllables * kSyllables * kSyllables));
    if (!taken.insert(s).second) continue;
    spellings.push_back({static_cast<uint8_t>(s / 10000), static_cast<uint8_t>(s / 100 % 100),
                         static_cast<uint8_t>(s % 100)});
  }

  // Japanese: 40 hiragana and 60 kanji; Chinese: 100 Han characters of GB2312.
  std::vector<std::string> japanese = Characters(U'\u3042', U'\u3094', 2, 40, {"ISO-2022-JP", "SHIFT_JIS"});
  const std::vector<std::string> kanji = Characters(U'\u4e00', U'\u9fa0', 53, 60, {"ISO-2022-JP", "SHIFT_JIS"});
  japanese.insert(japanese.end(), kanji.begin(), kanji.end());
  const std::vector<std::string> chinese = Characters(U'\u4e01', U'\u9fa0', 41, 100, {"GB2312"});

  for (auto& w : words_) w.reserve(kWords);
  for (const auto& syllables : spellings) {
    std::string latin, cyrillic, ja, zh;
    for (uint8_t s : syllables) {
      latin += kConsonants[s / 5];
      latin += kVowels[s % 5];
      cyrillic += Utf8(kCyrillicConsonants[s / 5]) + Utf8(kCyrillicVowels[s % 5]);
      ja += japanese[s];
      zh += chinese[s];
    }
    words_[static_cast<int>(Script::kLatin)].push_back(std::move(latin));
    words_[static_cast<int>(Script::kCyrillic)].push_back(std::move(cyrillic));
    words_[static_cast<int>(Script::kJapanese)].push_back(std::move(ja));
    words_[static_cast<int>(Script::kChinese)].push_back(std::move(zh));
  }

  cdf_.resize(kWords);
  double sum = 0;
  for (size_t r = 0; r < kWords; ++r) cdf_[r] = sum += 1.0 / static_cast<double>(r + 1);
  for (double& c : cdf_) c /= sum;
}

size_t ZipfVocabulary::Draw(std::mt19937_64& rng) const {
  const double u = std::uniform_real_distribution<double>(0, 1)(rng);
  return std::min<size_t>(std::upper_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin(), kWords - 1);
}

double ZipfVocabulary::Probability(size_t rank) const { return rank == 0 ? cdf_[0] : cdf_[rank] - cdf_[rank - 1]; }

}  // namespace chainmail::bench
