#include "archive/format/merkle_verify.h"

#include <bit>

#include "archive/format/merkle.h"

namespace chainmail {
namespace {

// RFC 9162's "right-shift fn and sn equally until either LSB(fn) is set or fn is 0".
void ShiftPastRightEdge(uint64_t& fn, uint64_t& sn) {
  while (fn != 0 && (fn & 1) == 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

}  // namespace

std::optional<Hash32> RootFromInclusionProof(uint64_t index, uint64_t size, const Hash32& leaf_hash,
                                             std::span<const Hash32> proof) {
  if (index >= size) return std::nullopt;
  uint64_t fn = index;     // our node's index at the current level
  uint64_t sn = size - 1;  // the last node's index at the current level
  Hash32 r = leaf_hash;
  for (const Hash32& p : proof) {
    if (sn == 0) return std::nullopt;  // a hash too many
    if ((fn & 1) != 0 || fn == sn) {
      r = HashChildren(p, r);
      ShiftPastRightEdge(fn, sn);
    } else {
      r = HashChildren(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return std::nullopt;  // a hash too few
  return r;
}

bool VerifyInclusion(uint64_t index, uint64_t size, const Hash32& leaf_hash,
                     std::span<const Hash32> proof, const Hash32& root) {
  const std::optional<Hash32> implied = RootFromInclusionProof(index, size, leaf_hash, proof);
  return implied.has_value() && *implied == root;
}

bool VerifyConsistency(uint64_t size1, uint64_t size2, const Hash32& root1, const Hash32& root2,
                       std::span<const Hash32> proof) {
  if (size1 == 0 || size1 > size2) return false;
  if (size1 == size2) return proof.empty() && root1 == root2;
  if (proof.empty()) return false;
  // When size1 is a power of two the old tree is one node of the new one and the proof
  // omits it: the verifier's root1 takes its place as the first value.
  const bool old_tree_is_a_node = std::has_single_bit(size1);
  const Hash32& seed = old_tree_is_a_node ? root1 : proof.front();
  std::span<const Hash32> rest = old_tree_is_a_node ? proof : proof.subspan(1);

  uint64_t fn = size1 - 1;  // the old tree's last node at the current level
  uint64_t sn = size2 - 1;  // the new tree's last node at the current level
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash32 fr = seed;  // the old root, rebuilt
  Hash32 sr = seed;  // the new root, rebuilt
  for (const Hash32& c : rest) {
    if (sn == 0) return false;  // a hash too many
    if ((fn & 1) != 0 || fn == sn) {
      fr = HashChildren(c, fr);
      sr = HashChildren(c, sr);
      ShiftPastRightEdge(fn, sn);
    } else {
      sr = HashChildren(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && fr == root1 && sr == root2;
}

}  // namespace chainmail
