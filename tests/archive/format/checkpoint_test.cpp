// Checkpoints: the tlog-checkpoint body, its strict parser, and signed checkpoints of the
// two logs under one key with the origin as key name, each tampering caught by name.
#include "archive/format/checkpoint.h"

#include <gtest/gtest.h>

#include "archive/format/sha256.h"
#include "archive/format/signed_note.h"
#include "tests/archive/format/expect_status.h"

namespace chainmail {
namespace {

const std::string kBase = "mail.example.com/chainmail-3f9a1c07";
const std::string kMessagesOrigin = kBase + "/messages";
const std::string kAuditOrigin = kBase + "/audit";

// The example body of the tlog-checkpoint specification.
const std::string kSpecBody =
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

class CheckpointTest : public testing::Test {
 protected:
  CheckpointTest() : key_(ValueOrThrow(Ed25519SigningKey::FromSeed(Bytes(32, '\x07')))) {}

  VerifierKey PinnedFor(const std::string& origin, const Ed25519SigningKey& key) {
    return ValueOrThrow(VerifierKey::ForEd25519(origin, key.PublicKey()));
  }
  std::vector<VerifierKey> BothLogs() {
    return {PinnedFor(kMessagesOrigin, key_), PinnedFor(kAuditOrigin, key_)};
  }
  Checkpoint Messages(uint64_t size) {
    return Checkpoint{kMessagesOrigin, size, Sha256::Of("root " + std::to_string(size)), {}};
  }
  std::string Signed(const Checkpoint& checkpoint) {
    return ValueOrThrow(SignCheckpoint(checkpoint, key_));
  }
  // `note` with its first occurrence of `from` replaced by `to`.
  static std::string Replace(std::string note, const std::string& from, const std::string& to) {
    const size_t at = note.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return note.replace(at, from.size(), to);
  }

  Ed25519SigningKey key_;
};

TEST_F(CheckpointTest, ParsesAndReproducesTheSpecExampleBody) {
  Result<Checkpoint> parsed = Checkpoint::ParseBody(kSpecBody);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->origin, "example.com/behind-the-sofa");
  EXPECT_EQ(parsed->size, 20852163u);
  EXPECT_EQ(Base64Encode(AsView(parsed->root)), "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
  EXPECT_TRUE(parsed->extension_lines.empty());
  EXPECT_EQ(parsed->Body(), kSpecBody);
}

TEST_F(CheckpointTest, BodyIsOriginSizeRootAndExtensions) {
  Checkpoint empty{kAuditOrigin, 0, Sha256::Of(""), {}};
  EXPECT_EQ(empty.Body(), kAuditOrigin + "\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
  empty.extension_lines = {"ext one", "ext two"};
  EXPECT_EQ(empty.Body(),
            kAuditOrigin + "\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next one\next two\n");
}

TEST_F(CheckpointTest, SignedCheckpointRoundTrips) {
  for (uint64_t size : {uint64_t{0}, uint64_t{1}, uint64_t{20852163}, UINT64_MAX}) {
    Checkpoint checkpoint = Messages(size);
    if (size == 1) checkpoint.extension_lines = {"opaque extension"};
    Result<Checkpoint> opened = OpenCheckpoint(Signed(checkpoint), BothLogs(), kMessagesOrigin);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    EXPECT_EQ(*opened, checkpoint);
  }
}

TEST_F(CheckpointTest, SignatureLineUsesTheOriginAsKeyName) {
  const std::string note = Signed(Messages(5));
  EXPECT_EQ(note.rfind(Messages(5).Body() + "\n\xE2\x80\x94 " + kMessagesOrigin + " ", 0), 0u);
  // And generic note verification sees exactly the messages log's verifier key.
  Result<VerifiedNote> opened = OpenNote(note, BothLogs());
  ASSERT_TRUE(opened.ok());
  ASSERT_EQ(opened->verified_by.size(), 1u);
  EXPECT_EQ(opened->verified_by[0], PinnedFor(kMessagesOrigin, key_));
}

TEST_F(CheckpointTest, ChangedSizeIsRejected) {
  ExpectFailure(OpenCheckpoint(Replace(Signed(Messages(42)), "\n42\n", "\n43\n"), BothLogs(),
                               kMessagesOrigin),
                "does not verify");
}

TEST_F(CheckpointTest, ChangedRootIsRejected) {
  const Checkpoint checkpoint = Messages(42);
  const std::string root = Base64Encode(AsView(checkpoint.root));
  std::string other_root = root;
  other_root[0] = other_root[0] == 'A' ? 'B' : 'A';
  ExpectFailure(
      OpenCheckpoint(Replace(Signed(checkpoint), root, other_root), BothLogs(), kMessagesOrigin),
      "does not verify");
}

TEST_F(CheckpointTest, ChangedOriginLineIsRejected) {
  // Only the body's origin line changes; the signature line still names the messages key.
  const std::string tampered =
      Replace(Signed(Messages(42)), kMessagesOrigin + "\n", kAuditOrigin + "\n");
  ExpectFailure(OpenCheckpoint(tampered, BothLogs(), kAuditOrigin), "does not verify");
}

TEST_F(CheckpointTest, CheckpointOfAnotherLogIsRejected) {
  ExpectFailure(OpenCheckpoint(Signed(Messages(42)), BothLogs(), kAuditOrigin),
                "checkpoint is for origin '" + kMessagesOrigin + "', not the expected '" +
                    kAuditOrigin + "'");
}

TEST_F(CheckpointTest, KeyNameMustBeTheOrigin) {
  // Signed by a pinned key, but under a name other than the log's origin.
  Result<std::string> note = SignNote(Messages(42).Body(), "other.example/key", key_);
  ASSERT_TRUE(note.ok());
  std::vector<VerifierKey> pinned = BothLogs();
  pinned.push_back(PinnedFor("other.example/key", key_));
  ExpectFailure(OpenCheckpoint(*note, pinned, kMessagesOrigin),
                "not signed by a pinned key named after its origin");
}

TEST_F(CheckpointTest, UnpinnedKeyOnlyIsRejected) {
  Result<Ed25519SigningKey> stranger = Ed25519SigningKey::Generate();
  ASSERT_TRUE(stranger.ok());
  Result<std::string> note = SignCheckpoint(Messages(42), *stranger);
  ASSERT_TRUE(note.ok());
  ExpectFailure(OpenCheckpoint(*note, BothLogs(), kMessagesOrigin), "no signature by a pinned key");
}

TEST_F(CheckpointTest, TreeSizeMustBeCanonicalDecimal) {
  const std::string root = "\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
  for (const char* bad : {"007", "00", "-1", "+1", " 1", "1 ", "1e3", "0x10", "١"})
    ExpectFailure(Checkpoint::ParseBody("o\n" + std::string(bad) + root),
                  "is not a decimal number without leading zeros");
  ExpectFailure(Checkpoint::ParseBody("o\n18446744073709551616" + root), "does not fit in 64 bits");
  Result<Checkpoint> max = Checkpoint::ParseBody("o\n18446744073709551615" + root);
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max->size, UINT64_MAX);
}

TEST_F(CheckpointTest, RootMustBeCanonicalBase64OfThirtyTwoBytes) {
  for (const char* bad : {"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
                          "47DEQpj8HBSa-_TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
                          "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=", "AAAA",
                          "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFUA",
                          " 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="})
    ExpectFailure(Checkpoint::ParseBody("o\n1\n" + std::string(bad) + "\n"),
                  "is not canonical base64 of 32 bytes");
}

TEST_F(CheckpointTest, BodyShapeIsStrict) {
  const std::string root = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
  ExpectFailure(Checkpoint::ParseBody("o\n1\n" + root), "does not end with a newline");
  ExpectFailure(Checkpoint::ParseBody("o\n1\n"), "has 2 lines");
  ExpectFailure(Checkpoint::ParseBody("\n1\n" + root + "\n"), "line 1 is empty");
  ExpectFailure(Checkpoint::ParseBody("o\n1\n" + root + "\n\n"), "line 4 is empty");
  ExpectFailure(Checkpoint::ParseBody("o\n1\n" + root + "\next\n\nmore\n"), "line 5 is empty");
}

TEST_F(CheckpointTest, SignCheckpointRefusesWhatWouldNotParseBack) {
  Checkpoint checkpoint = Messages(3);
  checkpoint.extension_lines = {""};
  ExpectFailure(SignCheckpoint(checkpoint, key_), "line 4 is empty");
  checkpoint.extension_lines = {"two\nlines"};
  ExpectFailure(SignCheckpoint(checkpoint, key_), "would not parse back");
  checkpoint = Messages(3);
  checkpoint.origin = "has space";
  ExpectFailure(SignCheckpoint(checkpoint, key_), "invalid key name 'has space'");
  checkpoint.origin = "";
  ExpectFailure(SignCheckpoint(checkpoint, key_), "line 1 is empty");
}

}  // namespace
}  // namespace chainmail
