#include "archive/tree_checker.h"

#include <algorithm>
#include <array>
#include <bit>
#include <optional>

#include "archive/format/merkle.h"
#include "archive/tree_store.h"

namespace chainmail {
namespace {

std::string NodeName(int level, uint64_t index) {
  return "tree node " + std::to_string(level) + "/" + std::to_string(index);
}

// A stored row by its key, where it need not be a complete subtree (nor its key >= 0).
std::string RowName(int64_t last_leaf, int64_t level) {
  const auto leaf = static_cast<uint64_t>(last_leaf);
  if (last_leaf >= 0 && level >= 0 && level < 63 && ((leaf + 1) >> level) << level == leaf + 1)
    return NodeName(static_cast<int>(level), SubtreeIndex(leaf, static_cast<int>(level)));
  return "tree node at level " + std::to_string(level) + " ending at leaf " + std::to_string(last_leaf);
}

// The highest level of a complete subtree whose last leaf is `leaf`: leaf j closes
// subtrees at levels 0 .. ctz(j + 1).
int TopLevelEndingAt(uint64_t leaf) { return std::min(62, std::countr_zero(leaf + 1)); }

// The nodes a tree of `size` leaves must have, in key order (last_leaf, level).
class ExpectedNodes {
 public:
  explicit ExpectedNodes(uint64_t size) : size_(size) {}
  bool done() const { return leaf_ >= size_; }
  uint64_t leaf() const { return leaf_; }
  int level() const { return level_; }
  void Next() {
    if (level_ < TopLevelEndingAt(leaf_)) {
      ++level_;
    } else {
      ++leaf_;
      level_ = 0;
    }
  }
  // Whether the next expected node comes before the row (leaf, level) in key order.
  bool Before(uint64_t leaf, int64_t level) const { return leaf_ < leaf || (leaf_ == leaf && level_ < level); }

 private:
  const uint64_t size_;
  uint64_t leaf_ = 0;
  int level_ = 0;
};

class TreeWalk {
 public:
  TreeWalk(Database& db, LogName log, uint64_t size, const std::function<void(std::string)>& report)
      : leaves_(db.Prepare("SELECT seq, leaf_hash FROM leaves WHERE log = ? AND seq >= 0 AND seq < ? ORDER BY seq")),
        report_(report) {
    leaves_.Bind(1, static_cast<int64_t>(log)).Bind(2, static_cast<int64_t>(size));
  }

  // A stored node that the tree expects here. Every expected node passes through Node,
  // Missing or Unusable in key order, so a parent's children (level - 1, indexes 2i and
  // 2i + 1) are the latest of their level and parity when it comes.
  void Node(uint64_t last_leaf, int level, const Hash32& hash) {
    const uint64_t index = SubtreeIndex(last_leaf, level);
    if (level == 0) {
      if (auto leaf_hash = LeafHash(last_leaf); leaf_hash && *leaf_hash != hash)
        report_(NodeName(0, index) + " differs from the leaf hash");
    } else {
      const std::optional<Hash32>& left = latest_[level - 1][0];
      const std::optional<Hash32>& right = latest_[level - 1][1];
      if (left && right && HashChildren(*left, *right) != hash)
        report_(NodeName(level, index) + " does not match its children");
    }
    latest_[level][index & 1] = hash;
  }

  void Missing(uint64_t last_leaf, int level) {
    report_(NodeName(level, SubtreeIndex(last_leaf, level)) + " missing");
    Unusable(last_leaf, level);
  }

  // A node whose hash cannot be used: its parent is not checked against it (the node's
  // own report says why).
  void Unusable(uint64_t last_leaf, int level) { latest_[level][SubtreeIndex(last_leaf, level) & 1].reset(); }

  Status status() const { return leaves_.status(); }

 private:
  // The leaf's hash, where its row exists (a missing leaf is the chain check's report).
  std::optional<Hash32> LeafHash(uint64_t seq) {
    while (!leaf_seq_ || *leaf_seq_ < seq) {
      if (!leaves_.Step()) return std::nullopt;
      leaf_seq_ = static_cast<uint64_t>(leaves_.Int(0));
      leaf_hash_ = leaves_.Blob(1).size() == 32 ? std::optional<Hash32>(Hash32FromBytes(leaves_.Blob(1))) : std::nullopt;
    }
    return *leaf_seq_ == seq ? leaf_hash_ : std::nullopt;
  }

  Statement leaves_;
  const std::function<void(std::string)>& report_;
  std::optional<uint64_t> leaf_seq_;
  std::optional<Hash32> leaf_hash_;
  std::array<std::array<std::optional<Hash32>, 2>, 63> latest_{};  // [level][index parity]
};

// Rows keyed below zero: no leaf or subtree has such a key, and in key order they would
// come before every real one (a leaf there would stop the walk comparing level 0 at all).
Status CheckNegativeKeys(Database& db, LogName log, const std::function<void(std::string)>& report) {
  Statement leaves = db.Prepare("SELECT seq FROM leaves WHERE log = ? AND seq < 0 ORDER BY seq");
  leaves.Bind(1, static_cast<int64_t>(log));
  while (leaves.Step()) report("leaf " + std::to_string(leaves.Int(0)) + " has a negative sequence number");
  if (!leaves.status().ok()) return leaves.status();
  Statement nodes = db.Prepare("SELECT last_leaf, level FROM tree_nodes WHERE log = ? AND last_leaf < 0 ORDER BY last_leaf");
  nodes.Bind(1, static_cast<int64_t>(log));
  while (nodes.Step()) report(RowName(nodes.Int(0), nodes.Int(1)) + " is not a complete subtree");
  return nodes.status();
}

}  // namespace

Status CheckTree(Database& db, LogName log, uint64_t size, const std::function<void(std::string)>& report) {
  Transaction tx(db, Transaction::Kind::kDeferred);  // not begun inside a caller's: that one's snapshot holds
  if (Status s = CheckNegativeKeys(db, log, report); !s.ok()) return s;
  TreeWalk walk(db, log, size, report);
  ExpectedNodes expected(size);
  Statement nodes = db.Prepare(
      "SELECT last_leaf, level, hash FROM tree_nodes WHERE log = ? AND last_leaf >= 0 ORDER BY last_leaf, level");
  nodes.Bind(1, static_cast<int64_t>(log));
  while (nodes.Step()) {
    const int64_t key = nodes.Int(0);
    const auto last_leaf = static_cast<uint64_t>(key);
    const int64_t level = nodes.Int(1);
    for (; !expected.done() && expected.Before(last_leaf, level); expected.Next())
      walk.Missing(expected.leaf(), expected.level());
    if (last_leaf >= size) {
      report(RowName(key, level) + " covers leaves the log does not have");
    } else if (expected.done() || last_leaf != expected.leaf() || level != expected.level()) {
      // Not a complete subtree (past the top level its last leaf closes): the schema's
      // CHECK forbids it, unless the schema itself was changed.
      report(RowName(key, level) + " is not a complete subtree");
    } else if (nodes.Blob(2).size() != 32) {
      report(RowName(key, level) + " is not a 32-byte hash");
      walk.Unusable(last_leaf, expected.level());
      expected.Next();
    } else {
      walk.Node(last_leaf, expected.level(), Hash32FromBytes(nodes.Blob(2)));
      expected.Next();
    }
  }
  for (; !expected.done(); expected.Next()) walk.Missing(expected.leaf(), expected.level());
  if (!nodes.status().ok()) return nodes.status();
  return walk.status();
}

}  // namespace chainmail
