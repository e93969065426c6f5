#include "archive/format/verifier_key.h"

#include <array>
#include <cstdio>

#include "archive/format/canonical_base64.h"
#include "archive/format/sha256.h"
#include "archive/format/utf8.h"

namespace chainmail {
namespace {

// The UTF-8 spellings of the non-ASCII code points with the Unicode White_Space property
// (the set Go's unicode.IsSpace tests, which the reference note implementation uses).
// In valid UTF-8 a substring match is a code point match, because no encoded character
// contains another one's encoding.
constexpr std::array<std::string_view, 19> kNonAsciiSpaces = {
    "\xC2\x85",     "\xC2\xA0",     "\xE1\x9A\x80", "\xE2\x80\x80", "\xE2\x80\x81",
    "\xE2\x80\x82", "\xE2\x80\x83", "\xE2\x80\x84", "\xE2\x80\x85", "\xE2\x80\x86",
    "\xE2\x80\x87", "\xE2\x80\x88", "\xE2\x80\x89", "\xE2\x80\x8A", "\xE2\x80\xA8",
    "\xE2\x80\xA9", "\xE2\x80\xAF", "\xE2\x81\x9F", "\xE3\x80\x80",
};

bool IsLowerHex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// Splits `text` at the first '+'; false when there is none.
bool CutAtPlus(std::string_view text, std::string_view* before, std::string_view* after) {
  size_t plus = text.find('+');
  if (plus == std::string_view::npos) return false;
  *before = text.substr(0, plus);
  *after = text.substr(plus + 1);
  return true;
}

std::string KeyIdHex(uint32_t key_id) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", key_id);
  return hex;
}

}  // namespace

bool IsValidKeyName(std::string_view name) {
  if (name.empty() || !IsValidUtf8(name)) return false;
  for (char c : name) {
    // C0 controls include the ASCII spaces \t \n \v \f \r; a note may not contain the rest.
    if (static_cast<unsigned char>(c) <= 0x20 || c == '+') return false;
  }
  for (std::string_view space : kNonAsciiSpaces)
    if (name.find(space) != std::string_view::npos) return false;
  return true;
}

uint32_t Ed25519KeyId(std::string_view name, std::string_view public_key) {
  Sha256 h;
  h.Update(name);
  const char separator_and_type[] = {'\n', static_cast<char>(kEd25519SignatureType)};
  h.Update(separator_and_type, sizeof separator_and_type);
  h.Update(public_key);
  return ReadU32(h.Finish().data());
}

std::string KeyLabel(std::string_view name, uint32_t key_id) {
  return std::string(name) + "+" + KeyIdHex(key_id);
}

Result<VerifierKey> VerifierKey::ForEd25519(std::string_view name, std::string_view public_key) {
  if (!IsValidKeyName(name))
    return Status::InvalidArgument("invalid key name '" + std::string(name) +
                                   "': it must be non-empty UTF-8 without spaces, control "
                                   "characters or '+'");
  if (public_key.size() != kEd25519PublicKeySize)
    return Status::InvalidArgument("an Ed25519 public key is 32 bytes, not " +
                                   std::to_string(public_key.size()));
  return VerifierKey(std::string(name), Ed25519KeyId(name, public_key), Bytes(public_key));
}

Result<VerifierKey> VerifierKey::Parse(std::string_view text) {
  std::string_view name, rest, hex, key64;
  if (!CutAtPlus(text, &name, &rest) || !CutAtPlus(rest, &hex, &key64))
    return Status::InvalidArgument("verifier key must read <name>+<key id>+<base64 key>");
  if (!IsValidKeyName(name))
    return Status::InvalidArgument("verifier key has an invalid key name '" + std::string(name) +
                                   "'");
  if (hex.size() != 8 || !IsLowerHex(hex))
    return Status::InvalidArgument("verifier key id '" + std::string(hex) +
                                   "' is not 8 lower-case hex digits");
  std::optional<Bytes> typed_key = DecodeCanonicalBase64(key64);
  if (!typed_key) return Status::InvalidArgument("verifier key is not canonical base64");
  if (typed_key->empty() || static_cast<uint8_t>((*typed_key)[0]) != kEd25519SignatureType)
    return Status::InvalidArgument("verifier key is not an Ed25519 (type 0x01) key");
  if (typed_key->size() != 1 + kEd25519PublicKeySize)
    return Status::InvalidArgument("verifier key holds " + std::to_string(typed_key->size() - 1) +
                                   " key bytes; an Ed25519 key is 32");
  Result<VerifierKey> key = ForEd25519(name, std::string_view(*typed_key).substr(1));
  if (!key.ok()) return key.status();
  if (KeyIdHex(key->key_id()) != hex)
    return Status::InvalidArgument("verifier key id " + std::string(hex) +
                                   " does not match its name and key (they give " +
                                   KeyIdHex(key->key_id()) + ")");
  return key;
}

std::string VerifierKey::ToString() const {
  Bytes typed_key(1, static_cast<char>(kEd25519SignatureType));
  typed_key += public_key_;
  return KeyLabel(name_, key_id_) + "+" + Base64Encode(typed_key);
}

}  // namespace chainmail
