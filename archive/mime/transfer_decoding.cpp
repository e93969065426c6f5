#include "archive/mime/transfer_decoding.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "archive/mime/ascii.h"

namespace chainmail {
namespace {

constexpr uint8_t kSkip = 0xFF;     // not in the alphabet: skipped
constexpr uint8_t kSpace = 0xFE;    // whitespace: skipped without a problem
constexpr uint8_t kPad = 0xFD;      // '='
constexpr size_t kMaxQpLine = 998;  // RFC 5322 line limit; 76 is too often ignored to flag

constexpr std::array<uint8_t, 256> MakeBase64Table() {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = kSkip;
  for (int i = 0; i < 26; ++i) {
    t['A' + i] = static_cast<uint8_t>(i);
    t['a' + i] = static_cast<uint8_t>(26 + i);
  }
  for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<uint8_t>(52 + i);
  t['+'] = 62;
  t['/'] = 63;
  t['='] = kPad;
  for (char c : {' ', '\t', '\r', '\n'}) t[static_cast<unsigned char>(c)] = kSpace;
  return t;
}
constexpr std::array<uint8_t, 256> kBase64 = MakeBase64Table();

// Appends to *out, at most `max_out` bytes in all, and remembers whether more was refused.
class BoundedOutput {
 public:
  BoundedOutput(std::string* out, size_t max_out, size_t expected)
      : out_(out), start_(out->size()), max_out_(max_out) {
    out->reserve(start_ + std::min(max_out, expected));
  }
  bool full() const { return out_->size() - start_ >= max_out_; }
  bool truncated() const { return truncated_; }
  // False (and truncated) when the byte does not fit.
  bool Put(char c) {
    if (full()) {
      truncated_ = true;
      return false;
    }
    out_->push_back(c);
    return true;
  }
  bool Put(std::string_view s) {
    const size_t room = max_out_ - (out_->size() - start_);
    out_->append(s.substr(0, room));
    if (s.size() > room) truncated_ = true;
    return s.size() <= room;
  }

 private:
  std::string* out_;
  size_t start_;
  size_t max_out_;
  bool truncated_ = false;
};

}  // namespace

DecodeReport DecodeBase64Tolerant(std::string_view in, size_t max_out, std::string* out) {
  DecodeReport report;
  const size_t start = out->size();
  const size_t room = std::min(max_out, in.size() / 4 * 3 + 2);
  out->resize(start + room);
  char* const begin = out->data() + start;
  char* dst = begin;
  char* const end = begin + room;
  auto put = [&](char c) {
    if (dst == end) return false;
    *dst++ = c;
    return true;
  };
  uint32_t bits = 0;
  int count = 0;  // sextets in the current group
  size_t i = 0;
  for (; i < in.size(); ++i) {
    const uint8_t v = kBase64[static_cast<unsigned char>(in[i])];
    if (v < 64) {
      bits = bits << 6 | v;
      if (++count < 4) continue;
      count = 0;
      if (end - dst >= 3) {
        dst[0] = static_cast<char>(bits >> 16);
        dst[1] = static_cast<char>(bits >> 8);
        dst[2] = static_cast<char>(bits);
        dst += 3;
        continue;
      }
      if (!put(static_cast<char>(bits >> 16)) || !put(static_cast<char>(bits >> 8)) ||
          !put(static_cast<char>(bits))) {
        report.truncated = true;
        break;
      }
    } else if (v == kPad) {
      if (count >= 2) break;  // padding completes the group: the data ends here
      report.malformed = true;  // no padding can stand here
    } else if (v == kSkip) {
      report.malformed = true;
    }
  }
  if (!report.truncated) {
    if (count >= 2) {  // a last group of 2 or 3 sextets, padded (stopped at '=') or not
      if (i == in.size()) report.malformed = true;  // padding missing
      const uint32_t aligned = bits << (6 * (4 - count));
      if (!put(static_cast<char>(aligned >> 16)) ||
          (count == 3 && !put(static_cast<char>(aligned >> 8))))
        report.truncated = true;
    } else if (count == 1) {
      report.malformed = true;  // 6 bits cannot make a byte
    }
    // After the padding only more '=' and whitespace may follow.
    for (++i; i < in.size(); ++i) {
      const uint8_t v = kBase64[static_cast<unsigned char>(in[i])];
      if (v != kPad && v != kSpace) {
        report.malformed = true;
        break;
      }
    }
  }
  out->resize(start + static_cast<size_t>(dst - begin));
  return report;
}

DecodeReport DecodeQuotedPrintableTolerant(std::string_view in, size_t max_out,
                                           std::string* out) {
  DecodeReport report;
  BoundedOutput output(out, max_out, in.size());
  size_t line_start = 0;
  size_t i = 0;
  // Trailing whitespace of a line is dropped, so a run of it is held back until a
  // character other than a line break follows.
  size_t blanks_begin = 0, blanks_end = 0;
  auto flush_blanks = [&] {
    const bool ok = output.Put(in.substr(blanks_begin, blanks_end - blanks_begin));
    blanks_begin = blanks_end = 0;
    return ok;
  };
  auto end_line = [&](size_t line_end) {
    if (line_end - line_start > kMaxQpLine) report.malformed = true;
  };
  while (i < in.size()) {
    const char c = in[i];
    if (c == '\r' || c == '\n') {  // CRLF, bare LF or bare CR: a hard line break
      blanks_begin = blanks_end = 0;
      end_line(i);
      i += (c == '\r' && i + 1 < in.size() && in[i + 1] == '\n') ? 2 : 1;
      line_start = i;
      if (!output.Put("\r\n")) break;
      continue;
    }
    if (c == ' ' || c == '\t') {
      if (blanks_end != i) blanks_begin = i;
      blanks_end = i + 1;
      ++i;
      continue;
    }
    if (blanks_end != 0 && !flush_blanks()) break;
    if (c != '=') {
      if (!output.Put(c)) break;
      ++i;
      continue;
    }
    // "=XX", a soft break "=" [blanks] line-break (or end of input), or a stray "=".
    const int hi = i + 1 < in.size() ? HexDigitValue(in[i + 1]) : -1;
    const int lo = i + 2 < in.size() && hi >= 0 ? HexDigitValue(in[i + 2]) : -1;
    if (lo >= 0) {
      if (!output.Put(static_cast<char>(hi << 4 | lo))) break;
      i += 3;
      continue;
    }
    size_t j = i + 1;
    while (j < in.size() && (in[j] == ' ' || in[j] == '\t')) ++j;
    if (j == in.size() || in[j] == '\r' || in[j] == '\n') {
      end_line(i);
      if (j < in.size()) j += (in[j] == '\r' && j + 1 < in.size() && in[j + 1] == '\n') ? 2 : 1;
      i = line_start = j;
      continue;
    }
    report.malformed = true;  // kept literally; what follows is read as usual
    if (!output.Put('=')) break;
    ++i;
  }
  end_line(in.size());
  report.truncated = output.truncated();
  return report;
}

}  // namespace chainmail
