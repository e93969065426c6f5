#include "archive/mime/rfc5322_date.h"

#include <array>

#include "archive/mime/ascii.h"

namespace chainmail {
namespace {

constexpr std::array<std::string_view, 7> kDays = {"monday", "tuesday",  "wednesday", "thursday",
                                                   "friday", "saturday", "sunday"};
constexpr std::array<std::string_view, 12> kMonths = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};

struct NamedZone {
  std::string_view name;
  int minutes;
};
constexpr std::array<NamedZone, 10> kZones = {{{"ut", 0},
                                               {"gmt", 0},
                                               {"est", -300},
                                               {"edt", -240},
                                               {"cst", -360},
                                               {"cdt", -300},
                                               {"mst", -420},
                                               {"mdt", -360},
                                               {"pst", -480},
                                               {"pdt", -420}}};

// Index of `word` in `names` given as its first three letters or in full; -1 if none.
template <size_t N>
int FindName(std::string_view word, const std::array<std::string_view, N>& names) {
  for (size_t i = 0; i < N; ++i) {
    if ((word.size() == 3 && EqualsIgnoreCase(word, names[i].substr(0, 3))) ||
        EqualsIgnoreCase(word, names[i]))
      return static_cast<int>(i);
  }
  return -1;
}

struct DateToken {
  enum Kind { kEnd, kNumber, kWord, kChar } kind = kEnd;
  std::string_view text;
  int64_t number = -1;  // for kNumber; -1 when longer than 9 digits
  char c = 0;           // for kChar
};

// Numbers, words and single punctuation characters; whitespace and comments skipped.
class DateTokenizer {
 public:
  explicit DateTokenizer(std::string_view v) : v_(v) { Advance(); }

  const DateToken& peek() const { return token_; }
  DateToken Take() {
    DateToken t = token_;
    Advance();
    return t;
  }
  bool TakeChar(char c) {
    if (token_.kind != DateToken::kChar || token_.c != c) return false;
    Advance();
    return true;
  }

 private:
  void Advance() {
    SkipSpaceAndComments();
    token_ = DateToken();
    if (i_ >= v_.size()) return;
    const size_t begin = i_;
    if (IsAsciiDigit(v_[i_])) {
      int64_t n = 0;
      while (i_ < v_.size() && IsAsciiDigit(v_[i_])) {
        if (i_ - begin < 9) n = n * 10 + (v_[i_] - '0');
        ++i_;
      }
      token_.kind = DateToken::kNumber;
      token_.number = i_ - begin <= 9 ? n : -1;
    } else if (IsAsciiAlpha(v_[i_])) {
      while (i_ < v_.size() && IsAsciiAlpha(v_[i_])) ++i_;
      token_.kind = DateToken::kWord;
    } else {
      token_.kind = DateToken::kChar;
      token_.c = v_[i_++];
    }
    token_.text = v_.substr(begin, i_ - begin);
  }

  void SkipSpaceAndComments() {
    size_t depth = 0;
    for (; i_ < v_.size(); ++i_) {
      const char c = v_[i_];
      if (depth > 0 && c == '\\') {
        ++i_;
      } else if (c == '(') {
        ++depth;
      } else if (depth > 0 && c == ')') {
        --depth;
      } else if (depth == 0 && !IsWsp(c) && c != '\r' && c != '\n') {
        return;
      }
    }
    i_ = v_.size();
  }

  std::string_view v_;
  size_t i_ = 0;
  DateToken token_;
};

// A number token of `min_digits` to `max_digits` digits, or -1.
int64_t TakeNumber(DateTokenizer& t, size_t min_digits, size_t max_digits) {
  if (t.peek().kind != DateToken::kNumber) return -1;
  const DateToken n = t.Take();
  if (n.text.size() < min_digits || n.text.size() > max_digits) return -1;
  return n.number;
}

bool IsLeapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t year, int month) {  // month 1-12
  static constexpr int kDaysIn[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDaysIn[month - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// The zone offset east of UTC in minutes; nullopt for a malformed numeric zone.
std::optional<int> TakeZone(DateTokenizer& t) {
  const DateToken& next = t.peek();
  if (next.kind == DateToken::kChar && (next.c == '+' || next.c == '-')) {
    const int sign = t.Take().c == '-' ? -1 : 1;
    const int64_t hhmm = TakeNumber(t, 4, 4);
    if (hhmm < 0 || hhmm / 100 > 23 || hhmm % 100 > 59) return std::nullopt;
    return sign * static_cast<int>(hhmm / 100 * 60 + hhmm % 100);
  }
  if (next.kind == DateToken::kWord) {
    const std::string_view name = t.Take().text;
    for (const NamedZone& z : kZones)
      if (EqualsIgnoreCase(name, z.name)) return z.minutes;
  }
  return 0;  // military, unknown or missing: +0000 (RFC 5322 4.3 says "-0000")
}

}  // namespace

std::optional<int64_t> ParseRfc5322Date(std::string_view value) {
  DateTokenizer t(value);
  if (t.peek().kind == DateToken::kWord) {
    if (FindName(t.Take().text, kDays) < 0) return std::nullopt;
    t.TakeChar(',');
  }
  const int64_t day = TakeNumber(t, 1, 2);
  if (t.peek().kind != DateToken::kWord) return std::nullopt;
  const int month = FindName(t.Take().text, kMonths) + 1;
  if (day < 1 || month < 1 || t.peek().kind != DateToken::kNumber) return std::nullopt;
  const DateToken year_token = t.Take();
  int64_t year = year_token.number;
  if (year_token.text.size() == 2) {
    year += year < 50 ? 2000 : 1900;  // obsolete 2-digit year (RFC 5322 4.3)
  } else if (year_token.text.size() == 3) {
    year += 1900;  // obsolete 3-digit year
  } else if (year_token.text.size() != 4) {
    return std::nullopt;
  }
  const int64_t hour = TakeNumber(t, 1, 2);
  if (!t.TakeChar(':')) return std::nullopt;
  const int64_t minute = TakeNumber(t, 1, 2);
  int64_t second = 0;
  if (t.TakeChar(':')) second = TakeNumber(t, 1, 2);
  const std::optional<int> zone = TakeZone(t);
  if (year < 1900 || day > DaysInMonth(year, month) || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59 || second < 0 || second > 60 || !zone)
    return std::nullopt;
  const int64_t seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 +
                          second - int64_t{*zone} * 60;
  return seconds * 1000000;
}

}  // namespace chainmail
