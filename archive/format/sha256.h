// Streaming SHA-256 over OpenSSL's EVP interface.
//
// One Sha256 object is used by one thread at a time. Finish() may be called once; the
// object is then spent.
#pragma once

#include <openssl/evp.h>

#include <string_view>

#include "archive/format/bytes.h"

namespace chainmail {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const void* p, size_t n);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  Hash32 Finish();

  static Hash32 Of(std::string_view s);

 private:
  EVP_MD_CTX* ctx_;
};

}  // namespace chainmail
