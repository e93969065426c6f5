#include "archive/format/sha256.h"

#include <stdexcept>

namespace chainmail {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  // Allocation failure of a few bytes is not an expected condition; fail loudly.
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 initialisation failed");
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

void Sha256::Update(const void* p, size_t n) { EVP_DigestUpdate(ctx_, p, n); }

Hash32 Sha256::Finish() {
  Hash32 h{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_, h.data(), &len);
  return h;
}

Hash32 Sha256::Of(std::string_view s) {
  Sha256 h;
  h.Update(s);
  return h.Finish();
}

}  // namespace chainmail
