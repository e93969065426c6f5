#include "archive/format/merkle.h"

#include <bit>
#include <string>

#include "archive/format/sha256.h"

namespace chainmail {

Hash32 HashChildren(const Hash32& left, const Hash32& right) {
  static constexpr unsigned char kNodePrefix = 0x01;
  Sha256 h;
  h.Update(&kNodePrefix, 1);
  h.Update(left.data(), left.size());
  h.Update(right.data(), right.size());
  return h.Finish();
}

Hash32 EmptyRoot() { return Sha256::Of(""); }

Hash32 RootFromSubtrees(std::span<const Hash32> hashes) {
  if (hashes.empty()) return EmptyRoot();
  Hash32 root = hashes.back();
  for (size_t i = hashes.size() - 1; i-- > 0;) root = HashChildren(hashes[i], root);
  return root;
}

Result<std::vector<Hash32>> ReadSubtrees(NodeReader& nodes, uint64_t begin, uint64_t end) {
  if (begin >= end || begin % std::bit_floor(end - begin) != 0) {
    return Status::InvalidArgument("leaves [" + std::to_string(begin) + ", " + std::to_string(end) +
                                   ") are not a Merkle subtree");
  }
  std::vector<Hash32> hashes;
  // Peel the largest power of two off the front each time: begin stays a multiple of it.
  for (uint64_t rest = end - begin; rest != 0;) {
    const int level = std::bit_width(rest) - 1;
    auto node = nodes.Node(level, begin >> level);
    if (!node.ok()) return node.status();
    hashes.push_back(*node);
    begin += uint64_t{1} << level;
    rest -= uint64_t{1} << level;
  }
  return hashes;
}

Result<Hash32> SubtreeRoot(NodeReader& nodes, uint64_t begin, uint64_t end) {
  auto hashes = ReadSubtrees(nodes, begin, end);
  if (!hashes.ok()) return hashes.status();
  return RootFromSubtrees(*hashes);
}

Result<Hash32> RootAt(NodeReader& nodes, uint64_t size) {
  if (size == 0) return EmptyRoot();
  return SubtreeRoot(nodes, 0, size);
}

}  // namespace chainmail
