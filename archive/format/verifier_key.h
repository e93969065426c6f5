// Key names, key IDs and verifier keys of C2SP signed-note v1.0.0, for Ed25519 only.
//
// A verifier key is the public half of a note signer, published as
//
//   <key name>+<key ID, 8 lower-case hex digits>+<base64(0x01 || 32-byte public key)>
//
// e.g. "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", where
//
//   key ID = SHA-256(key name || 0x0A || 0x01 || public key)[:4], read big-endian.
//
// chainmail publishes one verifier key per log, named after the log's origin (same public
// key, two names and IDs; see docs INTEGRITY.md "Identity"). A verifier key that arrives
// inside a bundle is never trusted: the auditor pins it.
//
// VerifierKey is an immutable value, so its invariants (valid name, 32-byte key, ID derived
// from both) hold for every instance. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "archive/format/bytes.h"
#include "archive/format/signing_key.h"
#include "archive/format/status.h"

namespace chainmail {

inline constexpr uint8_t kEd25519SignatureType = 0x01;  // signed-note signature type

// True when `name` is a signed-note key name: non-empty, valid UTF-8, and free of Unicode
// white space, ASCII control characters and '+'.
bool IsValidKeyName(std::string_view name);

// The recommended key ID of an Ed25519 key; `public_key` is its 32 raw bytes.
uint32_t Ed25519KeyId(std::string_view name, std::string_view public_key);

// "name+c74f20a3": how notes and messages name a key without its public half.
std::string KeyLabel(std::string_view name, uint32_t key_id);

class VerifierKey {
 public:
  // The verifier key of a 32-byte Ed25519 public key under `name`.
  static Result<VerifierKey> ForEd25519(std::string_view name, std::string_view public_key);
  // Parses the text form strictly; the key ID must be the one the name and key give.
  static Result<VerifierKey> Parse(std::string_view text);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  const Bytes& public_key() const { return public_key_; }  // 32 bytes
  std::string ToString() const;                            // the text form above

  bool operator==(const VerifierKey& o) const {
    return name_ == o.name_ && key_id_ == o.key_id_ && public_key_ == o.public_key_;
  }

 private:
  VerifierKey(std::string name, uint32_t key_id, Bytes public_key)
      : name_(std::move(name)), key_id_(key_id), public_key_(std::move(public_key)) {}

  std::string name_;
  uint32_t key_id_;
  Bytes public_key_;
};

}  // namespace chainmail
