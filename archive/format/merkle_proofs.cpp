#include "archive/format/merkle_proofs.h"

#include <algorithm>
#include <bit>
#include <string>

namespace chainmail {
namespace {

// RFC 6962 §2.1: the split point of a tree of n > 1 leaves, the largest power of two < n.
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

// Both proofs are defined recursively with each level's sibling appended after the
// deeper levels' elements. The loops below walk from the root down, collecting the
// siblings in the opposite order; Reversed() restores the RFC's order.
std::vector<Hash32> Reversed(std::vector<Hash32> v) {
  std::reverse(v.begin(), v.end());
  return v;
}

}  // namespace

Result<std::vector<Hash32>> InclusionProof(NodeReader& nodes, uint64_t index, uint64_t size) {
  if (index >= size) {
    return Status::InvalidArgument("no leaf " + std::to_string(index) + " in a tree of " +
                                   std::to_string(size));
  }
  std::vector<Hash32> root_first;
  uint64_t begin = 0;  // the current subtree is D[begin:end]; it holds the leaf
  uint64_t end = size;
  while (end - begin > 1) {
    const uint64_t mid = begin + SplitPoint(end - begin);
    // PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) for m < k, else
    //                 PATH(m - k, D[k:n]) : MTH(D[0:k]).
    const bool left = index < mid;
    auto sibling = left ? SubtreeRoot(nodes, mid, end) : SubtreeRoot(nodes, begin, mid);
    if (!sibling.ok()) return sibling.status();
    root_first.push_back(*sibling);
    if (left) {
      end = mid;
    } else {
      begin = mid;
    }
  }
  return Reversed(std::move(root_first));
}

Result<std::vector<Hash32>> ConsistencyProof(NodeReader& nodes, uint64_t size1, uint64_t size2) {
  if (size1 == 0 || size1 > size2) {
    return Status::InvalidArgument("no consistency proof from size " + std::to_string(size1) +
                                   " to size " + std::to_string(size2));
  }
  std::vector<Hash32> root_first;
  uint64_t begin = 0;  // the current subtree is D[begin:end]; size1 lies in (begin, end]
  uint64_t end = size2;
  bool old_root_known = true;  // SUBPROOF's flag b: is D[begin:size1] a whole old tree?
  while (size1 < end) {
    const uint64_t mid = begin + SplitPoint(end - begin);
    // SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n]) for m <= k, else
    //                        SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]).
    const bool left = size1 <= mid;
    auto sibling = left ? SubtreeRoot(nodes, mid, end) : SubtreeRoot(nodes, begin, mid);
    if (!sibling.ok()) return sibling.status();
    root_first.push_back(*sibling);
    if (left) {
      end = mid;
    } else {
      begin = mid;
      old_root_known = false;
    }
  }
  // SUBPROOF(m, D[m], b) = {} when b, else {MTH(D[m])}; D[begin:end] is perfect here.
  if (!old_root_known) {
    auto subtree = SubtreeRoot(nodes, begin, end);
    if (!subtree.ok()) return subtree.status();
    root_first.push_back(*subtree);
  }
  return Reversed(std::move(root_first));
}

}  // namespace chainmail
