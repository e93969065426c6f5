// The golden vector: fixed inputs (origin, salts, record ids, times, payloads) and the
// exact bytes and hashes they must give. Any change to the leaf or payload encoding fails
// here until the leaf version byte changes. The commitment and leaf hashes were checked
// independently with Python's hashlib (see docs/leaf.md "Worked check").
#include <gtest/gtest.h>

#include "archive/format/leaf.h"
#include "archive/format/message_payload.h"
#include "archive/format/sha256.h"

namespace chainmail {
namespace {

constexpr char kOrigin[] = "mail.example.com/chainmail-3f9a1c07/messages";

// Pinned values.
constexpr char kPayload0Sha256[] = "c65d4410274ea79518025ee1372a43f93968b62050f1a1fed08a361a5e44cd5e";
constexpr size_t kPayload0Size = 326u;
constexpr char kLeaf0[] =
  "0101000052e2e499614eefe63ed54402ec21469eb94e447997b6c6227d43401bc5a103840000000000000000"
  "000000000000000000000000000000000000000000000000000000000000000000064491228126a000010203"
  "0405060708090a0b0c0d0e0f9e7c3820bb98ea4f2301a8b5114823c2ddc52b8c3de9481ed7182bea18b9cdb9";
constexpr char kLeafHash0[] = "e1f0df24e70e2d641cb104de46b4236ec25a5afb0bb3734ac15d406df30fc54c";
constexpr char kLeafHash1[] = "7fdb8e2232b7db59bac7dab5121b991c12dcbb37ad01932d1465eccd27720b1b";
constexpr char kLeafHash2[] = "5662f62327b6c99d5876585497f028553532b880dad0b12727f23781ca5beddc";
constexpr char kLogId[] = "52e2e499614eefe63ed54402ec21469eb94e447997b6c6227d43401bc5a10384";


MessagePayload GoldenPayload(int i) {
  MessagePayload m;
  m.mail_from = "<alice@example.com> SIZE=1234 BODY=8BITMIME";
  m.rcpt_to = {"<journal@archive.example.com>", "<bob@example.net> NOTIFY=NEVER"};
  m.helo_verb = "EHLO";
  m.helo_name = "gw.example.com";
  m.client_address = "192.0.2.10";
  m.client_port = static_cast<uint16_t>(40000 + i);
  m.server_address = "198.51.100.5:25";
  m.tls_protocol = i == 0 ? "" : "TLSv1.3";
  m.tls_cipher = i == 0 ? "" : "TLS_AES_256_GCM_SHA384";
  m.session_id = std::string(16, static_cast<char>(0x10 + i));
  m.transfer = Transfer::kData;
  m.received_time_us = 1764240000000000ull + static_cast<uint64_t>(i);
  m.raw_sha256 = Sha256::Of("message " + std::to_string(i));
  m.raw_length = 1234;
  m.codec = Codec::kZstd;
  m.flags = 0x0001 | 0x0100;
  return m;
}

struct Chain {
  std::vector<Bytes> payloads, leaves;
  std::vector<Hash32> hashes;
};

Chain Build() {
  Chain c;
  Hash32 prev{};
  for (int i = 0; i < 3; ++i) {
    Bytes payload = GoldenPayload(i).Encode();
    std::string salt(32, static_cast<char>(0xa0 + i));
    Leaf leaf;
    leaf.log_id = LogIdForOrigin(kOrigin);
    leaf.seq = static_cast<uint64_t>(i);
    leaf.prev_leaf_hash = prev;
    leaf.commit_time_us = 1764240000100000ull + static_cast<uint64_t>(i) * 10;
    for (int b = 0; b < 16; ++b) leaf.record_id[b] = static_cast<uint8_t>(i * 16 + b);
    leaf.payload_commit = PayloadCommitment(RecordType::kMessage, salt, payload);
    Bytes bytes = leaf.Encode();
    prev = LeafHash(bytes);
    c.payloads.push_back(payload);
    c.leaves.push_back(bytes);
    c.hashes.push_back(prev);
  }
  return c;
}

TEST(GoldenVector, PayloadBytesArePinned) {
  EXPECT_EQ(ToHex(Sha256::Of(Build().payloads[0])), kPayload0Sha256);
  EXPECT_EQ(Build().payloads[0].size(), kPayload0Size);
}

TEST(GoldenVector, FirstLeafIsPinned) {
  EXPECT_EQ(ToHex(Build().leaves[0]), kLeaf0);
}

TEST(GoldenVector, ChainOfThreeLeafHashesIsPinned) {
  Chain c = Build();
  EXPECT_EQ(ToHex(c.hashes[0]), kLeafHash0);
  EXPECT_EQ(ToHex(c.hashes[1]), kLeafHash1);
  EXPECT_EQ(ToHex(c.hashes[2]), kLeafHash2);
}

TEST(GoldenVector, LogIdIsSha256OfOrigin) {
  EXPECT_EQ(ToHex(LogIdForOrigin(kOrigin)), kLogId);
}

}  // namespace
}  // namespace chainmail
