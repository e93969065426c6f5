// Known answers, chainmail's edge rules and read costs for the Merkle tree math.
// All-sizes comparisons with a naive reference live in merkle_property_test.cpp.
#include "archive/format/merkle.h"

#include <gtest/gtest.h>

#include <bit>
#include <initializer_list>
#include <limits>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include "archive/format/leaf.h"
#include "archive/format/merkle_compact_range.h"
#include "archive/format/merkle_proofs.h"
#include "archive/format/merkle_verify.h"
#include "archive/format/sha256.h"

namespace chainmail {
namespace {

// The RFC 6962 test leaves, and the roots and proofs over them published with the
// Certificate Transparency / Trillian code (transparency-dev/merkle, proof/verify_test.go;
// its sizes and 1-based leaf numbers are converted to chainmail's 0-based indexes here).
// Cross-checked with an independent Python hashlib implementation of RFC 6962 §2.1.
constexpr std::string_view kLeavesHex[] = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};
constexpr std::string_view kRootsHex[] = {  // kRootsHex[n]: the root of the first n leaves
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

Hash32 H(std::string_view hex) { return Hash32FromHex(hex).value(); }
std::vector<Hash32> Hashes(std::initializer_list<std::string_view> hexes) {
  std::vector<Hash32> out;
  for (std::string_view hex : hexes) out.push_back(H(hex));
  return out;
}
Hash32 Root(size_t n) { return H(kRootsHex[n]); }
Hash32 KnownLeafHash(size_t i) { return LeafHash(FromHex(kLeavesHex[i]).value()); }

struct KnownInclusion {
  uint64_t index, size;
  std::vector<Hash32> proof;
};
struct KnownConsistency {
  uint64_t size1, size2;
  std::vector<Hash32> proof;
};

const std::vector<KnownInclusion>& KnownInclusionProofs() {
  static const auto* const kProofs = new std::vector<KnownInclusion>{
      {0, 1, {}},
      {0, 8,
       Hashes({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
               "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
               "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"})},
      {5, 8,
       Hashes({"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
               "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
               "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
      {2, 3, Hashes({"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"})},
      {1, 5,
       Hashes({"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
               "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
               "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"})},
  };
  return *kProofs;
}

const std::vector<KnownConsistency>& KnownConsistencyProofs() {
  static const auto* const kProofs = new std::vector<KnownConsistency>{
      {1, 1, {}},
      {1, 8,
       Hashes({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
               "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
               "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"})},
      {6, 8,
       Hashes({"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
               "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
               "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
      {2, 5,
       Hashes({"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
               "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"})},
      {6, 7,
       Hashes({"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
               "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
               "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
  };
  return *kProofs;
}

// A node store fed the way the writer feeds one: with the rows each Append returns.
class StoredTree : public NodeReader {
 public:
  explicit StoredTree(size_t known_leaves) {
    for (size_t i = 0; i < known_leaves; ++i) {
      auto completed = appender_.Append(KnownLeafHash(i));
      for (const SubtreeNode& node : completed.value()) rows_[{node.level, node.index}] = node.hash;
    }
  }
  Result<Hash32> Node(int level, uint64_t index) override {
    auto it = rows_.find({level, index});
    if (it == rows_.end()) return Status::NotFound("no stored node");
    return it->second;
  }

 private:
  CompactRange appender_;
  std::map<std::pair<int, uint64_t>, Hash32> rows_;
};

TEST(MerkleHashing, EmptyRootIsSha256OfNothing) { EXPECT_EQ(EmptyRoot(), Root(0)); }

TEST(MerkleHashing, TwoLeafRootIsHashChildrenOfTheLeafHashesInOrder) {
  EXPECT_EQ(HashChildren(KnownLeafHash(0), KnownLeafHash(1)), Root(2));
  EXPECT_NE(HashChildren(KnownLeafHash(1), KnownLeafHash(0)), Root(2));
}

TEST(MerkleKnownAnswers, RootsAtEverySizeFromStoreAndFromAppender) {
  StoredTree store(8);
  CompactRange appender;
  for (size_t n = 0; n <= 8; ++n) {
    auto root = RootAt(store, n);
    ASSERT_TRUE(root.ok()) << n;
    EXPECT_EQ(*root, Root(n)) << "RootAt, size " << n;
    EXPECT_EQ(appender.Root(), Root(n)) << "appender, size " << n;
    if (n < 8) {
      ASSERT_TRUE(appender.Append(KnownLeafHash(n)).ok());
    }
  }
}

TEST(MerkleKnownAnswers, InclusionProofsMatchPublishedVectorsAndVerify) {
  StoredTree store(8);
  for (const KnownInclusion& known : KnownInclusionProofs()) {
    auto proof = InclusionProof(store, known.index, known.size);
    ASSERT_TRUE(proof.ok()) << known.index << "/" << known.size;
    EXPECT_EQ(*proof, known.proof) << known.index << "/" << known.size;
    EXPECT_TRUE(VerifyInclusion(known.index, known.size, KnownLeafHash(known.index), known.proof,
                                Root(known.size)));
  }
}

TEST(MerkleKnownAnswers, ConsistencyProofsMatchPublishedVectorsAndVerify) {
  StoredTree store(8);
  for (const KnownConsistency& known : KnownConsistencyProofs()) {
    auto proof = ConsistencyProof(store, known.size1, known.size2);
    ASSERT_TRUE(proof.ok()) << known.size1 << "->" << known.size2;
    EXPECT_EQ(*proof, known.proof) << known.size1 << "->" << known.size2;
    EXPECT_TRUE(VerifyConsistency(known.size1, known.size2, Root(known.size1), Root(known.size2),
                                  known.proof));
  }
}

TEST(MerkleKnownAnswers, EighthLeafCompletesOneNodeAtEveryLevel) {
  CompactRange appender;
  for (size_t i = 0; i < 7; ++i) ASSERT_TRUE(appender.Append(KnownLeafHash(i)).ok());
  auto completed = appender.Append(KnownLeafHash(7));
  ASSERT_TRUE(completed.ok());
  ASSERT_EQ(completed->size(), 4u);
  EXPECT_EQ((*completed)[0], (SubtreeNode{0, 7, KnownLeafHash(7)}));
  EXPECT_EQ((*completed)[1].level, 1);
  EXPECT_EQ((*completed)[1].index, 3u);
  EXPECT_EQ((*completed)[2].level, 2);
  EXPECT_EQ((*completed)[2].index, 1u);
  EXPECT_EQ((*completed)[3], (SubtreeNode{3, 0, Root(8)}));
  EXPECT_EQ(appender.hashes(), std::vector<Hash32>{Root(8)});
}

TEST(MerkleKnownAnswers, VerifierExtendsAnExportedCompactRangeToEveryLaterRoot) {
  StoredTree store(8);
  auto exported = CompactRange::Read(store, 3);
  ASSERT_TRUE(exported.ok());
  ASSERT_EQ(exported->hashes().size(), 2u);  // leaves [0, 2) and [2, 3)
  auto range = CompactRange::FromHashes(3, exported->hashes());
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->Root(), Root(3));
  for (size_t i = 3; i < 8; ++i) {
    ASSERT_TRUE(range->Append(KnownLeafHash(i)).ok());
    EXPECT_EQ(range->Root(), Root(i + 1)) << "size " << i + 1;
  }
}

TEST(CompactRangeShape, FromHashesWantsOneHashPerSetBitOfSize) {
  EXPECT_EQ(CompactRange::FromHashes(3, {Root(1)}).status().code(), Status::Code::kInvalidArgument);
  EXPECT_FALSE(CompactRange::FromHashes(3, {Root(1), Root(1), Root(1)}).ok());
  EXPECT_FALSE(CompactRange::FromHashes(0, {Root(1)}).ok());
  auto empty = CompactRange::FromHashes(0, {});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->Root(), EmptyRoot());
  auto four = CompactRange::FromHashes(4, {Root(4)});
  ASSERT_TRUE(four.ok());
  EXPECT_EQ(four->Root(), Root(4));
}

TEST(CompactRangeShape, AppendPastTwoToTheSixtyFourMinusOneIsLimitExceeded) {
  const uint64_t full = std::numeric_limits<uint64_t>::max();
  auto range = CompactRange::FromHashes(full, std::vector<Hash32>(64, Root(1)));
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->Append(Root(1)).status().code(), Status::Code::kLimitExceeded);
  EXPECT_EQ(range->size(), full);
}

TEST(MerkleSubtrees, RangeThatIsNoSubtreeIsInvalidArgument) {
  StoredTree store(8);
  EXPECT_EQ(ReadSubtrees(store, 1, 3).status().code(), Status::Code::kInvalidArgument);
  EXPECT_FALSE(ReadSubtrees(store, 2, 6).ok());  // 4 leaves starting at 2
  EXPECT_FALSE(ReadSubtrees(store, 3, 3).ok());
  EXPECT_FALSE(ReadSubtrees(store, 5, 4).ok());
  EXPECT_TRUE(ReadSubtrees(store, 4, 7).ok());
  EXPECT_EQ(SubtreeRoot(store, 0, 6).value(), Root(6));
}

TEST(MerkleSubtrees, StoreFailureIsPassedThrough) {
  StoredTree store(5);
  EXPECT_EQ(RootAt(store, 8).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(InclusionProof(store, 0, 8).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(ConsistencyProof(store, 5, 8).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(CompactRange::Read(store, 6).status().code(), Status::Code::kNotFound);
}

TEST(InclusionEdges, IndexAtOrBeyondSizeIsInvalid) {
  StoredTree store(8);
  EXPECT_EQ(InclusionProof(store, 8, 8).status().code(), Status::Code::kInvalidArgument);
  EXPECT_FALSE(InclusionProof(store, 0, 0).ok());
  EXPECT_FALSE(VerifyInclusion(0, 0, KnownLeafHash(0), {}, Root(0)));
  EXPECT_FALSE(VerifyInclusion(1, 1, KnownLeafHash(0), {}, Root(1)));
  EXPECT_TRUE(VerifyInclusion(0, 1, KnownLeafHash(0), {}, Root(1)));
}

// A proof one level short implies the root of a smaller tree. When the claimed root is
// that smaller tree's root, only the size bookkeeping (RFC 9162's final "sn is 0") can
// tell; comparing roots cannot.
TEST(InclusionEdges, ProofOfASmallerTreeIsInvalidEvenWhenItsRootIsClaimed) {
  const Hash32 leaf = KnownLeafHash(0);
  const Hash32 sibling = KnownLeafHash(1);
  EXPECT_FALSE(VerifyInclusion(0, 2, leaf, {}, leaf));
  EXPECT_FALSE(VerifyInclusion(0, 4, leaf, std::vector{sibling}, Root(2)));
  EXPECT_TRUE(VerifyInclusion(0, 2, leaf, std::vector{sibling}, Root(2)));
}

TEST(ConsistencyEdges, ProofOfASmallerTreeIsInvalidEvenWhenItsRootIsClaimed) {
  const Hash32 sibling = KnownLeafHash(1);
  EXPECT_FALSE(VerifyConsistency(1, 4, Root(1), Root(2), std::vector{sibling}));
  EXPECT_TRUE(VerifyConsistency(1, 2, Root(1), Root(2), std::vector{sibling}));
}

TEST(ConsistencyEdges, FromSizeZeroIsInvalidEvenToSizeZero) {
  StoredTree store(8);
  EXPECT_FALSE(VerifyConsistency(0, 0, EmptyRoot(), EmptyRoot(), {}));
  EXPECT_FALSE(VerifyConsistency(0, 3, EmptyRoot(), Root(3), {}));
  EXPECT_EQ(ConsistencyProof(store, 0, 0).status().code(), Status::Code::kInvalidArgument);
  EXPECT_FALSE(ConsistencyProof(store, 0, 3).ok());
}

TEST(ConsistencyEdges, FirstSizeAboveSecondIsInvalid) {
  StoredTree store(8);
  const std::vector<Hash32> forward = ConsistencyProof(store, 3, 5).value();
  EXPECT_TRUE(VerifyConsistency(3, 5, Root(3), Root(5), forward));
  EXPECT_FALSE(VerifyConsistency(5, 3, Root(5), Root(3), forward));
  EXPECT_FALSE(VerifyConsistency(5, 3, Root(5), Root(3), {}));
  EXPECT_FALSE(VerifyConsistency(2, 1, Root(1), Root(1), {}));
  EXPECT_EQ(ConsistencyProof(store, 5, 3).status().code(), Status::Code::kInvalidArgument);
}

TEST(ConsistencyEdges, EqualSizesWithNonEmptyProofAreInvalid) {
  EXPECT_FALSE(VerifyConsistency(4, 4, Root(4), Root(4), std::vector{Root(4)}));
  EXPECT_FALSE(VerifyConsistency(1, 1, Root(1), Root(1), std::vector{Root(1)}));
}

TEST(ConsistencyEdges, EqualSizesWithDifferentRootsAreInvalid) {
  EXPECT_FALSE(VerifyConsistency(4, 4, Root(4), Root(5), {}));
}

TEST(ConsistencyEdges, EqualSizesWithEqualRootsAndEmptyProofAreValid) {
  StoredTree store(8);
  EXPECT_TRUE(VerifyConsistency(4, 4, Root(4), Root(4), {}));
  EXPECT_TRUE(ConsistencyProof(store, 4, 4).value().empty());
}

TEST(ConsistencyEdges, GrowthWithEmptyProofIsInvalid) {
  EXPECT_FALSE(VerifyConsistency(1, 2, Root(1), Root(2), {}));
  EXPECT_FALSE(VerifyConsistency(4, 8, Root(4), Root(8), {}));
  EXPECT_FALSE(VerifyConsistency(3, 5, Root(3), Root(5), {}));  // no first hash to start from
}

// A store that makes node hashes up on demand, SHA-256(level || index), so it can stand
// in for a million leaves; proofs from it are not true, only their cost matters. It
// refuses nodes that would not be complete at its size and counts reads.
class SyntheticStore : public NodeReader {
 public:
  explicit SyntheticStore(uint64_t size) : size_(size) {}
  Result<Hash32> Node(int level, uint64_t index) override {
    ++reads_;
    if (level < 0 || level >= 64 || index >= (size_ >> level)) {
      return Status::NotFound("node not complete");
    }
    Bytes key;
    AppendU8(key, static_cast<uint8_t>(level));
    AppendU64(key, index);
    return Sha256::Of(key);
  }
  int TakeReads() { return std::exchange(reads_, 0); }

 private:
  uint64_t size_;
  int reads_ = 0;
};

TEST(MerkleReadCounts, AMillionLeavesCostAtMostTwiceLog2PlusTwoReads) {
  for (uint64_t size :
       {uint64_t{1'000'000}, uint64_t{1} << 20, (uint64_t{1} << 20) - 1, (uint64_t{1} << 20) + 1}) {
    SCOPED_TRACE(size);
    const int bound = 2 * std::bit_width(size - 1) + 2;  // 2 * ceil(log2 size) + 2
    SyntheticStore store(size);
    ASSERT_TRUE(RootAt(store, size).ok());
    EXPECT_EQ(store.TakeReads(), std::popcount(size));
    ASSERT_TRUE(CompactRange::Read(store, size).ok());
    EXPECT_EQ(store.TakeReads(), std::popcount(size));

    std::vector<uint64_t> points = {0, 1, 2, size / 2 - 1, size / 2, size / 2 + 1, size - 1};
    for (uint64_t k = 1; k <= 200; ++k) points.push_back(k * 5'003'003 % size);  // spread out
    for (uint64_t index : points) {
      ASSERT_TRUE(InclusionProof(store, index, size).ok()) << index;
      EXPECT_LE(store.TakeReads(), bound) << "inclusion of " << index;
      ASSERT_TRUE(ConsistencyProof(store, index + 1, size).ok()) << index + 1;
      EXPECT_LE(store.TakeReads(), bound) << "consistency from " << index + 1;
    }
  }
}

}  // namespace
}  // namespace chainmail
