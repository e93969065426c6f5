#include "service/smtp/smtp_path.h"

#include <cstring>

#include "service/smtp/ascii.h"

namespace chainmail::smtp {
namespace {

bool IsUtf8Byte(char c) { return static_cast<unsigned char>(c) >= 0x80; }

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 5322 atext, plus UTF-8 (RFC 6531).
bool IsAtext(char c) {
  return IsAlnum(c) || IsUtf8Byte(c) || (c != '\0' && std::strchr("!#$%&'*+-/=?^_`{|}~", c));
}

// Letters, digits, hyphens and dots of a domain name, plus UTF-8 for U-labels.
bool IsDomainChar(char c) { return IsAlnum(c) || IsUtf8Byte(c) || c == '-' || c == '.'; }

// dtext inside an address literal: printable ASCII except '[', '\' and ']'.
bool IsLiteralChar(char c) { return c >= 33 && c <= 126 && c != '[' && c != '\\' && c != ']'; }

// Cursor over the path text; each Scan* advances past what it accepts.
class PathScanner {
 public:
  explicit PathScanner(std::string_view text) : text_(text) {}

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  bool Consume(char c) {
    if (AtEnd() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  size_t pos() const { return pos_; }

  // "@domain,@domain:" (RFC 5321 A-d-l); the caller has seen the leading '@'.
  bool ScanSourceRoute() {
    do {
      if (!Consume('@') || !ScanDomain()) return false;
    } while (Consume(','));
    return Consume(':');
  }

  // Dot-string or quoted string.
  bool ScanLocalPart() {
    if (Consume('"')) {
      while (!AtEnd()) {
        char c = text_[pos_++];
        if (c == '"') return true;
        if (c == '\\') {
          if (AtEnd() || text_[pos_] < 32 || text_[pos_] == 127) return false;
          ++pos_;
        } else if (!IsUtf8Byte(c) && (c < 32 || c == 127)) {
          return false;
        }
      }
      return false;
    }
    size_t start = pos_;
    while (!AtEnd() && (IsAtext(text_[pos_]) || text_[pos_] == '.')) ++pos_;
    return pos_ > start;
  }

  // A domain name or an address literal.
  bool ScanDomain() {
    if (Consume('[')) {
      size_t start = pos_;
      while (!AtEnd() && IsLiteralChar(text_[pos_])) ++pos_;
      return pos_ > start && Consume(']');
    }
    size_t start = pos_;
    while (!AtEnd() && IsDomainChar(text_[pos_])) ++pos_;
    return pos_ > start;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

std::optional<ParsedPath> ParsePath(std::string_view text) {
  PathScanner scan(text);
  if (!scan.Consume('<')) return std::nullopt;
  if (scan.Consume('>')) return ParsedPath{{}, text.substr(scan.pos())};
  if (scan.Peek() == '@' && !scan.ScanSourceRoute()) return std::nullopt;

  const size_t mailbox_start = scan.pos();
  if (!scan.ScanLocalPart()) return std::nullopt;
  if (scan.Consume('@')) {
    if (!scan.ScanDomain()) return std::nullopt;
  } else if (!EqualsIgnoreCase(text.substr(mailbox_start, scan.pos() - mailbox_start),
                               "postmaster")) {
    return std::nullopt;
  }
  const size_t mailbox_end = scan.pos();
  if (!scan.Consume('>')) return std::nullopt;
  return ParsedPath{text.substr(mailbox_start, mailbox_end - mailbox_start),
                    text.substr(scan.pos())};
}

}  // namespace chainmail::smtp
