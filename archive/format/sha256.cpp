#include "archive/format/sha256.h"

#include <stdexcept>

namespace chainmail {
namespace {

// SHA-256 fetched from the provider once. EVP_sha256() makes OpenSSL 3 look the
// algorithm up again in every EVP_DigestInit_ex (an implicit fetch, under a lock shared
// by every thread): for the small inputs the writer hashes per record (a 132-byte leaf,
// a payload commitment, two tree children) that doubled the cost of each hash.
const EVP_MD* Sha256Algorithm() {
  static EVP_MD* const fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return fetched != nullptr ? fetched : EVP_sha256();
}

}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  // Allocation failure of a few bytes is not an expected condition; fail loudly.
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, Sha256Algorithm(), nullptr) != 1)
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
