#include "archive/mime/charset.h"

#include <iconv.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "archive/mime/ascii.h"
#include "archive/format/utf8.h"

namespace chainmail {
namespace {

constexpr size_t kMaxCharsetName = 64;
const iconv_t kNoDescriptor = reinterpret_cast<iconv_t>(-1);

bool IsCharsetNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == ':' || c == '+';
}

// Per-thread cache of iconv descriptors "charset -> UTF-8", including failed opens (so an
// unknown charset repeated in every message does not hit iconv_open each time). Room for
// every charset real mail mixes: closing the last descriptor of a glibc charset module
// unloads it, and a cache cycling through more charsets than it holds made extraction
// ~28x slower (dlopen/munmap per message).
class IconvCache {
 public:
  IconvCache() = default;
  IconvCache(const IconvCache&) = delete;
  IconvCache& operator=(const IconvCache&) = delete;
  ~IconvCache() {
    for (Entry& e : entries_)
      if (e.descriptor != kNoDescriptor) iconv_close(e.descriptor);
  }

  // The descriptor for `charset` (already validated), reset to its initial shift state;
  // kNoDescriptor when iconv does not know the charset.
  iconv_t Get(std::string_view charset) {
    for (Entry& e : entries_) {
      if (e.used && EqualsIgnoreCase(e.name, charset)) {
        if (e.descriptor != kNoDescriptor) iconv(e.descriptor, nullptr, nullptr, nullptr, nullptr);
        return e.descriptor;
      }
    }
    Entry& e = entries_[next_victim_];
    next_victim_ = (next_victim_ + 1) % entries_.size();
    if (e.descriptor != kNoDescriptor) iconv_close(e.descriptor);
    e.used = true;
    e.name.assign(charset);
    e.descriptor = iconv_open("UTF-8", e.name.c_str());
    return e.descriptor;
  }

 private:
  struct Entry {
    bool used = false;
    std::string name;
    iconv_t descriptor = kNoDescriptor;
  };
  std::array<Entry, 32> entries_;
  size_t next_victim_ = 0;
};

IconvCache& ThreadIconvCache() {
  thread_local IconvCache cache;
  return cache;
}

// Names mail uses that glibc does not know, or knows as a narrower charset than the one
// senders actually use: each target reads the name's text as its senders meant it and
// also accepts what their software writes beyond it (the Windows code pages).
struct CharsetAlias {
  std::string_view name;
  std::string_view target;
};
constexpr CharsetAlias kAliases[] = {
    {"latin-1", "ISO-8859-1"},      {"iso8859-1", "ISO-8859-1"},
    {"iso_8859-1", "ISO-8859-1"},   {"l1", "ISO-8859-1"},
    {"unicode-1-1-utf-8", "UTF-8"}, {"x-unicode20-utf8", "UTF-8"},
    {"unicode-1-1-utf-7", "UTF-7"}, {"x-unicode20-utf7", "UTF-7"},
    // glibc SHIFT_JIS reads 0x5C as YEN SIGN and lacks the NEC/IBM rows Windows writes.
    {"shift_jis", "CP932"},         {"shift-jis", "CP932"},
    {"sjis", "CP932"},              {"x-sjis", "CP932"},
    {"ms_kanji", "CP932"},          {"csshiftjis", "CP932"},
    {"windows-31j", "CP932"},       {"x-ms-cp932", "CP932"},
    {"iso-2022-jp", "ISO-2022-JP-2"},  // + half-width katakana (ESC ( I), common in practice
    {"csiso2022jp", "ISO-2022-JP-2"},
    {"x-euc-jp", "EUC-JP"},
    {"gb2312", "GB18030"},          {"csgb2312", "GB18030"},
    {"euc-cn", "GB18030"},          {"x-euc-cn", "GB18030"},
    {"gbk", "GB18030"},             {"x-gbk", "GB18030"},
    {"cp936", "GB18030"},           {"windows-936", "GB18030"},
    {"ks_c_5601-1987", "CP949"},    {"ks_c_5601", "CP949"},
    {"ksc5601", "CP949"},           {"ksc_5601", "CP949"},
    {"euc-kr", "CP949"},            {"x-euc-kr", "CP949"},
    {"windows-949", "CP949"},       {"x-windows-949", "CP949"},
    {"x-x-big5", "BIG5"},           {"cn-big5", "BIG5"},
    {"iso-8859-8-i", "ISO-8859-8"}, {"iso-8859-8-e", "ISO-8859-8"},
    {"iso-8859-6-i", "ISO-8859-6"}, {"iso-8859-6-e", "ISO-8859-6"},
    {"tis-620", "CP874"},           {"iso-8859-11", "CP874"},
    {"x-cp1250", "CP1250"},         {"x-cp1251", "CP1251"},
};

// The name with its RFC 2231 "*language" suffix removed and aliases applied, or "" when
// it must not reach iconv_open.
std::string_view UsableCharsetName(std::string_view charset) {
  charset = ResolveCharsetAlias(charset);
  if (charset.empty() || charset.size() > kMaxCharsetName) return {};
  for (char c : charset)
    if (!IsCharsetNameChar(c)) return {};
  return charset;
}

bool ConvertWithIconv(iconv_t cd, std::string_view bytes, std::string* out) {
  const size_t start = out->size();
  out->resize(start + bytes.size() * 2 + 16);
  char* in = const_cast<char*>(bytes.data());  // iconv's signature; input is not written
  size_t in_left = bytes.size();
  size_t written = start;
  bool flushing = false;  // after the input: emit the closing shift sequence, if any
  for (;;) {
    char* dst = out->data() + written;
    size_t out_left = out->size() - written;
    const size_t rc = flushing ? iconv(cd, nullptr, nullptr, &dst, &out_left)
                               : iconv(cd, &in, &in_left, &dst, &out_left);
    written = out->size() - out_left;
    if (rc != static_cast<size_t>(-1)) {
      if (flushing) break;
      flushing = true;
      continue;
    }
    if (errno != E2BIG) {  // EILSEQ: invalid input; EINVAL: truncated input
      out->resize(start);
      return false;
    }
    out->resize(out->size() * 2);
  }
  out->resize(written);
  if (!IsValidUtf8(std::string_view(*out).substr(start))) {  // never expected from glibc
    out->resize(start);
    return false;
  }
  return true;
}

// Bytes to skip past an invalid sequence: one code unit, so that UTF-16 and UTF-32 stay
// aligned after an unpaired surrogate.
size_t CodeUnitSize(std::string_view charset) {
  auto starts = [charset](std::string_view prefix) {
    return EqualsIgnoreCase(charset.substr(0, prefix.size()), prefix);
  };
  if (starts("utf-16") || starts("utf16") || starts("ucs-2") || starts("ucs2") ||
      starts("unicode"))
    return 2;
  if (starts("utf-32") || starts("utf32") || starts("ucs-4") || starts("ucs4")) return 4;
  return 1;
}

// Hands `piece` to the sink, repaired if glibc ever produced invalid UTF-8.
bool Deliver(std::string_view piece, const Utf8PieceSink& sink) {
  if (piece.empty() || IsValidUtf8(piece)) return piece.empty() || sink(piece);
  std::string repaired;
  AppendUtf8Repaired(piece, &repaired);
  return sink(repaired);
}

void ConvertLenientWithIconv(iconv_t cd, size_t unit, std::string_view bytes,
                             const Utf8PieceSink& sink, size_t* invalid_bytes) {
  constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  char buffer[16384];
  char* in = const_cast<char*>(bytes.data());  // iconv's signature; input is not written
  size_t in_left = bytes.size();
  for (;;) {
    char* dst = buffer;
    size_t out_left = sizeof(buffer);
    const bool flushing = in_left == 0;  // emit the closing shift sequence, if any
    const size_t rc = flushing ? iconv(cd, nullptr, nullptr, &dst, &out_left)
                               : iconv(cd, &in, &in_left, &dst, &out_left);
    const int error = rc == static_cast<size_t>(-1) ? errno : 0;
    if (!Deliver(std::string_view(buffer, static_cast<size_t>(dst - buffer)), sink)) return;
    if (error == 0) {
      if (flushing) return;
      continue;
    }
    if (error == E2BIG) continue;
    // EILSEQ: an invalid sequence here; EINVAL: the input ends inside a sequence.
    const size_t skip = error == EILSEQ ? std::min(unit, in_left) : in_left;
    *invalid_bytes += skip;
    in += skip;
    in_left -= skip;
    if (!sink(kReplacement)) return;
    if (error != EILSEQ) iconv(cd, nullptr, nullptr, nullptr, nullptr);  // reset the state
    if (flushing) return;
  }
}

}  // namespace

std::string_view ResolveCharsetAlias(std::string_view charset) {
  charset = charset.substr(0, charset.find('*'));  // RFC 2231: charset*language
  for (const CharsetAlias& alias : kAliases)
    if (EqualsIgnoreCase(alias.name, charset)) return alias.target;
  return charset;
}

bool ConvertToUtf8(std::string_view charset, std::string_view bytes, std::string* out) {
  charset = UsableCharsetName(charset);
  if (charset.empty()) return false;

  if (EqualsIgnoreCase(charset, "utf-8") || EqualsIgnoreCase(charset, "utf8")) {
    if (!IsValidUtf8(bytes)) return false;
    out->append(bytes);
    return true;
  }
  if (EqualsIgnoreCase(charset, "us-ascii") || EqualsIgnoreCase(charset, "ascii")) {
    for (char c : bytes)
      if (static_cast<unsigned char>(c) >= 0x80) return false;
    out->append(bytes);
    return true;
  }
  if (EqualsIgnoreCase(charset, "iso-8859-1") || EqualsIgnoreCase(charset, "latin1")) {
    for (char c : bytes) {  // ISO-8859-1 byte b is U+00b
      const auto b = static_cast<unsigned char>(c);
      if (b < 0x80) {
        out->push_back(c);
      } else {
        out->push_back(static_cast<char>(0xC0 | (b >> 6)));
        out->push_back(static_cast<char>(0x80 | (b & 0x3F)));
      }
    }
    return true;
  }

  const iconv_t cd = ThreadIconvCache().Get(charset);
  if (cd == kNoDescriptor) return false;
  return ConvertWithIconv(cd, bytes, out);
}

bool ConvertToUtf8Lenient(std::string_view charset, std::string_view bytes,
                          const Utf8PieceSink& sink, size_t* invalid_bytes) {
  charset = UsableCharsetName(charset);
  if (charset.empty()) return false;
  const iconv_t cd = ThreadIconvCache().Get(charset);
  if (cd == kNoDescriptor) return false;
  ConvertLenientWithIconv(cd, CodeUnitSize(charset), bytes, sink, invalid_bytes);
  return true;
}

}  // namespace chainmail
