// The Merkle tree math against a naive recursive reference, for every tree size up to
// 300: every inclusion proof, every consistency proof, every appended node and root; and
// each proof, tampered, must fail to verify.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "archive/format/merkle.h"
#include "archive/format/merkle_compact_range.h"
#include "archive/format/merkle_proofs.h"
#include "archive/format/merkle_verify.h"
#include "archive/format/sha256.h"

namespace chainmail {
namespace {

constexpr uint64_t kMaxSize = 300;

// RFC 6962 §2.1 as written: MTH, PATH and SUBPROOF, recursive, over leaf i = "leaf <i>",
// hashing with Sha256 directly rather than with the code under test. MTH is memoised by
// range (the same recursion, each subtree computed once) so that all pairs stay fast.
//
// It is also the in-memory store: Node() answers every complete subtree from MTH, and
// refuses, like a real store, nodes not complete at the size set by LimitTo().
class NaiveTree : public NodeReader {
 public:
  explicit NaiveTree(uint64_t leaves) {
    for (uint64_t i = 0; i < leaves; ++i) {
      Sha256 h;
      h.Update(std::string(1, '\0') + "leaf " + std::to_string(i));
      leaf_hashes_.push_back(h.Finish());
    }
  }

  const Hash32& leaf_hash(uint64_t i) const { return leaf_hashes_[i]; }
  void LimitTo(uint64_t size) { limit_ = size; }

  // MTH(D[begin:end]).
  Hash32 Mth(uint64_t begin, uint64_t end) {
    const uint64_t n = end - begin;
    if (n == 0) return Sha256::Of("");
    if (n == 1) return leaf_hashes_[begin];
    auto [it, inserted] = mth_.try_emplace({begin, end});
    if (inserted) {
      const uint64_t k = Split(n);
      Sha256 h;
      h.Update(std::string(1, '\x01'));
      h.Update(AsView(Mth(begin, begin + k)));
      h.Update(AsView(Mth(begin + k, end)));
      it->second = h.Finish();
    }
    return it->second;
  }

  // PATH(m, D[begin:end]), m counted from begin.
  std::vector<Hash32> Path(uint64_t m, uint64_t begin, uint64_t end) {
    const uint64_t n = end - begin;
    if (n == 1) return {};
    const uint64_t k = Split(n);
    std::vector<Hash32> path;
    if (m < k) {
      path = Path(m, begin, begin + k);
      path.push_back(Mth(begin + k, end));
    } else {
      path = Path(m - k, begin + k, end);
      path.push_back(Mth(begin, begin + k));
    }
    return path;
  }

  // SUBPROOF(m, D[begin:end], b), m counted from begin.
  std::vector<Hash32> Subproof(uint64_t m, uint64_t begin, uint64_t end, bool b) {
    const uint64_t n = end - begin;
    if (m == n) return b ? std::vector<Hash32>{} : std::vector<Hash32>{Mth(begin, end)};
    const uint64_t k = Split(n);
    std::vector<Hash32> proof;
    if (m <= k) {
      proof = Subproof(m, begin, begin + k, b);
      proof.push_back(Mth(begin + k, end));
    } else {
      proof = Subproof(m - k, begin + k, end, false);
      proof.push_back(Mth(begin, begin + k));
    }
    return proof;
  }

  Result<Hash32> Node(int level, uint64_t index) override {
    if (level < 0 || level >= 64 || index >= (limit_ >> level)) {
      return Status::NotFound("not complete");
    }
    return Mth(index << level, (index + 1) << level);
  }

 private:
  // The largest power of two smaller than n.
  static uint64_t Split(uint64_t n) {
    uint64_t k = 1;
    while (k * 2 < n) k *= 2;
    return k;
  }

  std::vector<Hash32> leaf_hashes_;
  std::map<std::pair<uint64_t, uint64_t>, Hash32> mth_;
  uint64_t limit_ = 0;
};

// Property violations, reported in full for the first few and then only counted, so one
// bug does not print 45,000 failures.
class Violations {
 public:
  void Expect(bool holds, const char* what, uint64_t a, uint64_t b) {
    if (holds) return;
    if (++count_ <= 10) ADD_FAILURE() << what << " at (" << a << ", " << b << ")";
  }
  int count() const { return count_; }

 private:
  int count_ = 0;
};

uint64_t Mix(uint64_t x) {  // splitmix64: a deterministic pseudo-random choice
  x += 0x9e3779b97f4a7c15u;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
  return x ^ (x >> 31);
}

Hash32 FlipBit(Hash32 h, uint64_t bit) {
  h[(bit / 8) % 32] ^= static_cast<uint8_t>(1u << (bit % 8));
  return h;
}

// The bits to flip in each hash: all 256, or one chosen by seed.
std::vector<uint64_t> BitsToFlip(bool every_bit, uint64_t seed) {
  if (!every_bit) return {Mix(seed) % 256};
  std::vector<uint64_t> bits(256);
  for (uint64_t i = 0; i < 256; ++i) bits[i] = i;
  return bits;
}

// The proof with one hash added (at the front or the back) or one removed.
std::vector<std::vector<Hash32>> WrongLengths(const std::vector<Hash32>& proof, uint64_t seed) {
  const Hash32 stray = Sha256::Of(std::to_string(seed));
  std::vector<std::vector<Hash32>> out;
  out.push_back(proof);
  out.back().push_back(stray);
  out.push_back(proof);
  out.back().insert(out.back().begin(), stray);
  if (!proof.empty()) {
    out.push_back(proof);
    out.back().erase(out.back().begin() + static_cast<long>(Mix(seed) % proof.size()));
  }
  return out;
}

// Inclusion of leaf i in the tree of n: the proof equals PATH and verifies; flipping a
// bit of a proof hash, the leaf hash or the root, or a hash too many or too few, fails.
void CheckInclusion(NaiveTree& tree, uint64_t i, uint64_t n, bool every_bit, Violations& v) {
  tree.LimitTo(n);
  const Hash32 root = tree.Mth(0, n);
  const Hash32& leaf = tree.leaf_hash(i);
  auto proof = InclusionProof(tree, i, n);
  v.Expect(proof.ok(), "InclusionProof failed", i, n);
  if (!proof.ok()) return;
  v.Expect(*proof == tree.Path(i, 0, n), "inclusion proof differs from PATH", i, n);
  v.Expect(VerifyInclusion(i, n, leaf, *proof, root), "inclusion proof rejected", i, n);

  const uint64_t seed = n * 1000 + i;
  for (uint64_t bit : BitsToFlip(every_bit, seed)) {
    for (size_t e = 0; e < proof->size(); ++e) {
      if (!every_bit && e != Mix(seed + 1) % proof->size()) continue;
      std::vector<Hash32> bad = *proof;
      bad[e] = FlipBit(bad[e], bit);
      v.Expect(!VerifyInclusion(i, n, leaf, bad, root), "flipped proof bit accepted", i, n);
    }
    v.Expect(!VerifyInclusion(i, n, FlipBit(leaf, bit), *proof, root), "flipped leaf bit accepted",
             i, n);
    v.Expect(!VerifyInclusion(i, n, leaf, *proof, FlipBit(root, bit)), "flipped root bit accepted",
             i, n);
  }
  for (const auto& bad : WrongLengths(*proof, seed)) {
    v.Expect(!VerifyInclusion(i, n, leaf, bad, root), "wrong-length proof accepted", i, n);
  }
}

// Consistency from m to n: the proof equals SUBPROOF and verifies; flipping a bit of a
// proof hash or of either root, or a hash too many or too few, fails.
void CheckConsistency(NaiveTree& tree, uint64_t m, uint64_t n, bool every_bit, Violations& v) {
  tree.LimitTo(n);
  const Hash32 root1 = tree.Mth(0, m);
  const Hash32 root2 = tree.Mth(0, n);
  auto proof = ConsistencyProof(tree, m, n);
  v.Expect(proof.ok(), "ConsistencyProof failed", m, n);
  if (!proof.ok()) return;
  v.Expect(*proof == tree.Subproof(m, 0, n, true), "consistency proof differs from SUBPROOF", m, n);
  v.Expect(VerifyConsistency(m, n, root1, root2, *proof), "consistency proof rejected", m, n);

  const uint64_t seed = n * 1000 + m;
  for (uint64_t bit : BitsToFlip(every_bit, seed)) {
    for (size_t e = 0; e < proof->size(); ++e) {
      if (!every_bit && e != Mix(seed + 1) % proof->size()) continue;
      std::vector<Hash32> bad = *proof;
      bad[e] = FlipBit(bad[e], bit);
      v.Expect(!VerifyConsistency(m, n, root1, root2, bad), "flipped proof bit accepted", m, n);
    }
    v.Expect(!VerifyConsistency(m, n, FlipBit(root1, bit), root2, *proof),
             "flipped root1 bit accepted", m, n);
    v.Expect(!VerifyConsistency(m, n, root1, FlipBit(root2, bit), *proof),
             "flipped root2 bit accepted", m, n);
  }
  for (const auto& bad : WrongLengths(*proof, seed)) {
    v.Expect(!VerifyConsistency(m, n, root1, root2, bad), "wrong-length proof accepted", m, n);
  }
}

TEST(MerkleProperties, EveryInclusionProofUpTo300LeavesIsPathAndBreaksWhenTampered) {
  NaiveTree tree(kMaxSize);
  Violations v;
  for (uint64_t n = 1; n <= kMaxSize; ++n) {
    for (uint64_t i = 0; i < n; ++i) CheckInclusion(tree, i, n, /*every_bit=*/false, v);
  }
  EXPECT_EQ(v.count(), 0);
}

TEST(MerkleProperties, EveryConsistencyProofUpTo300LeavesIsSubproofAndBreaksWhenTampered) {
  NaiveTree tree(kMaxSize);
  Violations v;
  for (uint64_t n = 1; n <= kMaxSize; ++n) {
    for (uint64_t m = 1; m <= n; ++m) CheckConsistency(tree, m, n, /*every_bit=*/false, v);
  }
  EXPECT_EQ(v.count(), 0);
}

TEST(MerkleProperties, EveryBitOfEveryProofUpTo9LeavesMatters) {
  NaiveTree tree(9);
  Violations v;
  for (uint64_t n = 1; n <= 9; ++n) {
    for (uint64_t i = 0; i < n; ++i) CheckInclusion(tree, i, n, /*every_bit=*/true, v);
    for (uint64_t m = 1; m <= n; ++m) CheckConsistency(tree, m, n, /*every_bit=*/true, v);
  }
  EXPECT_EQ(v.count(), 0);
}

TEST(MerkleProperties, RootAtEverySizeUpTo300IsMth) {
  NaiveTree tree(kMaxSize);
  Violations v;
  for (uint64_t n = 0; n <= kMaxSize; ++n) {
    tree.LimitTo(n);
    auto root = RootAt(tree, n);
    v.Expect(root.ok() && *root == tree.Mth(0, n), "RootAt differs from MTH", n, 0);
  }
  EXPECT_EQ(v.count(), 0);
}

// Appending leaves one at a time yields each complete subtree exactly once, when its last
// leaf arrives, with the naive reference's hash; the appender's root and compact range
// agree with MTH and with CompactRange::Read at every size.
TEST(MerkleProperties, AppenderStoresExactlyTheNaiveCompleteSubtrees) {
  NaiveTree tree(kMaxSize);
  Violations v;
  CompactRange appender;
  std::map<std::pair<int, uint64_t>, Hash32> stored;
  for (uint64_t leaf = 0; leaf < kMaxSize; ++leaf) {
    const uint64_t size = leaf + 1;
    tree.LimitTo(size);
    std::vector<SubtreeNode> expected;  // nodes whose last leaf is this one, bottom up
    for (int level = 0; size % (uint64_t{1} << level) == 0; ++level) {
      const uint64_t index = (size >> level) - 1;
      expected.push_back({level, index, tree.Mth(index << level, (index + 1) << level)});
    }
    auto completed = appender.Append(tree.leaf_hash(leaf));
    v.Expect(completed.ok() && *completed == expected, "wrong completed nodes", size, 0);
    if (!completed.ok()) return;
    for (const SubtreeNode& node : *completed) {
      v.Expect(stored.emplace(std::pair{node.level, node.index}, node.hash).second,
               "node completed twice", node.level, node.index);
    }
    v.Expect(appender.size() == size, "appender size", size, 0);
    v.Expect(appender.Root() == tree.Mth(0, size), "appender root differs from MTH", size, 0);
    auto read = CompactRange::Read(tree, size);
    v.Expect(read.ok() && read->hashes() == appender.hashes(), "compact range differs", size, 0);
  }
  size_t complete_nodes = 0;
  for (int level = 0; (uint64_t{1} << level) <= kMaxSize; ++level) {
    complete_nodes += kMaxSize >> level;
  }
  EXPECT_EQ(stored.size(), complete_nodes);
  EXPECT_EQ(v.count(), 0);
}

// A verifier holding the compact range at size a and the leaves after it recomputes the
// root at every later size.
TEST(MerkleProperties, CompactRangeExtendsToEveryLaterRoot) {
  NaiveTree tree(kMaxSize);
  tree.LimitTo(kMaxSize);
  Violations v;
  for (uint64_t a = 0; a <= kMaxSize; ++a) {
    auto shipped = CompactRange::Read(tree, a);
    auto range = CompactRange::FromHashes(a, shipped.value().hashes());
    v.Expect(range.ok(), "FromHashes refused a read range", a, 0);
    if (!range.ok()) continue;
    for (uint64_t b = a + 1; b <= kMaxSize; ++b) {
      v.Expect(range->Append(tree.leaf_hash(b - 1)).ok(), "append failed", a, b);
      v.Expect(range->Root() == tree.Mth(0, b), "extended root differs from MTH", a, b);
    }
  }
  EXPECT_EQ(v.count(), 0);
}

}  // namespace
}  // namespace chainmail
