#include "archive/mime/charset.h"

#include <iconv.h>

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
// unknown charset repeated in every message does not hit iconv_open each time).
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
  std::array<Entry, 8> entries_;
  size_t next_victim_ = 0;
};

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

}  // namespace

bool ConvertToUtf8(std::string_view charset, std::string_view bytes, std::string* out) {
  charset = charset.substr(0, charset.find('*'));  // RFC 2231: charset*language
  if (charset.empty() || charset.size() > kMaxCharsetName) return false;
  for (char c : charset)
    if (!IsCharsetNameChar(c)) return false;

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

  thread_local IconvCache cache;
  const iconv_t cd = cache.Get(charset);
  if (cd == kNoDescriptor) return false;
  return ConvertWithIconv(cd, bytes, out);
}

}  // namespace chainmail
