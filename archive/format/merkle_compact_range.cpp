#include "archive/format/merkle_compact_range.h"

#include <bit>
#include <limits>
#include <string>
#include <utility>

namespace chainmail {

Result<CompactRange> CompactRange::FromHashes(uint64_t size, std::vector<Hash32> hashes) {
  const auto expected = static_cast<size_t>(std::popcount(size));
  if (hashes.size() != expected) {
    return Status::InvalidArgument("a compact range of size " + std::to_string(size) + " has " +
                                   std::to_string(expected) + " hashes, not " +
                                   std::to_string(hashes.size()));
  }
  return CompactRange(size, std::move(hashes));
}

Result<CompactRange> CompactRange::Read(NodeReader& nodes, uint64_t size) {
  if (size == 0) return CompactRange();
  auto hashes = ReadSubtrees(nodes, 0, size);
  if (!hashes.ok()) return hashes.status();
  return CompactRange(size, std::move(*hashes));
}

Hash32 CompactRange::Root() const { return RootFromSubtrees(hashes_); }

Result<std::vector<SubtreeNode>> CompactRange::Append(const Hash32& leaf_hash) {
  if (size_ == std::numeric_limits<uint64_t>::max()) {
    return Status::LimitExceeded("a Merkle tree holds at most 2^64 - 1 leaves");
  }
  std::vector<SubtreeNode> completed;
  SubtreeNode node{0, size_, leaf_hash};
  completed.push_back(node);
  // Each trailing one bit of the old size is a left sibling waiting for this leaf's
  // subtree: merge them, like carries in binary addition.
  while ((node.index & 1) != 0) {
    node = {node.level + 1, node.index >> 1, HashChildren(hashes_.back(), node.hash)};
    hashes_.pop_back();
    completed.push_back(node);
  }
  hashes_.push_back(node.hash);
  ++size_;
  return completed;
}

}  // namespace chainmail
