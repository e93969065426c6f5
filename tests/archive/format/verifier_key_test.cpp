// Verifier keys and key names: the Go reference and C2SP spec keys, and every mangling.
#include "archive/format/verifier_key.h"

#include <gtest/gtest.h>

#include "tests/archive/format/expect_status.h"
#include "tests/archive/format/note_vectors.h"

namespace chainmail {
namespace {

using namespace note_vectors;

TEST(VerifierKeyTest, ParsesTheGoReferenceKey) {
  Result<VerifierKey> key = VerifierKey::Parse(kPeterVerifierKey);
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(key->name(), "PeterNeumann");
  EXPECT_EQ(key->key_id(), 0xc74f20a3u);
  EXPECT_EQ(key->public_key().size(), 32u);
  EXPECT_EQ(key->ToString(), kPeterVerifierKey);
}

TEST(VerifierKeyTest, ParsesTheSpecExampleKey) {
  Result<VerifierKey> key = VerifierKey::Parse(kSpecVerifierKey);
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(key->name(), "example.com/foo");
  EXPECT_EQ(key->key_id(), 0x530d903au);
  EXPECT_EQ(key->ToString(), kSpecVerifierKey);
}

// The key ID and text form are derived, not copied: from the Go signer's seed alone we
// must arrive at exactly the published verifier key.
TEST(VerifierKeyTest, DerivesTheGoReferenceKeyFromItsSeed) {
  Result<Ed25519SigningKey> signer = Ed25519SigningKey::FromSeed(FromHex(kPeterSeedHex).value());
  ASSERT_TRUE(signer.ok());
  Result<VerifierKey> key = VerifierKey::ForEd25519("PeterNeumann", signer->PublicKey());
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->key_id(), 0xc74f20a3u);
  EXPECT_EQ(key->ToString(), kPeterVerifierKey);
  EXPECT_EQ(KeyLabel(key->name(), key->key_id()), "PeterNeumann+c74f20a3");
}

TEST(VerifierKeyTest, SamePublicKeyUnderTwoOriginsHasTwoIds) {
  const Bytes pub = ValueOrThrow(VerifierKey::Parse(kPeterVerifierKey)).public_key();
  Result<VerifierKey> messages = VerifierKey::ForEd25519("h.example/chainmail-1/messages", pub);
  Result<VerifierKey> audit = VerifierKey::ForEd25519("h.example/chainmail-1/audit", pub);
  ASSERT_TRUE(messages.ok() && audit.ok());
  EXPECT_NE(messages->key_id(), audit->key_id());
  EXPECT_EQ(messages->key_id(), Ed25519KeyId("h.example/chainmail-1/messages", pub));
}

// As golang.org/x/mod's TestNewVerifier: every proper substring and every one-byte change
// of a valid key must be refused.
TEST(VerifierKeyTest, EveryManglingIsRefused) {
  const std::string& good = kPeterVerifierKey;
  for (size_t i = 0; i <= good.size(); ++i) {
    for (size_t j = i + 1; j <= good.size(); ++j) {
      if (i == 0 && j == good.size()) continue;
      EXPECT_FALSE(VerifierKey::Parse(good.substr(i, j - i)).ok()) << good.substr(i, j - i);
    }
  }
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    ++bad[i];
    EXPECT_FALSE(VerifierKey::Parse(bad).ok()) << bad;
  }
}

TEST(VerifierKeyTest, RefusalsNameTheProblem) {
  ExpectFailure(
      VerifierKey::Parse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
      "does not match its name and key (they give c74f20a3)");
  ExpectFailure(
      VerifierKey::Parse("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
      "not 8 lower-case hex digits");
  ExpectFailure(
      VerifierKey::Parse("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
      "invalid key name");
  // Go's "BADKEY==" test key is not canonical base64; this one is 33 bytes, id adjusted.
  ExpectFailure(
      VerifierKey::Parse("PeterNeumann+5bdbe860+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWAA=="),
      "holds 33 key bytes; an Ed25519 key is 32");
  ExpectFailure(VerifierKey::Parse(
                    "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="),
                "not canonical base64");
  // Go's unknown-algorithm test key, with its adjusted key hash.
  ExpectFailure(
      VerifierKey::Parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
      "not an Ed25519 (type 0x01) key");
  ExpectFailure(
      VerifierKey::Parse("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW "),
      "not canonical base64");
  ExpectFailure(VerifierKey::Parse("PeterNeumann"), "must read <name>+<key id>+<base64 key>");
}

TEST(VerifierKeyTest, ForEd25519ChecksItsInputs) {
  ExpectFailure(VerifierKey::ForEd25519("a+b", Bytes(32, 'k')), "invalid key name");
  ExpectFailure(VerifierKey::ForEd25519("ok", Bytes(31, 'k')), "32 bytes, not 31");
}

TEST(KeyNameTest, AcceptsOriginsAndUnicodeLetters) {
  for (const char* name : {"example.com/log42", "mail.example.com/chainmail-3f9a1c07/messages",
                           "PeterNeumann", "caf\xC3\xA9.example/log", "a\x7F"})
    EXPECT_TRUE(IsValidKeyName(name)) << name;
}

TEST(KeyNameTest, RefusesSpacesPlusControlsAndBadUtf8) {
  for (const char* name :
       {"", "a b", "a+b", "a\tb", "a\nb", "a\rb", "a\x01", "a\xC2\x85", "a\xC2\xA0",
        "a\xE1\x9A\x80", "a\xE2\x80\x80", "a\xE2\x80\x8A", "a\xE2\x80\xA8", "a\xE2\x80\xAF",
        "a\xE2\x81\x9F", "a\xE3\x80\x80", "a\xFF", "a\xC0\xAF"})
    EXPECT_FALSE(IsValidKeyName(name)) << ToHex(std::string_view(name));
}

}  // namespace
}  // namespace chainmail
