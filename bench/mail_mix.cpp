#include "bench/mail_mix.h"

#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string_view>

#include "archive/format/bytes.h"
#include "bench/charset_encoder.h"
#include "bench/mail_text.h"

namespace chainmail::bench {
namespace {

struct Profile {
  const char* label;     // the charset parameter
  const char* iconv;     // how the bytes are made
  const char* encoding;  // Content-Transfer-Encoding of text parts
  Script script;
  bool accents, smart_quotes;
  unsigned weight;  // percent of messages
};
constexpr Profile kProfiles[] = {
    {"us-ascii", "US-ASCII", "7bit", Script::kLatin, false, false, 15},
    {"utf-8", "UTF-8", "quoted-printable", Script::kLatin, false, true, 25},
    {"utf-8", "UTF-8", "8bit", Script::kLatin, false, true, 15},
    {"utf-8", "UTF-8", "base64", Script::kLatin, false, true, 5},
    {"iso-8859-1", "ISO-8859-1", "quoted-printable", Script::kLatin, true, false, 10},
    {"windows-1252", "CP1252", "quoted-printable", Script::kLatin, true, true, 8},
    {"iso-2022-jp", "ISO-2022-JP", "7bit", Script::kJapanese, false, false, 6},
    {"shift_jis", "SHIFT_JIS", "base64", Script::kJapanese, false, false, 3},
    {"koi8-r", "KOI8-R", "8bit", Script::kCyrillic, false, false, 6},
    {"gb18030", "GB18030", "base64", Script::kChinese, false, false, 4},
    {"gb2312", "GB18030", "base64", Script::kChinese, false, false, 3},
};

struct Structure {
  const char* name;
  unsigned weight;
};
constexpr Structure kStructures[] = {
    {"plain", 42}, {"alternative", 36}, {"html", 5}, {"attachments", 13}, {"forward", 4}};

struct AttachmentType {
  const char* type;
  const char* extension;
  std::string_view magic;
  unsigned weight;
};
constexpr AttachmentType kAttachmentTypes[] = {
    {"application/pdf", ".pdf", std::string_view("%PDF-1.5\n%\xe2\xe3\xcf\xd3\n", 15), 45},
    {"image/png", ".png", std::string_view("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16), 20},
    {"image/jpeg", ".jpg", std::string_view("\xff\xd8\xff\xe0\0\x10JFIF\0", 11), 10},
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx",
     std::string_view("PK\x03\x04\x14\0\x06\0", 8), 15},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx",
     std::string_view("PK\x03\x04\x14\0\x06\0", 8), 10},
};

// Real non-ASCII words some Latin file names start with.
constexpr const char* kAccentedNames[] = {"Überweisung", "Réunion", "Präsentation", "Angebot_für", "Résumé",
                                          "Año_fiscal", "Größe"};

template <class T, size_t N>
const T& Pick(const T (&table)[N], std::mt19937_64& rng) {
  unsigned r = rng() % 100;
  for (const T& t : table) {
    if (r < t.weight) return t;
    r -= t.weight;
  }
  return table[N - 1];
}

uint64_t SplitMix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

size_t Lognormal(std::mt19937_64& rng, double median, double sigma, size_t lo, size_t hi) {
  const double x = median * std::exp(sigma * std::normal_distribution<double>(0, 1)(rng));
  return std::clamp(static_cast<size_t>(x), lo, hi);
}

std::string RfcDate(int64_t us) {
  const time_t t = static_cast<time_t>(us / 1000000);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    const uint64_t r = rng();
    for (size_t k = 0; k < 8 && i + k < n; ++k) s[i + k] = static_cast<char>(r >> (8 * k));
  }
  return s;
}

std::string Hex(std::mt19937_64& rng, size_t digits) {
  std::string s = ToHex(RandomBytes(rng, (digits + 1) / 2));
  s.resize(digits);
  return s;
}

TextStyle StyleOf(const Profile& p) { return TextStyle{p.script, p.accents, p.smart_quotes}; }

struct Person {
  std::string name;     // UTF-8 display name
  std::string address;  // ASCII addr-spec
};

// Person k of 20,000: the first 2,000 work at corp.example (senders mostly), the rest at
// 97 partner domains. Names in the profile's script, addresses always Latin.
Person PersonAt(const ZipfVocabulary& v, size_t k, const TextStyle& style) {
  const size_t first = 100 + (k * 7919) % 9900, last = 10000 + (k * 104729) % 40000;
  const std::string f = v.Word(first, Script::kLatin), l = v.Word(last, Script::kLatin);
  const std::string domain = k < 2000 ? "corp.example" : "partner" + std::to_string(k % 97) + ".example";
  Person p;
  p.address = f + "." + l + "@" + domain;
  if (style.script == Script::kLatin) {
    p.name = v.Word(first, Script::kLatin) + " " + v.Word(last, Script::kLatin);
    p.name[0] = static_cast<char>(p.name[0] - 'a' + 'A');
    p.name[f.size() + 1] = static_cast<char>(p.name[f.size() + 1] - 'a' + 'A');
  } else {
    p.name = v.Word(last, style.script) + (style.script == Script::kCyrillic ? " " : "") + v.Word(first, style.script);
  }
  return p;
}

std::string Mailbox(const Person& p, const Profile& profile) {
  const bool q = profile.script == Script::kLatin;
  const std::string name = EncodedWords(p.name, profile.label, profile.iconv, q);
  return (name == p.name ? "\"" + name + "\"" : name) + " <" + p.address + ">";
}

// Text in the profile's charset and transfer encoding; `utf8` has CRLF line ends.
std::string EncodeBody(const Profile& p, const std::string& utf8) {
  std::string bytes;
  if (p.script == Script::kLatin && std::string_view(p.iconv) == "UTF-8") {
    bytes = utf8;
  } else if (std::string_view(p.iconv) == "ISO-2022-JP") {
    // Line by line, so that every line ends in ASCII as RFC 1468 requires.
    for (size_t start = 0; start < utf8.size();) {
      size_t end = utf8.find("\r\n", start);
      end = end == std::string::npos ? utf8.size() : end + 2;
      EncodeCharset(p.iconv, std::string_view(utf8).substr(start, end - start), &bytes);
      start = end;
    }
  } else {
    EncodeCharset(p.iconv, utf8, &bytes);
  }
  const std::string_view cte = p.encoding;
  if (cte == "quoted-printable") return QuotedPrintable(bytes);
  if (cte == "base64") return Base64Lines(bytes);
  return bytes;
}

std::string TextEntity(const Profile& p, const char* subtype, const std::string& utf8) {
  return std::string("Content-Type: text/") + subtype + "; charset=\"" + p.label + "\"\r\nContent-Transfer-Encoding: " +
         p.encoding + "\r\n\r\n" + EncodeBody(p, utf8);
}

std::string Boundary(std::mt19937_64& rng) {
  switch (rng() % 3) {
    case 0: return "----=_Part_" + std::to_string(rng() % 1000000) + "_" + std::to_string(rng() % 1000000000);
    case 1: return "000000000000" + Hex(rng, 16);
    default: return "_000_" + Hex(rng, 24) + "_";
  }
}

std::string Multipart(const char* subtype, const std::vector<std::string>& children, std::mt19937_64& rng) {
  const std::string b = Boundary(rng);
  std::string out = std::string("Content-Type: multipart/") + subtype + ";\r\n\tboundary=\"" + b + "\"\r\n\r\n";
  if (rng() % 2) out += "This is a multi-part message in MIME format.\r\n\r\n";
  for (const std::string& c : children) {
    out += "--" + b + "\r\n" + c;
    if (c.size() < 2 || c.compare(c.size() - 2, 2, "\r\n") != 0) out += "\r\n";
  }
  out += "--" + b + "--\r\n";
  return out;
}

// The file name's parameters for Content-Type (name) and Content-Disposition (filename).
std::pair<std::string, std::string> NameParameters(const std::string& name, const Profile& p, std::mt19937_64& rng) {
  bool ascii = true;
  for (unsigned char c : name) ascii &= c < 128;
  if (ascii) return {"name=\"" + name + "\"", "filename=\"" + name + "\""};
  const unsigned r = rng() % 10;
  if (r < 7) {
    std::string bytes = name, latin1;
    const char* label = "utf-8";
    if (std::string_view(p.iconv) == "ISO-8859-1" && rng() % 2 && EncodeCharset("ISO-8859-1", name, &latin1)) {
      bytes = latin1;
      label = "iso-8859-1";
    }
    const std::string value = Rfc2231Value(bytes, label);
    if (r < 5) return {"name*=" + value, "filename*=" + value};
    // Continuations: pieces of at most 40 characters, never cutting a %XX.
    std::string params;
    size_t start = 0;
    for (int n = 0; start < value.size(); ++n) {
      size_t end = std::min(value.size(), start + 40);
      while (end < value.size() && (value[end - 1] == '%' || (end >= 2 && value[end - 2] == '%'))) --end;
      params += (n ? ";\r\n\t" : "") + std::string("filename*") + std::to_string(n) + "*=" + value.substr(start, end - start);
      start = end;
    }
    return {"name*=" + value, params};
  }
  // RFC 2047 inside a quoted string: not allowed by the RFC, written by many clients.
  std::string words = EncodedWords(name, "UTF-8", "UTF-8", false);
  for (size_t at; (at = words.find("\r\n ")) != std::string::npos;) words.replace(at, 3, " ");
  return {"name=\"" + words + "\"", "filename=\"" + words + "\""};
}

std::string AttachmentEntity(const ZipfVocabulary& v, const Profile& p, std::mt19937_64& rng) {
  const AttachmentType& t = Pick(kAttachmentTypes, rng);
  TextStyle style = StyleOf(p);
  style.smart_quotes = false;
  std::string name = MakePhrase(v, style, 1 + rng() % 3, rng, "_");
  if (p.script == Script::kLatin && rng() % 4 == 0)
    name = std::string(kAccentedNames[rng() % std::size(kAccentedNames)]) + "_" + name;
  if (rng() % 3 == 0) name += "_20" + std::to_string(20 + rng() % 6);
  name += t.extension;
  const auto [type_param, disposition_param] = NameParameters(name, p, rng);
  const size_t size = Lognormal(rng, 10000, 1.3, 300, 700000);
  std::string content(t.magic);
  content += RandomBytes(rng, size - std::min(size, content.size()));
  return std::string("Content-Type: ") + t.type + ";\r\n\t" + type_param + "\r\nContent-Disposition: attachment;\r\n\t" +
         disposition_param + "\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Base64Lines(content);
}

// The readable content of a message: plain text, or HTML, or both as an alternative.
std::string ContentEntity(const ZipfVocabulary& v, const Profile& p, const char* kind, const Person& from,
                          int64_t date_us, std::mt19937_64& rng) {
  const TextStyle style = StyleOf(p);
  std::vector<Paragraph> paragraphs = MakeParagraphs(v, style, Lognormal(rng, 140, 0.9, 3, 20000), rng);
  std::string plain = PlainText(paragraphs, p.script);
  plain += "\r\n-- \r\n" + from.name + "\r\n" + MakePhrase(v, style, 2 + rng() % 3, rng) + "\r\n+1 555 01" +
           std::to_string(10 + rng() % 90) + "\r\n";
  if (rng() % 10 < 3) {
    std::vector<Paragraph> quoted = MakeParagraphs(v, style, Lognormal(rng, 120, 1.0, 3, 20000), rng);
    plain += "\r\nOn " + RfcDate(date_us - static_cast<int64_t>(rng() % 864000) * 1000000) + ", " + from.address +
             " wrote:\r\n" + PlainText(quoted, p.script, "> ");
    paragraphs.insert(paragraphs.end(), quoted.begin(), quoted.end());
  }
  const std::string_view k = kind;
  if (k == "plain") return TextEntity(p, "plain", plain);
  const std::string html = HtmlText(paragraphs, p.script, p.label, rng);
  if (k == "html") return TextEntity(p, "html", html);
  return Multipart("alternative", {TextEntity(p, "plain", plain), TextEntity(p, "html", html)}, rng);
}

struct Envelope {
  Person from;
  std::vector<Person> to, cc;
};

Envelope MakeEnvelope(const ZipfVocabulary& v, const TextStyle& style, std::mt19937_64& rng) {
  Envelope e;
  const auto person = [&](bool internal) {
    return PersonAt(v, internal ? rng() % 2000 : 2000 + rng() % 18000, style);
  };
  const bool inbound = rng() % 10 < 4;
  e.from = person(!inbound);
  const size_t to = 1 + (rng() % 10 < 7 ? 0 : rng() % 4);
  for (size_t i = 0; i < to; ++i) e.to.push_back(person(inbound || rng() % 2));
  if (rng() % 10 < 3)
    for (size_t i = 0, n = 1 + rng() % 3; i < n; ++i) e.cc.push_back(person(rng() % 2));
  return e;
}

std::string AddressList(const std::vector<Person>& people, const Profile& p) {
  std::string out;
  for (const Person& x : people) out += (out.empty() ? "" : ",\r\n\t") + Mailbox(x, p);
  return out;
}

std::string MessageHeaders(const ZipfVocabulary& v, const Profile& p, const Envelope& e, uint64_t i,
                           int64_t date_us, bool delivered, std::mt19937_64& rng) {
  const std::string date = RfcDate(date_us);
  const std::string domain = e.from.address.substr(e.from.address.find('@') + 1);
  std::string h;
  if (delivered) {
    h += "Return-Path: <" + e.from.address + ">\r\n";
    const std::string host = "mail-" + Hex(rng, 6) + "." + domain;
    h += "Received: from " + host + " (" + host +
         " [198.51.100." + std::to_string(rng() % 254 + 1) + "])\r\n\tby mx1.corp.example (Postfix) with ESMTPS id " +
         Hex(rng, 10) + "\r\n\tfor <" + e.to.front().address + ">; " + date + "\r\n";
    for (size_t n = rng() % 3; n > 0; --n)
      h += "Received: from [10.0." + std::to_string(rng() % 256) + "." + std::to_string(rng() % 256) +
           "] (unknown [10.0.0." + std::to_string(rng() % 256) + "])\r\n\tby smtp." + domain +
           " (Postfix) with ESMTPSA id " + Hex(rng, 12) + ";\r\n\t" + date + "\r\n";
    if (rng() % 10 < 6) {
      const std::string b = Base64Encode(RandomBytes(rng, 256));
      h += "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=" + domain + "; s=sel" +
           std::to_string(rng() % 4) + ";\r\n\th=from:to:subject:date:message-id:mime-version;\r\n\tbh=" +
           Base64Encode(RandomBytes(rng, 32)) + ";\r\n\tb=";
      for (size_t k = 0; k < b.size(); k += 72) h += (k ? "\r\n\t " : "") + b.substr(k, 72);
      h += "\r\n";
    }
  }
  h += "From: " + Mailbox(e.from, p) + "\r\n";
  h += "To: " + AddressList(e.to, p) + "\r\n";
  if (!e.cc.empty()) h += "Cc: " + AddressList(e.cc, p) + "\r\n";
  const TextStyle style = StyleOf(p);
  std::string subject = MakePhrase(v, TextStyle{style.script, style.accents, false}, 3 + rng() % 7, rng);
  const bool reply = rng() % 10 < 3;
  if (reply) subject = (rng() % 2 ? "Re: " : rng() % 2 ? "RE: " : "AW: ") + subject;
  h += "Subject: " + EncodedWords(subject, p.label, p.iconv, p.script == Script::kLatin) + "\r\n";
  h += "Date: " + date + "\r\n";
  h += "Message-ID: <" + std::to_string(i) + "." + Hex(rng, 12) + "@" + domain + ">\r\n";
  if (reply) h += "In-Reply-To: <" + Hex(rng, 20) + "@" + domain + ">\r\n";
  h += "MIME-Version: 1.0\r\n";
  switch (rng() % 3) {
    case 0: h += "X-Mailer: Microsoft Outlook 16.0\r\nThread-Index: " + Base64Encode(RandomBytes(rng, 22)) + "\r\n"; break;
    case 1: h += "User-Agent: Mozilla Thunderbird\r\n"; break;
    default: break;
  }
  return h;
}

}  // namespace

MailMix::MailMix(uint64_t seed) : seed_(seed), vocabulary_(seed) {}

GeneratedMail MailMix::Generate(uint64_t i, int64_t date_us) const {
  std::mt19937_64 rng(SplitMix(seed_ ^ SplitMix(i)));
  const Profile& p = Pick(kProfiles, rng);
  const Structure& s = Pick(kStructures, rng);
  const Envelope e = MakeEnvelope(vocabulary_, StyleOf(p), rng);
  GeneratedMail m;
  m.structure = s.name;
  m.charset = p.label;
  m.mail_from = e.from.address;
  for (const Person& x : e.to) m.rcpt_to.push_back(x.address);
  for (const Person& x : e.cc) m.rcpt_to.push_back(x.address);
  m.bytes = MessageHeaders(vocabulary_, p, e, i, date_us, true, rng);
  const std::string_view kind = s.name;
  if (kind == "attachments") {
    std::vector<std::string> children{ContentEntity(vocabulary_, p, rng() % 2 ? "plain" : "alternative", e.from, date_us, rng)};
    const unsigned r = rng() % 100;
    const size_t n = r < 70 ? 1 : r < 90 ? 2 : r < 97 ? 3 : 4;
    for (size_t k = 0; k < n; ++k) children.push_back(AttachmentEntity(vocabulary_, p, rng));
    m.bytes += Multipart("mixed", children, rng);
  } else if (kind == "forward") {
    const Envelope inner = MakeEnvelope(vocabulary_, StyleOf(p), rng);
    const int64_t inner_date = date_us - static_cast<int64_t>(rng() % (30 * 86400)) * 1000000;
    std::string original = MessageHeaders(vocabulary_, p, inner, i, inner_date, false, rng) +
                           ContentEntity(vocabulary_, p, rng() % 2 ? "plain" : "alternative", inner.from, inner_date, rng);
    std::vector<Paragraph> note = MakeParagraphs(vocabulary_, StyleOf(p), 5 + rng() % 30, rng);
    m.bytes += Multipart("mixed",
                         {TextEntity(p, "plain", PlainText(note, p.script)),
                          "Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n" + original},
                         rng);
  } else {
    m.bytes += ContentEntity(vocabulary_, p, s.name, e.from, date_us, rng);
  }
  return m;
}

}  // namespace chainmail::bench
