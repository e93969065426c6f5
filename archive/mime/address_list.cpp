#include "archive/mime/address_list.h"

#include "archive/format/utf8.h"

namespace chainmail {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool IsSpecial(char c) {
  return c == '<' || c == '>' || c == ',' || c == ';' || c == ':' || c == '@' || c == '.';
}

bool IsAtomChar(char c) {
  return !IsSpace(c) && !IsSpecial(c) && c != '(' && c != ')' && c != '"' && c != '[';
}

struct Token {
  std::string_view text;      // a word as written (quotes and brackets kept) or one special
  bool space_before = false;  // whitespace or a comment precedes it
  char special = 0;           // the special character, or 0 for a word
};

// Splits an address-list value into words and specials, dropping whitespace and comments.
class AddressTokenizer {
 public:
  explicit AddressTokenizer(std::string_view value) : v_(value) {}

  bool Next(Token* token) {
    token->space_before = SkipSpaceAndComments();
    if (i_ >= v_.size()) return false;
    const size_t begin = i_;
    const char c = v_[i_];
    token->special = 0;
    if (IsSpecial(c)) {
      token->special = c;
      ++i_;
    } else if (c == '"') {
      SkipDelimited('"');
    } else if (c == '[') {
      SkipDelimited(']');
    } else {
      while (i_ < v_.size() && IsAtomChar(v_[i_])) ++i_;
    }
    token->text = v_.substr(begin, i_ - begin);
    return true;
  }

 private:
  // Skips whitespace, (nested (comments)) and stray ")"; true if anything was skipped.
  bool SkipSpaceAndComments() {
    bool skipped = false;
    while (i_ < v_.size()) {
      const char c = v_[i_];
      if (IsSpace(c) || c == ')') {
        ++i_;
      } else if (c == '(') {
        size_t depth = 0;
        for (; i_ < v_.size(); ++i_) {
          if (v_[i_] == '\\') {
            ++i_;
          } else if (v_[i_] == '(') {
            ++depth;
          } else if (v_[i_] == ')' && --depth == 0) {
            ++i_;
            break;
          }
        }
        if (i_ > v_.size()) i_ = v_.size();  // an escape as the last byte
      } else {
        break;
      }
      skipped = true;
    }
    return skipped;
  }

  // From the opening quote or bracket at i_ past the closing one (or to the end).
  void SkipDelimited(char close) {
    for (++i_; i_ < v_.size(); ++i_) {
      if (v_[i_] == '\\') {
        ++i_;
      } else if (v_[i_] == close) {
        ++i_;
        return;
      }
    }
    i_ = v_.size();  // an escape as the last byte must not leave i_ past the end
  }

  std::string_view v_;
  size_t i_ = 0;
};

// Builds addr-specs from tokens; see the header for the rules.
class AddressCollector {
 public:
  AddressCollector(size_t max_total, std::vector<std::string>* out)
      : max_total_(max_total), out_(out) {}

  bool full() const { return out_->size() >= max_total_; }

  void Add(const Token& t) {
    if (in_angle_) return AddInAngle(t);
    switch (t.special) {
      case '<':
        in_angle_ = true;
        in_route_ = false;
        angle_.clear();
        mailbox_has_angle_ = true;
        return;
      case ':':  // a group's name is a display name, not an address
        bare_.clear();
        word_.clear();
        word_has_at_ = false;
        return;
      case ',':
      case ';':
        return EndMailbox();
      case '>':
        return;  // stray
      default:
        AddBare(t);
    }
  }

  void Finish() {
    if (in_angle_) EndAngle();
    EndMailbox();
  }

 private:
  void AddInAngle(const Token& t) {
    if (t.special == '>') return EndAngle();
    if (angle_.empty() && t.special == '@' && !in_route_) in_route_ = true;  // obs-route
    if (in_route_ && t.special == ':') {
      in_route_ = false;
      angle_.clear();
      return;
    }
    if (!in_route_ && (t.special == ',' || t.special == ';')) {  // a missing ">"
      EndAngle();
      return Add(t);
    }
    angle_.append(t.text);
  }

  void EndAngle() {
    in_angle_ = false;
    if (!in_route_) Emit(angle_);
    in_route_ = false;
  }

  // Outside angle brackets, words run together across whitespace only next to "." or
  // "@" (obsolete CFWS inside an addr-spec); otherwise whitespace starts a new word.
  void AddBare(const Token& t) {
    const bool joins = t.special == '.' || t.special == '@' || previous_joins_;
    if (t.space_before && !joins) EndWord();
    word_.append(t.text);
    if (t.special == '@') word_has_at_ = true;
    previous_joins_ = t.special == '.' || t.special == '@';
  }

  void EndWord() {
    if (word_has_at_ && word_.front() != '@' && word_.back() != '@') {
      bare_.push_back(std::move(word_));
    }
    word_.clear();
    word_has_at_ = false;
    previous_joins_ = false;
  }

  void EndMailbox() {
    EndWord();
    if (!mailbox_has_angle_) {
      for (const std::string& address : bare_) Emit(address);
    }
    bare_.clear();
    mailbox_has_angle_ = false;
  }

  void Emit(std::string_view address) {
    if (address.empty() || full()) return;
    std::string repaired;
    AppendUtf8Repaired(address, &repaired);
    out_->push_back(std::move(repaired));
  }

  const size_t max_total_;
  std::vector<std::string>* out_;
  bool in_angle_ = false;
  bool in_route_ = false;  // inside "<@a,@b:" before the ":"
  std::string angle_;      // the angle address so far
  bool mailbox_has_angle_ = false;
  std::string word_;  // the bare word so far
  bool word_has_at_ = false;
  bool previous_joins_ = false;    // the last bare token was "." or "@"
  std::vector<std::string> bare_;  // this mailbox's bare words that look like addr-specs
};

}  // namespace

void AppendAddresses(std::string_view value, size_t max_total,
                     std::vector<std::string>* addresses) {
  AddressTokenizer tokenizer(value);
  AddressCollector collector(max_total, addresses);
  Token token;
  while (!collector.full() && tokenizer.Next(&token)) collector.Add(token);
  collector.Finish();
}

}  // namespace chainmail
