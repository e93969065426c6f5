// Checking RFC 9162 inclusion and consistency proofs: what chainmail-verify, the
// in-daemon verify and auditors' tools run. Needs no store, only the proof, the sizes and
// the roots (a root comes from a checkpoint whose signature was checked elsewhere).
//
// Consistency follows RFC 9162 §2.1.4.2 with chainmail's edges explicit (INTEGRITY.md,
// "Proofs"): size1 = 0 is invalid, even when size2 = 0; size1 > size2 is invalid;
// size1 = size2 is valid exactly when the proof is empty and root1 == root2. For both
// kinds, a proof with any hash too many or too few is invalid.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "archive/format/bytes.h"

namespace chainmail {

// RFC 9162 §2.1.3.2 steps 1–4: the root that `proof` implies for leaf `index` of a tree
// of `size` leaves, or nullopt when index >= size or the proof has the wrong length.
std::optional<Hash32> RootFromInclusionProof(uint64_t index, uint64_t size, const Hash32& leaf_hash,
                                             std::span<const Hash32> proof);

// RFC 9162 §2.1.3.2: leaf_hash is leaf `index` of the tree of `size` leaves whose root is
// `root`.
bool VerifyInclusion(uint64_t index, uint64_t size, const Hash32& leaf_hash,
                     std::span<const Hash32> proof, const Hash32& root);

// RFC 9162 §2.1.4.2 with the edges above: the tree of size1 leaves with root1 is a prefix
// of the tree of size2 leaves with root2.
bool VerifyConsistency(uint64_t size1, uint64_t size2, const Hash32& root1, const Hash32& root2,
                       std::span<const Hash32> proof);

}  // namespace chainmail
