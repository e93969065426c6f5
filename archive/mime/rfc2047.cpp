#include "archive/mime/rfc2047.h"

#include <algorithm>
#include <vector>

#include "archive/mime/ascii.h"
#include "archive/mime/charset.h"
#include "archive/mime/encoded_word.h"
#include "archive/format/utf8.h"

namespace chainmail {
namespace {

bool AllWsp(std::string_view text) { return std::all_of(text.begin(), text.end(), IsWsp); }

bool SameCharset(std::string_view a, std::string_view b) {
  return EqualsIgnoreCase(a.substr(0, a.find('*')), b.substr(0, b.find('*')));
}

// Encoded words separated only by whitespace, collected until something else follows,
// then converted and emitted together.
class WordSequence {
 public:
  explicit WordSequence(bool* bad_encoded_word) : bad_encoded_word_(bad_encoded_word) {}

  bool empty() const { return words_.empty(); }

  // `whitespace_before` separates the word from the previous one in the sequence (empty
  // for the first); `original` is the word as written. Both must outlive Flush().
  void Add(std::string_view whitespace_before, std::string_view original, const EncodedWord& word) {
    Word w{whitespace_before, original, word.charset, octets_.size(), 0, false};
    w.transfer_ok = DecodeEncodedText(word.encoding, word.encoded_text, &octets_);
    w.octets_end = octets_.size();
    words_.push_back(w);
  }

  // Appends the decoded sequence to *out and starts a new, empty one.
  void Flush(std::string* out) {
    previous_verbatim_ = false;
    size_t first = 0;
    while (first < words_.size()) {
      // Runs of transfer-decoded words in one charset are converted as one text.
      size_t end = first + 1;
      if (words_[first].transfer_ok) {
        while (end < words_.size() && words_[end].transfer_ok &&
               SameCharset(words_[end].charset, words_[first].charset))
          ++end;
      }
      if (!EmitConverted(first, end, out)) {
        for (size_t i = first; i < end; ++i) {
          // A single word was just tried as a run of one; do not convert it twice.
          if (end - first == 1 || !EmitConverted(i, i + 1, out)) EmitVerbatim(i, out);
        }
      }
      first = end;
    }
    words_.clear();
    octets_.clear();
  }

 private:
  struct Word {
    std::string_view whitespace_before;
    std::string_view original;
    std::string_view charset;
    size_t octets_begin;
    size_t octets_end;
    bool transfer_ok;
  };

  // Converts words [first, end) as one text; false (nothing emitted) when that fails.
  bool EmitConverted(size_t first, size_t end, std::string* out) {
    const Word& w = words_[first];
    if (!w.transfer_ok) return false;
    const size_t mark = out->size();
    // Whitespace between two decoded words is dropped; next to a verbatim one it stays.
    if (first > 0 && previous_verbatim_) out->append(w.whitespace_before);
    const std::string_view octets = std::string_view(octets_).substr(
        w.octets_begin, words_[end - 1].octets_end - w.octets_begin);
    if (!ConvertToUtf8(w.charset, octets, out)) {
      out->resize(mark);
      return false;
    }
    previous_verbatim_ = false;
    return true;
  }

  void EmitVerbatim(size_t i, std::string* out) {
    if (i > 0) out->append(words_[i].whitespace_before);
    AppendUtf8Repaired(words_[i].original, out);
    previous_verbatim_ = true;
    *bad_encoded_word_ = true;
  }

  std::vector<Word> words_;
  std::string octets_;  // transfer-decoded octets of all words, in order
  bool previous_verbatim_ = false;
  bool* bad_encoded_word_;
};

}  // namespace

std::string DecodeHeaderText(std::string_view text, size_t max_bytes, bool* bad_encoded_word) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  WordSequence sequence(bad_encoded_word);
  EncodedWord word;
  size_t plain_begin = 0;  // first byte not yet emitted or queued
  size_t search = 0;
  while (out.size() < max_bytes) {
    const size_t at = text.find("=?", search);
    if (at == std::string_view::npos) break;
    if (!ParseEncodedWord(text, at, &word)) {
      search = at + 1;
      continue;
    }
    std::string_view between = text.substr(plain_begin, at - plain_begin);
    if (sequence.empty() || !AllWsp(between)) {
      sequence.Flush(&out);
      AppendUtf8Repaired(between, &out);
      between = {};
    }
    sequence.Add(between, text.substr(at, word.length), word);
    plain_begin = search = at + word.length;
  }
  sequence.Flush(&out);
  if (out.size() < max_bytes) AppendUtf8Repaired(text.substr(plain_begin), &out);
  TruncateUtf8(&out, max_bytes);
  return out;
}

}  // namespace chainmail
