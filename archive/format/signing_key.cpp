#include "archive/format/signing_key.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <stdexcept>
#include <utility>

#include "archive/format/owner_only_file.h"

namespace chainmail {
namespace {

constexpr size_t kMaxKeyFileBytes = 64 * 1024;  // an Ed25519 PEM is about 120 bytes

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

// Secret text (a PEM private key) that is wiped before its memory is released.
struct SecretText {
  SecretText() = default;
  explicit SecretText(std::string t) : text(std::move(t)) {}
  SecretText(const SecretText&) = delete;
  SecretText& operator=(const SecretText&) = delete;
  ~SecretText() { OPENSSL_cleanse(text.data(), text.size()); }

  std::string text;
};

std::string OpenSslError() {
  char buf[256] = "unknown OpenSSL error";
  if (unsigned long e = ERR_get_error(); e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

int NoPassphrase(char*, int, int, void*) { return -1; }  // never prompt on a terminal

}  // namespace

Result<Ed25519SigningKey> Ed25519SigningKey::Generate() {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (pkey == nullptr) return Status::IoError("Ed25519 key generation failed: " + OpenSslError());
  return Ed25519SigningKey(pkey);
}

Result<Ed25519SigningKey> Ed25519SigningKey::FromSeed(std::string_view seed) {
  if (seed.size() != kEd25519SeedSize)
    return Status::InvalidArgument("an Ed25519 secret key is 32 bytes, not " +
                                   std::to_string(seed.size()));
  EVP_PKEY* pkey = EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(seed.data()), seed.size());
  if (pkey == nullptr) return Status::InvalidArgument("bad Ed25519 secret key: " + OpenSslError());
  return Ed25519SigningKey(pkey);
}

Result<Ed25519SigningKey> Ed25519SigningKey::LoadPemFile(const std::string& path) {
  SecretText pem;
  if (Status s = ReadOwnerOnlyFile(path, "signing key", kMaxKeyFileBytes, &pem.text); !s.ok())
    return s;
  BioPtr bio(BIO_new_mem_buf(pem.text.data(), static_cast<int>(pem.text.size())));
  EVP_PKEY* pkey =
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr) : nullptr;
  if (pkey == nullptr)
    return Status::Corruption("signing key " + path +
                              " is not an unencrypted PEM private key: " + OpenSslError());
  Ed25519SigningKey key(pkey);
  if (!EVP_PKEY_is_a(pkey, "ED25519"))
    return Status::InvalidArgument("signing key " + path + " is a " +
                                   EVP_PKEY_get0_type_name(pkey) + " key, not Ed25519");
  return key;
}

Status Ed25519SigningKey::SaveNewPemFile(const std::string& path) const {
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return Status::IoError("cannot encode the signing key: " + OpenSslError());
  const SecretText pem(BioText(bio.get()));
  bool existed = false;
  Status s = CreateOwnerOnlyFile(path, pem.text, &existed);
  if (existed) return Status::IoError(path + " already exists; refusing to replace a signing key");
  return s;
}

Bytes Ed25519SigningKey::PublicKey() const {
  Bytes out(kEd25519PublicKeySize, '\0');
  size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(pkey_.get(), reinterpret_cast<unsigned char*>(out.data()),
                                  &len) != 1 ||
      len != out.size())
    throw std::runtime_error("Ed25519 public key export failed: " + OpenSslError());
  return out;
}

std::string Ed25519SigningKey::PublicKeyPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey_.get()) != 1)
    throw std::runtime_error("Ed25519 public key export failed: " + OpenSslError());
  return BioText(bio.get());
}

Bytes Ed25519SigningKey::Sign(std::string_view message) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  Bytes sig(kEd25519SignatureSize, '\0');
  size_t len = sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      len != sig.size())
    throw std::runtime_error("Ed25519 signing failed: " + OpenSslError());
  return sig;
}

Status EnsureSigningKey(const std::string& path) {
  Result<Ed25519SigningKey> existing = Ed25519SigningKey::LoadPemFile(path);
  if (existing.ok()) return Status::Ok();
  if (existing.status().code() != Status::Code::kNotFound) return existing.status();
  Result<Ed25519SigningKey> fresh = Ed25519SigningKey::Generate();
  if (!fresh.ok()) return fresh.status();
  Status saved = fresh->SaveNewPemFile(path);
  if (saved.ok()) return saved;
  // If another process created it first, use theirs, with the same checks.
  Result<Ed25519SigningKey> theirs = Ed25519SigningKey::LoadPemFile(path);
  if (theirs.status().code() == Status::Code::kNotFound) return saved;
  return theirs.ok() ? Status::Ok() : theirs.status();
}

bool Ed25519Verify(std::string_view public_key, std::string_view message,
                   std::string_view signature) {
  if (public_key.size() != kEd25519PublicKeySize || signature.size() != kEd25519SignatureSize)
    return false;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                  reinterpret_cast<const unsigned char*>(public_key.data()),
                                  public_key.size()),
      EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  bool ok =
      pkey && ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  ERR_clear_error();  // a bad signature leaves an error queued; it is an answer, not a fault
  return ok;
}

}  // namespace chainmail
