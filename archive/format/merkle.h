// RFC 6962 / RFC 9162 Merkle tree hashing, and the seam through which the tree math reads
// the nodes a store keeps. Storage-agnostic: no I/O here.
//
// Hash rules (RFC 6962 §2.1): leaf_hash = SHA-256(0x00 || leaf) (LeafHash() in leaf.h),
// node = SHA-256(0x01 || left || right), and the empty tree's root is SHA-256(""). A tree
// of n > 1 leaves is split at k, the largest power of two below n: its root is
// node(root of the first k leaves, root of the other n - k).
//
// Stored nodes. For every level L and index i the store keeps, once all of its leaves
// exist, the hash of the perfect subtree over leaves [i * 2^L, (i + 1) * 2^L); level 0 is
// the leaf hashes. Every subtree of an RFC 6962 tree is either such a node or, along the
// tree's right edge, a right-to-left fold of at most 64 of them — so roots and proofs
// cost O(log n) reads. Neighbours: merkle_compact_range.h (appending; the writer's rows),
// merkle_proofs.h (building proofs), merkle_verify.h (checking them; no store needed).
//
// Pure functions; thread-safe. Functions taking a NodeReader call it only from the
// calling thread; whether one reader may serve several threads is up to the reader.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "archive/format/bytes.h"
#include "archive/format/status.h"

namespace chainmail {

// SHA-256(0x01 || left || right): an interior node.
Hash32 HashChildren(const Hash32& left, const Hash32& right);
// SHA-256(""): the root of the tree with no leaves.
Hash32 EmptyRoot();

// One complete perfect subtree: leaves [index << level, (index + 1) << level).
struct SubtreeNode {
  int level = 0;
  uint64_t index = 0;
  Hash32 hash{};
  bool operator==(const SubtreeNode&) const = default;
};

// Read access to the stored complete-subtree hashes.
class NodeReader {
 public:
  virtual ~NodeReader() = default;
  // The hash of the perfect subtree over leaves [index << level, (index + 1) << level).
  // The functions here only ask for nodes whose leaves all lie below the tree size they
  // were given. A failure (say NotFound for a node the store lacks) is passed through
  // to the caller unchanged.
  virtual Result<Hash32> Node(int level, uint64_t index) = 0;
};

// The root of the tree made of these perfect subtree hashes, left to right, sizes
// strictly decreasing (a compact range, or the pieces ReadSubtrees returns): a fold from
// the right, node(h[0], node(h[1], ... node(h[m-2], h[m-1]))). Empty input gives
// EmptyRoot().
Hash32 RootFromSubtrees(std::span<const Hash32> hashes);

// The stored perfect subtrees that make up leaves [begin, end), left to right, largest
// first: one per set bit of end - begin, so at most 64 reads. The range must be a subtree
// of some RFC 6962 tree: begin < end and begin a multiple of the largest power of two
// not above end - begin (true of [0, size) and of every subtree a proof names);
// otherwise InvalidArgument.
Result<std::vector<Hash32>> ReadSubtrees(NodeReader& nodes, uint64_t begin, uint64_t end);

// MTH(D[begin:end]): RootFromSubtrees(ReadSubtrees(nodes, begin, end)). Same contract.
Result<Hash32> SubtreeRoot(NodeReader& nodes, uint64_t begin, uint64_t end);

// The root of the tree of the first `size` leaves; EmptyRoot() for size 0. At most
// popcount(size) reads.
Result<Hash32> RootAt(NodeReader& nodes, uint64_t size);

}  // namespace chainmail
