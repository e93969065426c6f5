#include "archive/mime/mime_params.h"

#include <algorithm>
#include <vector>

#include "archive/format/utf8.h"
#include "archive/mime/ascii.h"
#include "archive/mime/body_text.h"
#include "archive/mime/rfc2047.h"

namespace chainmail {
namespace {

constexpr size_t kMaxParams = 64;
constexpr size_t kMaxSegments = 100;
constexpr size_t kMaxValue = 8 * 1024;

std::string Lowercase(std::string_view s) {
  std::string lower(s);
  for (char& c : lower) c = AsciiLower(c);
  return lower;
}

bool IsStrayInToken(char c) {
  const auto b = static_cast<unsigned char>(c);
  return b <= 0x20 || b >= 0x7F || c == '"' || c == '\\';
}

// One parameter name as written: "name", "name*", "name*N" or "name*N*" (RFC 2231).
struct ParamName {
  std::string base;     // lowercased, without the RFC 2231 suffix
  bool star = false;    // "name*": a single extended value
  int segment = -1;     // N of "name*N" / "name*N*"; -1 when not a continuation
  bool extended = false;  // the value is charset'language'percent-encoded
};

bool ParseParamName(std::string_view raw, ParamName* name) {
  const size_t star = raw.find('*');
  name->base = Lowercase(raw.substr(0, star));
  for (char c : raw)
    if (IsStrayInToken(c) || c == '(' || c == ')') return false;
  if (star == std::string_view::npos) return !name->base.empty();
  std::string_view suffix = raw.substr(star + 1);
  if (suffix.empty()) {
    name->star = name->extended = true;
    return !name->base.empty();
  }
  if (suffix.back() == '*') {
    name->extended = true;
    suffix.remove_suffix(1);
  }
  if (suffix.empty() || suffix.size() > 3) return false;
  int n = 0;
  for (char c : suffix) {
    if (!IsAsciiDigit(c)) return false;
    n = n * 10 + (c - '0');
  }
  name->segment = n;
  return !name->base.empty() && static_cast<size_t>(n) < kMaxSegments;
}

struct Segment {
  int number;
  bool extended;
  std::string value;
};

// Everything written for one parameter name, before decoding.
struct ParamPieces {
  std::string name;
  bool has_plain = false;
  std::string plain;
  bool has_star = false;
  std::string star;
  std::vector<Segment> segments;  // in the order written
};

// A scanner over the field value.
class FieldScanner {
 public:
  explicit FieldScanner(std::string_view text) : text_(text) {}
  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  void Advance() { ++pos_; }

  void SkipWsp() {
    while (!done() && (IsWsp(peek()) || peek() == '\r' || peek() == '\n')) ++pos_;
  }
  // Skips whitespace and RFC 5322 comments, nested, with backslash escapes.
  void SkipWspAndComments() {
    for (SkipWsp(); !done() && peek() == '('; SkipWsp()) {
      int depth = 0;
      for (; !done(); ++pos_) {
        const char c = peek();
        if (c == '\\') {
          ++pos_;
        } else if (c == '(') {
          ++depth;
        } else if (c == ')' && --depth == 0) {
          ++pos_;
          break;
        }
      }
    }
  }
  // Text up to (not including) the first of `stops`, or to the end.
  std::string_view Until(std::string_view stops) {
    const size_t begin = pos_;
    while (!done() && stops.find(peek()) == std::string_view::npos) ++pos_;
    return text_.substr(begin, pos_ - begin);
  }
  // A quoted string starting at '"'; false when it is not closed.
  bool QuotedString(std::string* value) {
    ++pos_;
    for (; !done(); ++pos_) {
      char c = peek();
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c == '\\' && pos_ + 1 < text_.size()) c = text_[++pos_];
      if (value->size() < kMaxValue) value->push_back(c);
    }
    return false;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};


// An unquoted value: up to ';', trimmed, without a trailing "(comment)".
std::string UnquotedValue(std::string_view raw, bool* malformed) {
  raw = TrimWsp(raw);
  if (!raw.empty() && raw.back() == ')') {
    const size_t open = raw.find(" (") != std::string_view::npos ? raw.find(" (") : raw.find("\t(");
    if (open != std::string_view::npos) raw = TrimWsp(raw.substr(0, open));
  }
  for (char c : raw) {
    if (IsStrayInToken(c)) {
      *malformed = true;
      break;
    }
  }
  if (raw.size() > kMaxValue) {
    *malformed = true;
    raw = raw.substr(0, kMaxValue);
  }
  return std::string(raw);
}

// Percent-decodes an RFC 2231 extended value; a '%' without two hex digits stays.
void AppendPercentDecoded(std::string_view text, std::string* bytes, bool* malformed) {
  for (size_t i = 0; i < text.size() && bytes->size() < kMaxValue; ++i) {
    const int hi = text[i] == '%' && i + 2 < text.size() ? HexDigitValue(text[i + 1]) : -1;
    const int lo = hi >= 0 ? HexDigitValue(text[i + 2]) : -1;
    if (lo >= 0) {
      bytes->push_back(static_cast<char>(hi << 4 | lo));
      i += 2;
    } else {
      if (text[i] == '%') *malformed = true;
      bytes->push_back(text[i]);
    }
  }
}

// Splits "charset'language'text" (the first extended segment); false when the two
// quotes are missing.
bool SplitCharsetPrefix(std::string_view value, std::string_view* charset, std::string_view* text) {
  const size_t first = value.find('\'');
  const size_t second = first == std::string_view::npos ? first : value.find('\'', first + 1);
  if (second == std::string_view::npos) return false;
  *charset = value.substr(0, first);
  *text = value.substr(second + 1);
  return true;
}

// A value as written without RFC 2231 encoding: RFC 2047 words decoded (but never in a
// boundary, which must match the body byte for byte), invalid UTF-8 repaired.
std::string PlainValue(const std::string& name, std::string_view raw, MimeParams* result) {
  if (name == "boundary") {
    std::string value;
    AppendUtf8Repaired(raw, &value);
    return value;
  }
  return DecodeHeaderText(raw, kMaxValue, &result->bad_encoded_word);
}

// RFC 2231: the segments present, joined in order, percent-decoded where extended, in
// the charset of the first one.
std::string ExtendedValue(const ParamPieces& p, MimeParams* result) {
  std::string bytes;
  std::string_view charset;
  bool any_extended = false;
  bool first = true;
  auto add = [&](std::string_view raw, bool extended) {
    any_extended |= extended;
    if (extended && first) {
      std::string_view text;
      if (SplitCharsetPrefix(raw, &charset, &text)) {
        raw = text;
      } else {
        result->malformed = true;
      }
    }
    first = false;
    if (extended) {
      AppendPercentDecoded(raw, &bytes, &result->malformed);
    } else {
      bytes.append(raw.substr(0, kMaxValue - std::min(kMaxValue, bytes.size())));
    }
  };
  if (p.has_star) {
    add(p.star, true);
  } else {
    std::vector<const Segment*> ordered;
    for (const Segment& s : p.segments) ordered.push_back(&s);
    std::sort(ordered.begin(), ordered.end(),
              [](const Segment* a, const Segment* b) { return a->number < b->number; });
    int expected = 0;
    for (const Segment* s : ordered) {
      if (s->number != expected) result->malformed = true;  // a segment is missing
      expected = s->number + 1;
      add(s->value, s->extended);
    }
  }
  if (!any_extended) return PlainValue(p.name, bytes, result);
  std::string value;
  const BodyTextReport report =
      AppendBodyText(charset.empty() ? std::string_view("utf-8") : charset, bytes, kMaxValue, &value);
  if (report.unknown_charset || report.bad_charset || report.had_nul) result->malformed = true;
  return value;
}

// Records one name=value as written; the first of duplicates wins.
void AddPiece(std::string_view raw_name, std::string value, std::vector<ParamPieces>* pieces,
              bool* malformed) {
  ParamName name;
  if (!ParseParamName(TrimWsp(raw_name), &name)) {
    *malformed = true;
    return;
  }
  ParamPieces* p = nullptr;
  for (ParamPieces& existing : *pieces)
    if (existing.name == name.base) p = &existing;
  if (p == nullptr) {
    if (pieces->size() >= kMaxParams) {
      *malformed = true;
      return;
    }
    pieces->emplace_back();
    p = &pieces->back();
    p->name = name.base;
  }
  if (name.segment >= 0) {
    for (const Segment& s : p->segments) {
      if (s.number == name.segment) {
        *malformed = true;  // duplicate
        return;
      }
    }
    p->segments.push_back(Segment{name.segment, name.extended, std::move(value)});
    return;
  }
  bool* present = name.star ? &p->has_star : &p->has_plain;
  if (*present) {
    *malformed = true;  // duplicate
    return;
  }
  *present = true;
  (name.star ? p->star : p->plain) = std::move(value);
}

}  // namespace

std::string_view MimeParams::Get(std::string_view name) const {
  for (const auto& [n, v] : params)
    if (n == name) return v;
  return {};
}

MimeParams ParseMimeParams(std::string_view unfolded_value) {
  MimeParams result;
  FieldScanner scan(unfolded_value);
  scan.SkipWspAndComments();
  std::string value;
  AppendUtf8Repaired(Lowercase(scan.Until(";( \t\r\n")), &value);
  result.value = value.substr(0, kMaxValue);
  scan.SkipWspAndComments();
  if (!scan.done()) {
    // "text/plain charset=x" (no ';') is read as if the ';' were there.
    if (scan.peek() != ';') result.malformed = true;
  }

  std::vector<ParamPieces> pieces;
  while (!scan.done()) {
    while (!scan.done() && (scan.peek() == ';' || IsWsp(scan.peek()) || scan.peek() == '\r' ||
                            scan.peek() == '\n'))
      scan.Advance();
    if (scan.done()) break;
    const std::string_view name = scan.Until("=;");
    if (scan.done() || scan.peek() == ';') {
      result.malformed = true;  // a name without '=' (or junk)
      continue;
    }
    scan.Advance();  // '='
    scan.SkipWsp();
    std::string param_value;
    if (!scan.done() && scan.peek() == '"') {
      if (!scan.QuotedString(&param_value)) result.malformed = true;
      scan.SkipWspAndComments();
      if (!scan.done() && scan.peek() != ';') {
        result.malformed = true;  // text after the closing quote
        scan.Until(";");
      }
    } else {
      param_value = UnquotedValue(scan.Until(";"), &result.malformed);
    }
    AddPiece(name, std::move(param_value), &pieces, &result.malformed);
  }

  for (const ParamPieces& p : pieces) {
    // The RFC 2231 form wins over a plain one sent beside it for older readers.
    std::string v = p.has_star || !p.segments.empty() ? ExtendedValue(p, &result)
                                                 : PlainValue(p.name, p.plain, &result);
    result.params.emplace_back(p.name, std::move(v));
  }
  return result;
}

}  // namespace chainmail
