#include "bench/charset_encoder.h"

#include <iconv.h>

#include <cerrno>

namespace chainmail::bench {

bool EncodeCharset(const char* charset, std::string_view utf8, std::string* out) {
  iconv_t cd = iconv_open(charset, "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  std::string result;
  char buf[4096];
  char* in = const_cast<char*>(utf8.data());
  size_t in_left = utf8.size();
  bool ok = true;
  for (bool flushing = false;;) {
    char* o = buf;
    size_t o_left = sizeof buf;
    const size_t r = flushing ? iconv(cd, nullptr, nullptr, &o, &o_left) : iconv(cd, &in, &in_left, &o, &o_left);
    result.append(buf, o - buf);
    if (r == static_cast<size_t>(-1) && errno == E2BIG) continue;
    if (r == static_cast<size_t>(-1)) { ok = false; break; }
    if (flushing) break;
    flushing = true;  // back to the initial shift state
  }
  iconv_close(cd);
  if (ok) out->append(result);
  return ok;
}

}  // namespace chainmail::bench
