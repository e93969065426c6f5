// Signed notes: the Go reference and C2SP examples, the trust rules for pinned and
// unpinned keys, and one test per way a note can be malformed.
#include "archive/format/signed_note.h"

#include <gtest/gtest.h>

#include "tests/archive/format/expect_status.h"
#include "tests/archive/format/note_vectors.h"

namespace chainmail {
namespace {

using namespace note_vectors;

VerifierKey Pinned(const std::string& text) { return ValueOrThrow(VerifierKey::Parse(text)); }

Ed25519SigningKey PeterSigner() {
  return ValueOrThrow(Ed25519SigningKey::FromSeed(FromHex(kPeterSeedHex).value()));
}

// `note` with the character at `offset` replaced by `c`.
std::string WithCharAt(std::string note, size_t offset, char c) {
  note.at(offset) = c;
  return note;
}

TEST(SignedNoteTest, OpensTheGoReferenceNote) {
  Result<VerifiedNote> note = OpenNote(kPeterNote, {Pinned(kPeterVerifierKey)});
  ASSERT_TRUE(note.ok()) << note.status().message();
  EXPECT_EQ(note->body, kPeterText);
  ASSERT_EQ(note->verified_by.size(), 1u);
  EXPECT_EQ(note->verified_by[0].ToString(), kPeterVerifierKey);
}

TEST(SignedNoteTest, OpensTheSpecExampleNote) {
  Result<VerifiedNote> note = OpenNote(kSpecNote, {Pinned(kSpecVerifierKey)});
  ASSERT_TRUE(note.ok()) << note.status().message();
  EXPECT_EQ(note->body, "This is an example message.\n");
}

// Ed25519 is deterministic, so signing the Go text with the Go key must give its bytes.
TEST(SignedNoteTest, SigningReproducesTheGoReferenceNote) {
  Result<std::string> note = SignNote(kPeterText, "PeterNeumann", PeterSigner());
  ASSERT_TRUE(note.ok()) << note.status().message();
  EXPECT_EQ(*note, kPeterNote);
  EXPECT_EQ(note->substr(kPeterText.size() + 1, 4), "\xE2\x80\x94 ");
}

TEST(SignedNoteTest, RoundTripKeepsBodyWithInnerBlankLines) {
  Result<Ed25519SigningKey> key = Ed25519SigningKey::Generate();
  ASSERT_TRUE(key.ok());
  const std::string body = "first\n\nthird \xE2\x9C\x93\n";
  Result<std::string> note = SignNote(body, "example.org/k", *key);
  ASSERT_TRUE(note.ok()) << note.status().message();
  const VerifierKey pinned =
      ValueOrThrow(VerifierKey::ForEd25519("example.org/k", key->PublicKey()));
  Result<VerifiedNote> opened = OpenNote(*note, {pinned});
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_EQ(opened->body, body);
}

TEST(SignedNoteTest, UnpinnedSignaturesAreSkipped) {
  const std::string both = kPeterNote + kEnochSignatureLine;
  Result<VerifiedNote> peter_only = OpenNote(both, {Pinned(kPeterVerifierKey)});
  ASSERT_TRUE(peter_only.ok()) << peter_only.status().message();
  ASSERT_EQ(peter_only->verified_by.size(), 1u);
  EXPECT_EQ(peter_only->verified_by[0].name(), "PeterNeumann");

  Result<VerifiedNote> all = OpenNote(both, {Pinned(kEnochVerifierKey), Pinned(kPeterVerifierKey)});
  ASSERT_TRUE(all.ok()) << all.status().message();
  ASSERT_EQ(all->verified_by.size(), 2u);
  EXPECT_EQ(all->verified_by[0].name(), "PeterNeumann");  // note order, not pin order
  EXPECT_EQ(all->verified_by[1].name(), "EnochRoot");
}

TEST(SignedNoteTest, SignedOnlyByUnpinnedKeysIsRejected) {
  ExpectFailure(OpenNote(kPeterNote, {Pinned(kEnochVerifierKey)}),
                "no signature by a pinned key (signed only by PeterNeumann+c74f20a3)");
  ExpectFailure(OpenNote(kPeterNote, {}), "no signature by a pinned key");
}

// A key pinned under the same name but a different public key has a different ID, so the
// signature is by an unknown key: skipped, and the note has no pinned signature.
TEST(SignedNoteTest, SameNameOtherKeyIsNotTrusted) {
  Result<VerifierKey> impostor = VerifierKey::ForEd25519("PeterNeumann", Bytes(32, '\x42'));
  ASSERT_TRUE(impostor.ok());
  ExpectFailure(OpenNote(kPeterNote, {*impostor}), "no signature by a pinned key");
}

TEST(SignedNoteTest, FailingPinnedSignatureRejectsTheNote) {
  // Flip a character inside the signature bytes (past the key ID), keeping valid base64.
  const size_t in_signature = kPeterText.size() + 1 + kPeterSignatureLine.find(' ', 4) + 20;
  const std::string forged = WithCharAt(kPeterNote, in_signature, 'A');
  ASSERT_NE(forged, kPeterNote);
  ExpectFailure(OpenNote(forged, {Pinned(kPeterVerifierKey)}),
                "signature by PeterNeumann+c74f20a3 does not verify");
  // Even next to a good signature by another pinned key.
  ExpectFailure(OpenNote(forged + kEnochSignatureLine,
                         {Pinned(kPeterVerifierKey), Pinned(kEnochVerifierKey)}),
                "does not verify");
}

TEST(SignedNoteTest, ChangedBodyByteIsRejected) {
  for (size_t i : {size_t{0}, size_t{30}, kPeterText.size() - 2}) {
    std::string tampered = kPeterNote;
    tampered[i] ^= 0x01;
    ExpectFailure(OpenNote(tampered, {Pinned(kPeterVerifierKey)}), "does not verify");
  }
}

TEST(SignedNoteTest, WrongKeyIdIsAnUnknownKey) {
  // "x08g" encodes the ID c74f20; "y08g" gives cb4f20, which names no pinned key.
  const size_t id_start = kPeterText.size() + 1 + kPeterSignatureLine.find(' ', 4) + 1;
  ExpectFailure(OpenNote(WithCharAt(kPeterNote, id_start, 'y'), {Pinned(kPeterVerifierKey)}),
                "signed only by PeterNeumann+cb4f20a3");
}

TEST(SignedNoteTest, TruncatedSignatureIsRejected) {
  // Dropping four base64 characters leaves 66 bytes: the key ID and 62 signature bytes.
  const std::string truncated = kPeterNote.substr(0, kPeterNote.size() - 5) + "\n";
  ExpectFailure(OpenNote(truncated, {Pinned(kPeterVerifierKey)}),
                "is 62 bytes; an Ed25519 signature is 64");
}

TEST(SignedNoteTest, NonCanonicalBase64IsRejected) {
  // "...JnAM=" -> "...JnAN=": same bytes for a lenient decoder, a second spelling for us.
  const std::string respelled = WithCharAt(kPeterNote, kPeterNote.size() - 3, 'N');
  ExpectFailure(OpenNote(respelled, {Pinned(kPeterVerifierKey)}),
                "signature line 1 does not end in a canonical base64 signature");
}

TEST(SignedNoteTest, MissingBlankLineIsRejected) {
  ExpectFailure(OpenNote(kPeterText + kPeterSignatureLine, {Pinned(kPeterVerifierKey)}),
                "no blank line between its text and its signatures");
}

TEST(SignedNoteTest, MissingFinalNewlineIsRejected) {
  ExpectFailure(OpenNote(kPeterNote.substr(0, kPeterNote.size() - 1), {Pinned(kPeterVerifierKey)}),
                "does not end with a newline");
}

TEST(SignedNoteTest, TrailingBytesAreRejected) {
  ExpectFailure(OpenNote(kPeterNote + "x", {Pinned(kPeterVerifierKey)}),
                "does not end with a newline");
  ExpectFailure(OpenNote(kPeterNote + "Unexpected line.\n", {Pinned(kPeterVerifierKey)}),
                "signature line 2 does not start with an em dash");
  ExpectFailure(OpenNote(kPeterNote + "\n", {Pinned(kPeterVerifierKey)}),
                "no signature line after its last blank line");
}

TEST(SignedNoteTest, MalformedSignatureLinesAreRejected) {
  const VerifierKey peter = Pinned(kPeterVerifierKey);
  ExpectFailure(OpenNote(kPeterText + "\n- PeterNeumann x08g\n", {peter}),
                "does not start with an em dash (U+2014) and a space");
  ExpectFailure(OpenNote(kPeterText + "\n\xE2\x80\x94 PeterNeumann\n", {peter}),
                "is not '<key name> <base64 signature>'");
  ExpectFailure(OpenNote(kPeterText + "\n\xE2\x80\x94 Bad Name x08go/ZJk=\n", {peter}),
                "does not end in a canonical base64 signature");
  ExpectFailure(OpenNote(kPeterText + "\n\xE2\x80\x94 a+b x08go/ZJ\n", {peter}),
                "has an invalid key name");
  ExpectFailure(OpenNote(kPeterText + "\n\xE2\x80\x94 PeterNeumann x08g\n", {peter}),
                "too short to hold a key ID and a signature");
}

TEST(SignedNoteTest, ControlCharactersAndBadUtf8AreRejected) {
  const VerifierKey peter = Pinned(kPeterVerifierKey);
  ExpectFailure(OpenNote("\x01" + kPeterNote, {peter}), "control character 0x01 at byte 0");
  ExpectFailure(OpenNote(WithCharAt(kPeterNote, 5, '\r'), {peter}), "control character 0x0d");
  ExpectFailure(OpenNote("\xFF" + kPeterNote, {peter}), "not valid UTF-8");
}

TEST(SignedNoteTest, NoteOverTheSizeBoundIsRejected) {
  const std::string huge = std::string(kMaxNoteBytes, 'a') + "\n" + "\n" + kPeterSignatureLine;
  ExpectFailure(OpenNote(huge, {Pinned(kPeterVerifierKey)}), "the limit is 1048576");
  ExpectFailure(SignNote(std::string(kMaxNoteBytes, 'a') + "\n", "k", PeterSigner()),
                "would exceed 1048576 bytes");
}

TEST(SignedNoteTest, SignatureCountIsBounded) {
  std::string note = kPeterText + "\n";
  for (size_t i = 0; i < kMaxNoteSignatures; ++i) note += kPeterSignatureLine;
  Result<VerifiedNote> at_limit = OpenNote(note, {Pinned(kPeterVerifierKey)});
  ASSERT_TRUE(at_limit.ok()) << at_limit.status().message();
  EXPECT_EQ(at_limit->verified_by.size(), 1u);  // repeated lines count once
  ExpectFailure(OpenNote(note + kPeterSignatureLine, {Pinned(kPeterVerifierKey)}),
                "more than 100 signature lines");
}

TEST(SignedNoteTest, AmbiguousPinnedKeysAreAConfigurationError) {
  // Key IDs are 32 bits, so a birthday search over ~2^16 keys finds two public keys with
  // the same (name, ID); these two were found that way (SHA-256 of "key9468", "key31068").
  const std::string name = "collide.example/log";
  Result<VerifierKey> a = VerifierKey::ForEd25519(
      name, FromHex("90384e399d2e180d87b2ef8e1a154a0f2b26c1d6bfeff09440f293f0faf85352").value());
  Result<VerifierKey> b = VerifierKey::ForEd25519(
      name, FromHex("ecb847740baab37e728a2664053fdb99545f4ec4ba58d6ca11e0fa4a58432d0e").value());
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->key_id(), b->key_id());
  ExpectFailure(OpenNote(kPeterNote, {Pinned(kPeterVerifierKey), *a, *b}),
                "two different pinned keys are both named collide.example/log+b4e22b36");
  // Pinning the same key twice is harmless.
  Result<VerifiedNote> note =
      OpenNote(kPeterNote, {Pinned(kPeterVerifierKey), Pinned(kPeterVerifierKey)});
  ASSERT_TRUE(note.ok()) << note.status().message();
  EXPECT_EQ(note->verified_by.size(), 1u);
}

TEST(SignedNoteTest, SignNoteRefusesWhatCouldNotBeOpened) {
  const Ed25519SigningKey key = PeterSigner();
  ExpectFailure(SignNote("no newline", "k", key), "must be non-empty and end with a newline");
  ExpectFailure(SignNote("", "k", key), "must be non-empty and end with a newline");
  ExpectFailure(SignNote("tab\there\n", "k", key), "control character 0x09");
  ExpectFailure(SignNote("body\n", "two words", key), "invalid key name 'two words'");
}

}  // namespace
}  // namespace chainmail
