#include "archive/tree_checker.h"

#include <algorithm>
#include <array>
#include <bit>
#include <optional>

#include "archive/format/merkle.h"

namespace chainmail {
namespace {

std::string NodeName(int level, uint64_t index) {
  return "tree node " + std::to_string(level) + "/" + std::to_string(index);
}

uint64_t IndexOf(uint64_t last_leaf, int level) { return ((last_leaf + 1) >> level) - 1; }

// A stored row by its key, where it need not be a complete subtree.
std::string RowName(uint64_t last_leaf, int64_t level) {
  if (level >= 0 && level < 63 && ((last_leaf + 1) >> level) << level == last_leaf + 1)
    return NodeName(static_cast<int>(level), IndexOf(last_leaf, static_cast<int>(level)));
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

// The two children of the next node up, as they were read: a node's children come just
// before it in key order (the right child ends at the same leaf), so the latest node of
// each level and index parity is all a parent needs. An absent hash marks a child that is
// missing; its parent is then not checked (the child's report says why).
struct Seen {
  uint64_t index = 0;
  bool present = false;
  std::optional<Hash32> hash;
};

class TreeWalk {
 public:
  TreeWalk(Database& db, LogName log, uint64_t size, const std::function<void(std::string)>& report)
      : leaves_(db.Prepare("SELECT seq, leaf_hash FROM leaves WHERE log = ? AND seq >= 0 AND seq < ? ORDER BY seq")),
        report_(report) {
    leaves_.Bind(1, static_cast<int64_t>(log)).Bind(2, static_cast<int64_t>(size));
  }

  // A stored node that the tree expects here.
  void Node(uint64_t last_leaf, int level, const Hash32& hash) {
    const uint64_t index = IndexOf(last_leaf, level);
    if (level == 0) {
      if (auto leaf_hash = LeafHash(last_leaf); leaf_hash && *leaf_hash != hash)
        report_(NodeName(0, index) + " differs from the leaf hash");
    } else {
      const Seen& left = seen_[level - 1][0];
      const Seen& right = seen_[level - 1][1];
      const bool children = left.present && right.present && left.index == 2 * index && right.index == 2 * index + 1;
      if (children && left.hash && right.hash && HashChildren(*left.hash, *right.hash) != hash)
        report_(NodeName(level, index) + " does not match its children");
      else if (!children)
        report_(NodeName(level, index) + ": a child is missing or out of place");
    }
    Remember(level, index, hash);
  }

  void Missing(uint64_t last_leaf, int level) {
    report_(NodeName(level, IndexOf(last_leaf, level)) + " missing");
    Unusable(last_leaf, level);
  }

  // A node whose hash cannot be used: its parent is not checked against it.
  void Unusable(uint64_t last_leaf, int level) { Remember(level, IndexOf(last_leaf, level), std::nullopt); }

  Status status() const { return leaves_.status(); }

 private:
  void Remember(int level, uint64_t index, std::optional<Hash32> hash) {
    seen_[level][index & 1] = Seen{index, true, hash};
  }

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
  std::array<std::array<Seen, 2>, 63> seen_{};
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
  while (nodes.Step())
    report("tree node at level " + std::to_string(nodes.Int(1)) + " ending at leaf " + std::to_string(nodes.Int(0)) +
           " is not a complete subtree");
  return nodes.status();
}

}  // namespace

Status CheckTree(Database& db, LogName log, uint64_t size, const std::function<void(std::string)>& report) {
  Transaction tx(db, Transaction::Kind::kDeferred);
  if (Status s = CheckNegativeKeys(db, log, report); !s.ok()) return s;
  TreeWalk walk(db, log, size, report);
  ExpectedNodes expected(size);
  Statement nodes = db.Prepare(
      "SELECT last_leaf, level, hash FROM tree_nodes WHERE log = ? AND last_leaf >= 0 ORDER BY last_leaf, level");
  nodes.Bind(1, static_cast<int64_t>(log));
  while (nodes.Step()) {
    const uint64_t last_leaf = static_cast<uint64_t>(nodes.Int(0));
    const int64_t level = nodes.Int(1);
    for (; !expected.done() && expected.Before(last_leaf, level); expected.Next())
      walk.Missing(expected.leaf(), expected.level());
    if (last_leaf >= size) {
      report(RowName(last_leaf, level) + " covers leaves the log does not have");
    } else if (expected.done() || last_leaf != expected.leaf() || level != expected.level()) {
      // Not a complete subtree (past the top level its last leaf closes): the schema's
      // CHECK forbids it, unless the schema itself was changed.
      report(RowName(last_leaf, level) + " is not a complete subtree");
    } else if (nodes.Blob(2).size() != 32) {
      report(RowName(last_leaf, level) + " is not a 32-byte hash");
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
