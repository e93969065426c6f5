// Building RFC 9162 inclusion and consistency proofs from the stored complete-subtree
// nodes (merkle.h). The proofs are exactly RFC 9162 §2.1.3.1 PATH and §2.1.4.1 SUBPROOF,
// ordered leaf side first, as merkle_verify.h and every RFC 9162 verifier expect them.
//
// Cost: a proof element is a stored node or, for the one sibling that lies on the tree's
// right edge, a fold of at most log2(size) stored nodes; so a proof costs at most about
// 2 * log2(size) + 1 reads, whatever the shape of the tree.
//
// Pure functions over the reader; thread-safe as far as the reader is.
#pragma once

#include <cstdint>
#include <vector>

#include "archive/format/bytes.h"
#include "archive/format/merkle.h"
#include "archive/format/status.h"

namespace chainmail {

// The audit path of leaf `index` in the tree of the first `size` leaves: PATH(index,
// D[0:size]). InvalidArgument unless index < size. Empty when size is 1.
Result<std::vector<Hash32>> InclusionProof(NodeReader& nodes, uint64_t index, uint64_t size);

// The proof that the tree of the first size1 leaves is a prefix of the tree of the first
// size2: SUBPROOF(size1, D[0:size2], true). InvalidArgument when size1 is 0 or above
// size2 (no proof exists that chainmail's verifier would accept); empty when they are
// equal.
Result<std::vector<Hash32>> ConsistencyProof(NodeReader& nodes, uint64_t size1, uint64_t size2);

}  // namespace chainmail
