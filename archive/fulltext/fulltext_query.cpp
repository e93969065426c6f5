#include "archive/fulltext/fulltext_query.h"

#include <cctype>
#include <vector>

#include "archive/format/utf8.h"
#include "archive/fulltext/cjk_tokenizer.h"

namespace chainmail {
namespace {

enum class Kind { kTerm, kField, kOpen, kClose, kAnd, kOr, kNot, kEnd };

struct Token {
  Kind kind = Kind::kEnd;
  std::string text;    // kTerm: the word or phrase; kField: the FTS5 column
  bool prefix = false; // kTerm: ends with '*'
};

bool IsSpace(unsigned char c) { return c <= 0x20 || c == 0x7F; }  // controls (NUL too) are spaces

// The FTS5 column a field prefix names; "" when `name` is not a field.
std::string FieldColumn(std::string_view name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "subject") return "subject";
  if (lower == "body") return "body";
  if (lower == "attachment" || lower == "attachments") return "attachments";
  if (lower == "address" || lower == "addresses") return "addresses";
  return "";
}

// True when `text` gives the tokenizer nothing: only ASCII punctuation and spaces. (Text
// with other characters is left to the tokenizer; a term of symbols only matches nothing.)
bool HasNothingToSearch(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || std::isalnum(u)) return false;
  }
  return true;
}

// One CJK character alone: made a prefix query (cjk_tokenizer.h).
bool IsOneCjkCharacter(std::string_view text) {
  const auto b0 = static_cast<unsigned char>(text.empty() ? 0 : text[0]);
  const size_t size = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 1;
  if (text.size() != size || size == 1) return false;
  char32_t code = b0 & (0x7F >> size);
  for (size_t i = 1; i < size; ++i) code = (code << 6) | (static_cast<unsigned char>(text[i]) & 0x3F);
  return IsCjkCodePoint(code);
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && s[b] == ' ') ++b;
  while (e > b && s[e - 1] == ' ') --e;
  return std::string(s.substr(b, e - b));
}

class Lexer {
 public:
  explicit Lexer(std::string_view q) : q_(q) {}

  Status Run(std::vector<Token>* out) {
    while (true) {
      while (i_ < q_.size() && IsSpace(q_[i_])) ++i_;
      if (i_ == q_.size()) break;
      const char c = q_[i_];
      if (c == '(' || c == ')') {
        out->push_back({c == '(' ? Kind::kOpen : Kind::kClose, "", false});
        ++i_;
      } else if (c == '"') {
        if (Status s = Phrase(out); !s.ok()) return s;
      } else {
        if (Status s = Word(out); !s.ok()) return s;
      }
    }
    out->push_back({Kind::kEnd, "", false});
    return Status::Ok();
  }

 private:
  bool Stars() {
    bool any = false;
    while (i_ < q_.size() && q_[i_] == '*') {
      ++i_;
      any = true;
    }
    return any;
  }

  Status Phrase(std::vector<Token>* out) {
    const size_t close = q_.find('"', i_ + 1);
    if (close == std::string_view::npos)
      return Status::InvalidArgument("a quoted phrase is not closed: " + std::string(q_.substr(i_, 40)));
    std::string text(q_.substr(i_ + 1, close - i_ - 1));
    for (char& ch : text)
      if (IsSpace(ch)) ch = ' ';
    text = Trim(text);
    i_ = close + 1;
    if (text.empty()) return Status::InvalidArgument("an empty quoted phrase (\"\") searches for nothing");
    if (HasNothingToSearch(text))
      return Status::InvalidArgument("the phrase \"" + text + "\" has no letter or digit to search for");
    const bool prefix = Stars();
    out->push_back({Kind::kTerm, std::move(text), prefix});
    return Status::Ok();
  }

  Status Word(std::vector<Token>* out) {
    const size_t start = i_;
    while (i_ < q_.size() && !IsSpace(q_[i_]) && q_[i_] != '(' && q_[i_] != ')' && q_[i_] != '"') ++i_;
    std::string_view word = q_.substr(start, i_ - start);
    if (word == "AND" || word == "OR" || word == "NOT") {
      out->push_back({word == "AND" ? Kind::kAnd : word == "OR" ? Kind::kOr : Kind::kNot, "", false});
      return Status::Ok();
    }
    if (const size_t colon = word.find(':'); colon != std::string_view::npos && colon > 0) {
      if (std::string column = FieldColumn(word.substr(0, colon)); !column.empty()) {
        out->push_back({Kind::kField, std::move(column), false});
        word = word.substr(colon + 1);
        if (word.empty()) return Status::Ok();  // the field applies to what follows
      }
    }
    size_t end = word.size();
    while (end > 0 && word[end - 1] == '*') --end;
    const bool prefix = end < word.size();
    const std::string text(word.substr(0, end));
    if (HasNothingToSearch(text))
      return Status::InvalidArgument("'" + std::string(word) + "' has no letter or digit to search for");
    out->push_back({Kind::kTerm, text, prefix});
    return Status::Ok();
  }

  std::string_view q_;
  size_t i_ = 0;
};

// Recursive descent over the tokens, writing the FTS5 expression as it goes.
class Parser {
 public:
  explicit Parser(const std::vector<Token>& tokens) : t_(tokens) {}

  Result<std::string> Run() {
    if (Peek() == Kind::kEnd) return Status::InvalidArgument("the query is empty");
    auto expr = Or(0);
    if (!expr.ok()) return expr;
    if (Peek() == Kind::kClose) return Status::InvalidArgument("a ')' has no matching '('");
    return expr;
  }

 private:
  Kind Peek() const { return t_[at_].kind; }
  const Token& Next() { return t_[at_++]; }
  static bool EndsOperand(Kind k) { return k == Kind::kEnd || k == Kind::kClose || k == Kind::kOr || k == Kind::kAnd; }

  Result<std::string> Or(size_t depth) {
    std::vector<std::string> parts;
    while (true) {
      if (EndsOperand(Peek()) && Peek() != Kind::kAnd)
        return Status::InvalidArgument(parts.empty() && Peek() != Kind::kOr ? "empty parentheses search for nothing"
                                                                           : "OR needs a term on each side");
      auto part = And(depth);
      if (!part.ok()) return part;
      parts.push_back(std::move(*part));
      if (Peek() != Kind::kOr) break;
      Next();
    }
    return Join(parts, " OR ");
  }

  Result<std::string> And(size_t depth) {
    std::vector<std::string> positive, negative;
    while (!(Peek() == Kind::kEnd || Peek() == Kind::kClose || Peek() == Kind::kOr)) {
      const bool first = positive.empty() && negative.empty();
      if (Peek() == Kind::kAnd) {
        Next();
        if (first || EndsOperand(Peek())) return Status::InvalidArgument("AND needs a term on each side");
      }
      bool negate = false;
      if (Peek() == Kind::kNot) {
        Next();
        if (first)
          return Status::InvalidArgument(
              "NOT needs a term before it: it removes matches of the term after it (write 'a NOT b')");
        if (EndsOperand(Peek()) || Peek() == Kind::kNot) return Status::InvalidArgument("NOT needs a term after it");
        negate = true;
      }
      auto primary = Primary(depth);
      if (!primary.ok()) return primary;
      (negate ? negative : positive).push_back(std::move(*primary));
    }
    if (positive.empty()) return Status::InvalidArgument("AND needs a term on each side");
    std::string out = Join(positive, " AND ");
    for (const std::string& n : negative) out = "(" + out + " NOT " + n + ")";
    return out;
  }

  Result<std::string> Primary(size_t depth) {
    std::string column;
    if (Peek() == Kind::kField) {
      column = Next().text;
      if (Peek() != Kind::kTerm && Peek() != Kind::kOpen)
        return Status::InvalidArgument("a field prefix (" + column + ":) needs a word, phrase or group after it");
    }
    std::string expr;
    if (Peek() == Kind::kOpen) {
      Next();
      if (depth + 1 > kMaxQueryDepth)
        return Status::InvalidArgument("parentheses nested deeper than " + std::to_string(kMaxQueryDepth));
      auto inner = Or(depth + 1);
      if (!inner.ok()) return inner;
      if (Peek() != Kind::kClose) return Status::InvalidArgument("a '(' is not closed");
      Next();
      expr = std::move(*inner);
    } else if (Peek() == Kind::kTerm) {
      const Token& term = Next();
      if (++terms_ > kMaxQueryTerms)
        return Status::InvalidArgument("the query has more than " + std::to_string(kMaxQueryTerms) + " terms");
      expr = Quote(term.text);
      if (term.prefix || IsOneCjkCharacter(term.text)) expr += " *";
    } else if (Peek() == Kind::kClose) {
      return Status::InvalidArgument("a ')' has no matching '('");
    } else {
      return Status::InvalidArgument("a word, phrase or group was expected");
    }
    if (column.empty()) return expr;
    return column + " : " + (expr[0] == '(' ? expr : "(" + expr + ")");
  }

  static std::string Quote(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
      if (c == '"') out += '"';
      out += c;
    }
    return out + "\"";
  }

  static std::string Join(const std::vector<std::string>& parts, const char* op) {
    if (parts.size() == 1) return parts[0];
    std::string out = "(";
    for (size_t i = 0; i < parts.size(); ++i) out += (i ? op : "") + parts[i];
    return out + ")";
  }

  const std::vector<Token>& t_;
  size_t at_ = 0;
  size_t terms_ = 0;
};

}  // namespace

Result<std::string> TranslateFulltextQuery(std::string_view query) {
  if (query.size() > kMaxQueryBytes)
    return Status::InvalidArgument("the query is longer than " + std::to_string(kMaxQueryBytes) + " bytes");
  if (!IsValidUtf8(query)) return Status::InvalidArgument("the query is not valid UTF-8");
  std::vector<Token> tokens;
  if (Status s = Lexer(query).Run(&tokens); !s.ok()) return s;
  return Parser(tokens).Run();
}

}  // namespace chainmail
