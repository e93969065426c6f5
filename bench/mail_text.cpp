#include "bench/mail_text.h"

#include <cstdio>

#include "archive/format/bytes.h"
#include "bench/charset_encoder.h"

namespace chainmail::bench {
namespace {

bool IsCjk(Script s) { return s == Script::kJapanese || s == Script::kChinese; }

bool Chance(std::mt19937_64& rng, unsigned percent) { return rng() % 1000 < percent * 10; }

// Code points in UTF-8 text (its lead bytes).
size_t Columns(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string Accented(const std::string& word) {
  std::string out;
  for (char c : word) {
    switch (c) {
      case 'a': out += "á"; break;
      case 'e': out += "é"; break;
      case 'i': out += "í"; break;
      case 'o': out += "ó"; break;
      case 'u': out += "ü"; break;
      default: out += c;
    }
  }
  return out;
}

// The first letter in upper case (ASCII and basic Cyrillic: а..я -> А..Я).
std::string Capitalised(std::string w) {
  if (!w.empty() && w[0] >= 'a' && w[0] <= 'z') {
    w[0] = static_cast<char>(w[0] - 'a' + 'A');
  } else if (w.size() >= 2 && static_cast<unsigned char>(w[0]) == 0xD0 && static_cast<unsigned char>(w[1]) >= 0xB0) {
    w[1] = static_cast<char>(static_cast<unsigned char>(w[1]) - 0x20);  // а..п
  } else if (w.size() >= 2 && static_cast<unsigned char>(w[0]) == 0xD1 && static_cast<unsigned char>(w[1]) <= 0x8F) {
    w[0] = static_cast<char>(0xD0);  // р..я (D1 80..8F) -> Р..Я (D0 A0..AF)
    w[1] = static_cast<char>(static_cast<unsigned char>(w[1]) + 0x20);
  }
  return w;
}

std::string Word(const ZipfVocabulary& v, const TextStyle& style, std::mt19937_64& rng) {
  const size_t rank = v.Draw(rng);
  const std::string& w = v.Word(rank, style.script);
  return style.accents && rank % 5 == 0 ? Accented(w) : w;
}

std::string Number(std::mt19937_64& rng) {
  char buf[32];
  switch (rng() % 4) {
    case 0: std::snprintf(buf, sizeof buf, "%u", static_cast<unsigned>(rng() % 100)); break;
    case 1: std::snprintf(buf, sizeof buf, "%u,%03u.%02u", static_cast<unsigned>(rng() % 90 + 1),
                          static_cast<unsigned>(rng() % 1000), static_cast<unsigned>(rng() % 100)); break;
    case 2: std::snprintf(buf, sizeof buf, "#%u", static_cast<unsigned>(10000 + rng() % 90000)); break;
    default: std::snprintf(buf, sizeof buf, "%u/%u/20%02u", static_cast<unsigned>(rng() % 12 + 1),
                           static_cast<unsigned>(rng() % 28 + 1), static_cast<unsigned>(rng() % 6 + 20));
  }
  return buf;
}

}  // namespace

std::vector<Paragraph> MakeParagraphs(const ZipfVocabulary& v, const TextStyle& style, size_t words,
                                      std::mt19937_64& rng) {
  const bool cjk = IsCjk(style.script);
  const char* comma = style.script == Script::kJapanese ? "、" : style.script == Script::kChinese ? "，" : ",";
  const char* stop = cjk ? "。" : ".";
  std::vector<Paragraph> out;
  size_t sentences_left = 0;
  while (words > 0) {
    if (sentences_left == 0) {
      out.emplace_back();
      sentences_left = 1 + rng() % 5;
    }
    Paragraph& p = out.back();
    const size_t n = std::min<size_t>(words, 4 + rng() % 14);
    for (size_t i = 0; i < n; ++i) {
      std::string w = Chance(rng, 4) ? Number(rng) : Word(v, style, rng);
      if (i == 0 && !cjk) w = Capitalised(std::move(w));
      if (style.smart_quotes && Chance(rng, 2)) w = "“" + w + "”";
      if (style.smart_quotes && Chance(rng, 1)) w = "€" + Number(rng) + " –";
      if (i + 1 == n) w += Chance(rng, 10) && !cjk ? "?" : stop;
      else if (Chance(rng, 6)) w += comma;
      p.push_back(std::move(w));
    }
    words -= n;
    --sentences_left;
  }
  return out;
}

std::string MakePhrase(const ZipfVocabulary& v, const TextStyle& style, size_t words, std::mt19937_64& rng,
                       const char* separator) {
  std::string out;
  for (size_t i = 0; i < words; ++i) {
    if (i && !IsCjk(style.script)) out += separator;
    out += i == 0 ? Capitalised(Word(v, style, rng)) : Word(v, style, rng);
  }
  return out;
}

std::string PlainText(const std::vector<Paragraph>& paragraphs, Script script, std::string_view quote) {
  const bool cjk = IsCjk(script);
  const size_t width = cjk ? 36 : 72;
  std::string out, line;
  auto flush = [&] {
    out.append(quote).append(line).append("\r\n");
    line.clear();
  };
  for (size_t p = 0; p < paragraphs.size(); ++p) {
    if (p) out.append(quote).append("\r\n");
    size_t columns = 0;
    for (const std::string& piece : paragraphs[p]) {
      const size_t c = Columns(piece);
      if (columns && columns + c + !cjk > width) {
        flush();
        columns = 0;
      }
      if (columns && !cjk) line += ' ', ++columns;
      line += piece;
      columns += c;
    }
    if (!line.empty()) flush();
  }
  return out;
}

std::string HtmlText(const std::vector<Paragraph>& paragraphs, Script script, std::string_view charset,
                     std::mt19937_64& rng) {
  const bool cjk = IsCjk(script);
  const bool outlook = rng() % 2;
  std::string out = "<html><head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=";
  out.append(charset).append("\">\r\n");
  if (outlook) {
    out += "<style><!--\r\n/* Font Definitions */\r\n@font-face\r\n\t{font-family:\"Cambria Math\";\r\n"
           "\tpanose-1:2 4 5 3 5 4 6 3 2 4;}\r\n@font-face\r\n\t{font-family:Calibri;\r\n"
           "\tpanose-1:2 15 5 2 2 2 4 3 2 4;}\r\n/* Style Definitions */\r\n"
           "p.MsoNormal, li.MsoNormal, div.MsoNormal\r\n\t{margin:0cm;\r\n\tfont-size:11.0pt;\r\n"
           "\tfont-family:\"Calibri\",sans-serif;}\r\na:link, span.MsoHyperlink\r\n\t{mso-style-priority:99;\r\n"
           "\tcolor:#0563C1;\r\n\ttext-decoration:underline;}\r\nspan.EmailStyle17\r\n\t{mso-style-type:personal-compose;\r\n"
           "\tfont-family:\"Calibri\",sans-serif;\r\n\tcolor:windowtext;}\r\n.MsoChpDefault\r\n"
           "\t{mso-style-type:export-only;\r\n\tfont-family:\"Calibri\",sans-serif;}\r\n"
           "@page WordSection1\r\n\t{size:612.0pt 792.0pt;\r\n\tmargin:72.0pt 72.0pt 72.0pt 72.0pt;}\r\n"
           "div.WordSection1\r\n\t{page:WordSection1;}\r\n--></style>\r\n";
    out += "</head><body lang=\"EN-US\" link=\"#0563C1\" vlink=\"#954F72\" style=\"word-wrap:break-word\">\r\n"
           "<div class=\"WordSection1\">\r\n";
  } else {
    out += "</head><body><div dir=\"ltr\">\r\n";
  }
  for (const Paragraph& p : paragraphs) {
    out += outlook ? "<p class=\"MsoNormal\">" : "<div>";
    size_t columns = 0;
    for (size_t i = 0; i < p.size(); ++i) {
      std::string piece = p[i];
      const unsigned r = rng() % 100;
      if (r < 3) piece = "<b>" + piece + "</b>";
      else if (r < 5) piece = "<a href=\"https://www.example.com/l/" + std::to_string(rng() % 1000000) + "?utm_source=mail\">" + piece + "</a>";
      else if (r < 6) piece = "<span style=\"color:#1F497D\">" + piece + "</span>";
      if (i && !cjk) piece.insert(0, r % 7 == 0 ? "&nbsp;" : " ");
      // Wrap at spaces (and, in CJK text, after sentence ends) so no line nears 998 bytes.
      if (columns > 70 && (piece[0] == ' ' || cjk)) {
        out += "\r\n";
        columns = 0;
      }
      out += piece;
      columns += Columns(piece);
    }
    out += outlook ? "<o:p></o:p></p>\r\n" : "</div>\r\n<div><br></div>\r\n";
  }
  out += outlook ? "</div>\r\n</body></html>\r\n" : "</div></body></html>\r\n";
  return out;
}

std::string QuotedPrintable(std::string_view bytes) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 4);
  size_t col = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c == '\r' && i + 1 < bytes.size() && bytes[i + 1] == '\n') {
      out += "\r\n";
      ++i;
      col = 0;
      continue;
    }
    const bool at_eol = i + 1 == bytes.size() || bytes[i + 1] == '\r';
    const bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_eol);
    const size_t width = literal ? 1 : 3;
    if (col + width > 75) {
      out += "=\r\n";
      col = 0;
    }
    if (literal) {
      out += static_cast<char>(c);
    } else {
      out += '=';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
    col += width;
  }
  return out;
}

std::string Base64Lines(std::string_view bytes) {
  const std::string b64 = Base64Encode(bytes);
  std::string out;
  out.reserve(b64.size() + b64.size() / 38 + 2);
  for (size_t i = 0; i < b64.size(); i += 76) out.append(b64, i, 76).append("\r\n");
  return out;
}

std::string EncodedWords(std::string_view utf8, const char* label, const char* iconv_charset, bool q) {
  bool ascii = true;
  for (unsigned char c : utf8) ascii &= c >= 32 && c < 127;
  if (ascii) return std::string(utf8);
  // Chunks of whole characters, each converted on its own (so an ISO-2022-JP word ends
  // in ASCII, as RFC 2047 requires) and short enough for a 75-character word.
  const std::string prefix = std::string("=?") + label + (q ? "?Q?" : "?B?");
  const size_t max_chars = q ? 12 : 10;
  std::string out;
  size_t start = 0;
  while (start < utf8.size()) {
    size_t end = start, chars = 0;
    while (end < utf8.size() && chars < max_chars) {
      ++end;
      while (end < utf8.size() && (static_cast<unsigned char>(utf8[end]) & 0xC0) == 0x80) ++end;
      ++chars;
    }
    std::string bytes;
    if (!EncodeCharset(iconv_charset, utf8.substr(start, end - start), &bytes)) bytes = "?";
    std::string word = prefix;
    if (q) {
      static const char kHex[] = "0123456789ABCDEF";
      for (unsigned char c : bytes) {
        if (c == ' ') word += '_';
        else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) word += static_cast<char>(c);
        else word += '=', word += kHex[c >> 4], word += kHex[c & 15];
      }
    } else {
      word += Base64Encode(bytes);
    }
    word += "?=";
    if (!out.empty()) out += "\r\n ";
    out += word;
    start = end;
  }
  return out;
}

std::string Rfc2231Value(std::string_view bytes, const char* label) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out = std::string(label) + "''";
  for (unsigned char c : bytes) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
        c == '-')
      out += static_cast<char>(c);
    else
      out += '%', out += kHex[c >> 4], out += kHex[c & 15];
  }
  return out;
}

}  // namespace chainmail::bench
