// TreeStore: a log's RFC 6962 tree as rows of tree_nodes (every complete subtree, see
// archive/format/merkle.h), read through the NodeReader seam so roots and proofs of any
// past size cost O(log n) reads. Used by the writer (inside its transaction), verify and
// exports. One Database, one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "archive/database.h"
#include "archive/format/merkle.h"
#include "archive/log_head.h"

namespace chainmail {

class TreeNodeReader : public NodeReader {
 public:
  TreeNodeReader(Database& db, LogName log) : db_(db), log_(log) {}
  Result<Hash32> Node(int level, uint64_t index) override;

 private:
  Database& db_;
  LogName log_;
};

// A subtree's row key (schema 007): the last leaf it covers. Level L index i covers leaves
// [i*2^L, (i+1)*2^L). Nullopt past any leaf a log can have.
std::optional<int64_t> SubtreeLastLeaf(int level, uint64_t index);
// The inverse: the index of the subtree at `level` (0..62) that ends at `last_leaf`.
inline uint64_t SubtreeIndex(uint64_t last_leaf, int level) { return ((last_leaf + 1) >> level) - 1; }

Status InsertTreeNodes(Database& db, LogName log, const std::vector<SubtreeNode>& nodes);
// Leaves whose level-0 node is missing (an archive from before migration 002): appends
// their nodes, in one transaction. Returns how many leaves were added to the tree.
Result<uint64_t> BackfillTree(Database& db, LogName log);

}  // namespace chainmail
