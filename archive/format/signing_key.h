// Ed25519SigningKey: the deployment's checkpoint signing key (RFC 8032 Ed25519 through
// OpenSSL 3), and the key file that holds it.
//
// The key file is an unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY") that `openssl pkey`
// reads, held as an owner-only file (owner_only_file.h): created once, mode 0600 from the
// first byte, renamed into place without ever replacing a key that may already have signed
// checkpoints; a copy whose mode gives group or others any access is refused, not repaired.
//
// Sign() is RFC 8032 "pure" Ed25519 over the whole message (EVP_DigestSignInit with a NULL
// digest, one-shot EVP_DigestSign), so `openssl pkeyutl -verify -rawin` checks it.
//
// Thread safety: a key is immutable after construction; const methods may be called from
// several threads at once (each call builds its own EVP_MD_CTX over the shared read-only
// EVP_PKEY). Moving from a key while another thread uses it is a data race.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

#include "archive/format/bytes.h"
#include "archive/format/status.h"

namespace chainmail {

inline constexpr size_t kEd25519SeedSize = 32;
inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;

class Ed25519SigningKey {
 public:
  // A fresh key from OpenSSL's CSPRNG.
  static Result<Ed25519SigningKey> Generate();
  // The key whose RFC 8032 secret key (the 32-byte seed) is `seed`; for known answers.
  static Result<Ed25519SigningKey> FromSeed(std::string_view seed);
  // Reads a PKCS#8 PEM key file. NotFound when it does not exist; refuses a file that is
  // not a regular file, whose mode allows group or other access, or that holds another
  // key type. Symbolic links are not followed.
  static Result<Ed25519SigningKey> LoadPemFile(const std::string& path);

  // Writes the key to `path` as a new PKCS#8 PEM file, mode 0600, durably (file and
  // directory fsynced). Fails, leaving any existing file untouched, if `path` exists.
  Status SaveNewPemFile(const std::string& path) const;

  Bytes PublicKey() const;           // 32 bytes (RFC 8032 encoding)
  std::string PublicKeyPem() const;  // SubjectPublicKeyInfo PEM, for `openssl pkeyutl`
  // The 64-byte signature of `message`. Throws std::runtime_error only if OpenSSL fails,
  // which a valid key never does.
  Bytes Sign(std::string_view message) const;

 private:
  struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  };
  explicit Ed25519SigningKey(EVP_PKEY* pkey) : pkey_(pkey) {}

  std::unique_ptr<EVP_PKEY, PkeyFree> pkey_;
};

// Makes sure `path` holds a usable signing key: creates one (SaveNewPemFile) when the file
// is missing, otherwise loads it with every LoadPemFile check. Never regenerates or
// rewrites an existing key; two processes racing to create it end up sharing one key.
Status EnsureSigningKey(const std::string& path);

// True when `signature` (64 bytes) is a valid Ed25519 signature of `message` under the
// 32-byte `public_key`. Any malformed input is simply not valid.
bool Ed25519Verify(std::string_view public_key, std::string_view message,
                   std::string_view signature);

}  // namespace chainmail
