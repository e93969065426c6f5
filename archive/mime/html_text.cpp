#include "archive/mime/html_text.h"

#include <algorithm>
#include <cstdint>

#include "archive/format/utf8.h"
#include "archive/mime/ascii.h"
#include "archive/mime/body_text.h"
#include "archive/mime/html_entities.h"

namespace chainmail {
namespace {

constexpr size_t kMaxNameLength = 32;  // longer tag or reference names match nothing

// What an element does to the text around it.
enum class Layout { kInline, kLine, kParagraph, kBreak, kCell, kPre, kDropContent };

struct ElementRule {
  std::string_view name;
  Layout layout;
};

constexpr ElementRule kRules[] = {
    {"address", Layout::kLine},     {"article", Layout::kLine},
    {"aside", Layout::kLine},       {"blockquote", Layout::kParagraph},
    {"br", Layout::kBreak},         {"caption", Layout::kLine},
    {"center", Layout::kLine},      {"dd", Layout::kLine},
    {"div", Layout::kLine},         {"dl", Layout::kLine},
    {"dt", Layout::kLine},          {"fieldset", Layout::kLine},
    {"figcaption", Layout::kLine},  {"figure", Layout::kLine},
    {"footer", Layout::kLine},      {"form", Layout::kLine},
    {"h1", Layout::kParagraph},     {"h2", Layout::kParagraph},
    {"h3", Layout::kParagraph},     {"h4", Layout::kParagraph},
    {"h5", Layout::kParagraph},     {"h6", Layout::kParagraph},
    {"header", Layout::kLine},      {"hr", Layout::kParagraph},
    {"iframe", Layout::kDropContent}, {"li", Layout::kLine},
    {"main", Layout::kLine},        {"nav", Layout::kLine},
    {"noembed", Layout::kDropContent}, {"noframes", Layout::kDropContent},
    {"ol", Layout::kLine},          {"option", Layout::kLine},
    {"p", Layout::kParagraph},      {"pre", Layout::kPre},
    {"script", Layout::kDropContent}, {"section", Layout::kLine},
    {"style", Layout::kDropContent}, {"table", Layout::kParagraph},
    {"td", Layout::kCell},          {"template", Layout::kDropContent},
    {"th", Layout::kCell},          {"title", Layout::kLine},
    {"tr", Layout::kLine},          {"ul", Layout::kLine},
};

Layout LayoutOf(std::string_view lower_name) {
  for (const ElementRule& rule : kRules)
    if (rule.name == lower_name) return rule.layout;
  return Layout::kInline;
}

bool IsHtmlSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool IsAsciiAlnum(char c) { return IsAsciiAlpha(c) || IsAsciiDigit(c); }

// Builds the text: whitespace collapsed, line breaks and cell tabs held back until more
// text follows (so none lead or trail), at most max_out bytes.
class TextWriter {
 public:
  TextWriter(size_t max_out, size_t input_size) : max_out_(max_out) {
    out_.reserve(std::min(max_out, input_size));  // text is rarely longer than its markup
  }

  bool full() const { return full_; }
  std::string Take() { return std::move(out_); }

  // Visible text without whitespace (valid UTF-8).
  void Text(std::string_view text) {
    if (full_ || text.empty()) return;
    FlushSeparator();
    if (full_) return;
    if (out_.size() + text.size() > max_out_) {
      size_t cut = max_out_ - std::min(max_out_, out_.size());
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
      text = text.substr(0, cut);
      full_ = true;
    }
    out_.append(text);
  }
  void Space() { space_ = true; }
  void Tab() { tab_ = true; }
  void Break(int newlines) { newlines_ = std::max(newlines_, newlines); }
  void HardBreak() { newlines_ = std::min(newlines_ + 1, 2); }
  // Whitespace inside <pre>: kept as written.
  void PreformattedSpace(char c) {
    if (c == '\n') {
      HardBreak();
    } else if (c != '\r') {
      if (out_.empty()) return;  // no leading whitespace, even in <pre>
      Text(std::string_view(&c, 1));
    }
  }

 private:
  void FlushSeparator() {
    if (!out_.empty()) {
      if (newlines_ > 0) {
        out_.append(static_cast<size_t>(newlines_), '\n');
      } else if (tab_) {
        out_.push_back('\t');
      } else if (space_) {
        out_.push_back(' ');
      }
      if (out_.size() > max_out_) {  // a separator at the very end is not kept
        out_.resize(max_out_);
        while (!out_.empty() && IsHtmlSpace(out_.back())) out_.pop_back();
        full_ = true;
      }
    }
    newlines_ = 0;
    tab_ = space_ = false;
  }

  std::string out_;
  size_t max_out_;
  bool full_ = false;
  int newlines_ = 0;
  bool tab_ = false;
  bool space_ = false;
};

// One forward scan over the document.
class HtmlScanner {
 public:
  HtmlScanner(std::string_view html, size_t max_out) : s_(html), writer_(max_out, html.size()) {}

  std::string Run() {
    while (pos_ < s_.size() && !writer_.full()) {
      const char c = s_[pos_];
      if (c == '<') {
        Markup();
      } else if (c == '&') {
        Reference();
      } else if (IsHtmlSpace(c)) {
        if (pre_depth_ > 0) {
          writer_.PreformattedSpace(c);
        } else {
          writer_.Space();
        }
        ++pos_;
      } else {
        const size_t begin = pos_;
        while (pos_ < s_.size() && s_[pos_] != '<' && s_[pos_] != '&' && !IsHtmlSpace(s_[pos_]))
          ++pos_;
        writer_.Text(s_.substr(begin, pos_ - begin));
      }
    }
    return writer_.Take();
  }

 private:
  // At '<': a tag, comment, declaration or processing instruction, or a literal '<'.
  void Markup() {
    const std::string_view rest = s_.substr(pos_);
    if (rest.size() > 1 && IsAsciiAlpha(rest[1])) return Tag(pos_ + 1, false);
    if (rest.size() > 2 && rest[1] == '/' && IsAsciiAlpha(rest[2])) return Tag(pos_ + 2, true);
    if (rest.substr(0, 4) == "<!--") return Comment();
    if (rest.substr(0, 3) == "</>") {
      pos_ += 3;
      return;
    }
    if (rest.substr(0, 2) == "<!" || rest.substr(0, 2) == "<?" || rest.substr(0, 2) == "</") {
      SkipPast('>', pos_ + 2);  // bogus comment: DOCTYPE, CDATA, <?xml ...?>, </3>
      return;
    }
    writer_.Text("<");
    ++pos_;
  }

  // <!-- ... --> ("<!-->" and "<!--->" are empty comments; unclosed runs to the end).
  void Comment() {
    const size_t body = pos_ + 4;
    if (s_.substr(body, 1) == ">") {
      pos_ = body + 1;
    } else if (s_.substr(body, 2) == "->") {
      pos_ = body + 2;
    } else {
      const size_t end = s_.find("-->", body);
      pos_ = end == std::string_view::npos ? s_.size() : end + 3;
    }
  }

  // A start or end tag whose name begins at `name_begin`. Attributes are skipped, their
  // quoted values included (a '>' inside quotes does not end the tag).
  void Tag(size_t name_begin, bool end_tag) {
    size_t i = name_begin;
    while (i < s_.size() && !IsHtmlSpace(s_[i]) && s_[i] != '/' && s_[i] != '>') ++i;
    std::string name;
    if (i - name_begin <= kMaxNameLength) {
      for (size_t k = name_begin; k < i; ++k) name.push_back(AsciiLower(s_[k]));
    }
    while (i < s_.size() && s_[i] != '>') {
      if (s_[i] != '=') {
        ++i;
        continue;
      }
      ++i;
      while (i < s_.size() && IsHtmlSpace(s_[i])) ++i;
      if (i < s_.size() && (s_[i] == '"' || s_[i] == '\'')) {
        const size_t close = s_.find(s_[i], i + 1);
        i = close == std::string_view::npos ? s_.size() : close + 1;
      }
    }
    pos_ = std::min(i + 1, s_.size());
    Apply(name, end_tag);
  }

  void Apply(std::string_view name, bool end_tag) {
    switch (LayoutOf(name)) {
      case Layout::kInline:
        break;
      case Layout::kLine:
        writer_.Break(1);
        break;
      case Layout::kParagraph:
        writer_.Break(2);
        break;
      case Layout::kBreak:
        writer_.HardBreak();
        break;
      case Layout::kCell:
        if (!end_tag) writer_.Tab();
        break;
      case Layout::kPre:
        writer_.Break(2);
        if (!end_tag) {
          ++pre_depth_;
        } else if (pre_depth_ > 0) {
          --pre_depth_;
        }
        break;
      case Layout::kDropContent:
        if (!end_tag) SkipToEndTag(name);
        break;
    }
  }

  // Past "</name" + (space, '/' or '>') ... '>', in any case; the end of the input when
  // the element is never closed (as a browser would swallow it).
  void SkipToEndTag(std::string_view name) {
    for (size_t at = s_.find("</", pos_); at != std::string_view::npos; at = s_.find("</", at + 2)) {
      const size_t after = at + 2 + name.size();
      if (after > s_.size()) break;
      bool same = true;
      for (size_t k = 0; k < name.size() && same; ++k) same = AsciiLower(s_[at + 2 + k]) == name[k];
      if (same && (after == s_.size() || IsHtmlSpace(s_[after]) || s_[after] == '/' ||
                   s_[after] == '>')) {
        SkipPast('>', after);
        return;
      }
    }
    pos_ = s_.size();
  }

  void SkipPast(char c, size_t from) {
    const size_t at = s_.find(c, std::min(from, s_.size()));
    pos_ = at == std::string_view::npos ? s_.size() : at + 1;
  }

  // At '&': a character reference, or a literal '&'.
  void Reference() {
    uint32_t cp = 0;
    size_t end = pos_ + 1;
    if (end < s_.size() && s_[end] == '#') {
      cp = NumericReference(&end);
    } else {
      while (end < s_.size() && end - pos_ <= kMaxNameLength && IsAsciiAlnum(s_[end])) ++end;
      const std::string_view name = s_.substr(pos_ + 1, end - pos_ - 1);
      if (end < s_.size() && s_[end] == ';') {
        cp = LookupHtmlEntity(name);
        ++end;
      } else if (name == "amp" || name == "lt" || name == "gt" || name == "quot" ||
                 name == "nbsp" || name == "copy" || name == "reg") {
        cp = LookupHtmlEntity(name);  // legacy references allowed without ';'
      }
    }
    if (cp == 0) {
      writer_.Text("&");
      ++pos_;
      return;
    }
    pos_ = end;
    const bool space = cp == 0xA0 || (cp < 0x80 && IsHtmlSpace(static_cast<char>(cp)));
    if (space) {  // &nbsp; collapses like a space: it separates words for search
      if (pre_depth_ > 0 && cp != 0xA0) {
        writer_.PreformattedSpace(static_cast<char>(cp));
      } else {
        writer_.Space();
      }
      return;
    }
    std::string utf8;
    AppendUtf8CodePoint(cp, &utf8);
    writer_.Text(utf8);
  }

  // "&#123;" or "&#x7B;" (';' optional) at pos_; *end past it. 0 when no digits follow.
  uint32_t NumericReference(size_t* end) {
    size_t i = pos_ + 2;
    const bool hex = i < s_.size() && (s_[i] == 'x' || s_[i] == 'X');
    if (hex) ++i;
    const size_t digits_begin = i;
    uint32_t value = 0;
    for (; i < s_.size(); ++i) {
      const char c = s_[i];
      int digit;
      if (IsAsciiDigit(c)) {
        digit = c - '0';
      } else if (hex && (AsciiLower(c) >= 'a' && AsciiLower(c) <= 'f')) {
        digit = AsciiLower(c) - 'a' + 10;
      } else {
        break;
      }
      value = std::min<uint32_t>(value * (hex ? 16 : 10) + static_cast<uint32_t>(digit), 0x110000);
    }
    if (i == digits_begin) return 0;
    if (i < s_.size() && s_[i] == ';') ++i;
    *end = i;
    if (value >= 0x80 && value < 0xA0) return Windows1252ToCodePoint(static_cast<unsigned char>(value));
    if (value == 0 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0xFFFD;
    return value;
  }

  std::string_view s_;
  size_t pos_ = 0;
  int pre_depth_ = 0;
  TextWriter writer_;
};

}  // namespace

std::string HtmlToText(std::string_view html, size_t max_out) {
  if (IsValidUtf8(html)) return HtmlScanner(html, max_out).Run();
  std::string repaired;
  AppendUtf8Repaired(html, &repaired);
  return HtmlScanner(repaired, max_out).Run();
}

}  // namespace chainmail
