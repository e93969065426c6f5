#include "archive/format/leaf.h"

#include <gtest/gtest.h>

#include "archive/format/sha256.h"

namespace chainmail {
namespace {

Leaf SampleLeaf() {
  Leaf l;
  l.record_type = RecordType::kAuditEvent;
  l.subtype = 0x0042;
  l.log_id = Sha256::Of("origin");
  l.seq = 0x0102030405060708ull;
  l.prev_leaf_hash = Sha256::Of("prev");
  l.commit_time_us = 1764240000000000ull;
  for (int i = 0; i < 16; ++i) l.record_id[i] = static_cast<uint8_t>(i);
  l.payload_commit = Sha256::Of("payload");
  return l;
}

TEST(Leaf, EncodesTo132BytesAtDocumentedOffsets) {
  Bytes b = SampleLeaf().Encode();
  ASSERT_EQ(b.size(), 132u);
  EXPECT_EQ(b[0], 0x01);
  EXPECT_EQ(b[1], 0x02);
  EXPECT_EQ(b.substr(2, 2), std::string("\x00\x42", 2));
  EXPECT_EQ(b.substr(36, 8), std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  EXPECT_EQ(b.substr(4, 32), std::string(AsView(Sha256::Of("origin"))));
  EXPECT_EQ(b.substr(84, 16), std::string("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f", 16));
  EXPECT_EQ(b.substr(100, 32), std::string(AsView(Sha256::Of("payload"))));
}

TEST(Leaf, DecodeRoundTrips) {
  Leaf l = SampleLeaf();
  auto d = Leaf::Decode(l.Encode());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->Encode(), l.Encode());
  EXPECT_EQ(d->seq, l.seq);
  EXPECT_EQ(d->subtype, l.subtype);
}

TEST(Leaf, WrongSizeIsCorruption) {
  Bytes b = SampleLeaf().Encode();
  EXPECT_FALSE(Leaf::Decode(b.substr(0, 131)).ok());
  EXPECT_FALSE(Leaf::Decode(b + "x").ok());
}

TEST(Leaf, UnknownVersionOrTypeIsCorruption) {
  Bytes b = SampleLeaf().Encode();
  b[0] = 2;
  EXPECT_EQ(Leaf::Decode(b).status().code(), Status::Code::kCorruption);
  b = SampleLeaf().Encode();
  b[1] = 3;
  EXPECT_EQ(Leaf::Decode(b).status().code(), Status::Code::kCorruption);
}

TEST(Leaf, LeafHashIsRfc6962LeafHash) {
  // RFC 6962 test vector: the leaf hash of the empty leaf.
  EXPECT_EQ(ToHex(LeafHash("")), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
}

TEST(Leaf, CommitmentDependsOnEveryInput) {
  std::string salt(32, 'a');
  Hash32 base = PayloadCommitment(RecordType::kMessage, salt, "p");
  EXPECT_NE(base, PayloadCommitment(RecordType::kAuditEvent, salt, "p"));
  EXPECT_NE(base, PayloadCommitment(RecordType::kMessage, std::string(32, 'b'), "p"));
  EXPECT_NE(base, PayloadCommitment(RecordType::kMessage, salt, "q"));
}

}  // namespace
}  // namespace chainmail
