#include "service/net/openssl_error.h"

#include <openssl/err.h>

namespace chainmail {

std::string TakeOpenSslErrors(const std::string& fallback) {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text.empty() ? fallback : text;
}

}  // namespace chainmail
