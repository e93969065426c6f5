// Checks a log's stored Merkle tree (tree_nodes) against its leaves: every level-0 node
// equals its leaf's hash, every higher node equals the hash of its two children, and
// exactly the complete subtrees of a tree of `size` leaves are present. One pass over the
// nodes in key order (last leaf, level), where each node's children come just before it,
// beside one over the leaves: memory stays constant however large the log.
// One Database, one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "archive/database.h"
#include "archive/log_head.h"

namespace chainmail {

// Calls `report` once per problem (naming level and index). Returns non-OK only when the
// database could not be read.
Status CheckTree(Database& db, LogName log, uint64_t size, const std::function<void(std::string)>& report);

}  // namespace chainmail
