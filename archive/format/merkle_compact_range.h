// CompactRange: a Merkle tree of the first size() leaves held as its perfect subtrees,
// left to right, one per set bit of size() (largest first), so at most 64 hashes. Hash
// rules and stored nodes: merkle.h.
//
// One class serves three users:
//  - the writer, as its tree appender: Read() the range at the current size once, then
//    Append() each new leaf hash; each Append returns exactly the complete-subtree rows
//    the store must add. Keep appending in memory across a group commit; if the commit
//    rolls back, drop the object and Read() again.
//  - an export: hashes() at the start of an exported window is the "compact range left of
//    the range" that a bundle ships.
//  - a verifier: FromHashes() that shipped range at size a, Append() leaves a..b, and
//    Root() after each append is the tree root at that size, for every size in (a, b].
//
// A value type: copy freely. Not synchronised: one thread mutates an object at a time;
// const methods may run concurrently.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "archive/format/bytes.h"
#include "archive/format/merkle.h"
#include "archive/format/status.h"

namespace chainmail {

class CompactRange {
 public:
  CompactRange() = default;  // the empty tree

  // A range received from elsewhere (an export bundle): hashes must hold exactly
  // popcount(size) hashes, else InvalidArgument. Whether they are the right hashes is
  // what the verifier checks afterwards, by comparing Root() with signed roots.
  static Result<CompactRange> FromHashes(uint64_t size, std::vector<Hash32> hashes);
  // Reads the range of the first `size` stored leaves: popcount(size) reads.
  static Result<CompactRange> Read(NodeReader& nodes, uint64_t size);

  uint64_t size() const { return size_; }
  // The perfect subtree hashes, left to right.
  const std::vector<Hash32>& hashes() const { return hashes_; }
  // The root of the tree of size() leaves: RootFromSubtrees(hashes()).
  Hash32 Root() const;

  // Appends the leaf with index size() and returns the nodes that became complete: the
  // leaf itself at level 0, then each parent it completes, bottom up (1 + the number of
  // trailing one bits of the old size). LimitExceeded if the tree already holds
  // 2^64 - 1 leaves.
  Result<std::vector<SubtreeNode>> Append(const Hash32& leaf_hash);

 private:
  CompactRange(uint64_t size, std::vector<Hash32> hashes)
      : size_(size), hashes_(std::move(hashes)) {}

  uint64_t size_ = 0;
  std::vector<Hash32> hashes_;  // popcount(size_) perfect subtrees, largest first
};

}  // namespace chainmail
