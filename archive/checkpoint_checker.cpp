#include "archive/checkpoint_checker.h"

#include "archive/checkpoint_store.h"
#include "archive/format/checkpoint.h"
#include "archive/format/merkle_proofs.h"
#include "archive/format/merkle_verify.h"
#include "archive/tree_store.h"

namespace chainmail {

Result<CheckpointCheckResult> CheckCheckpoints(Database& db, LogName log, const std::string& origin, uint64_t size,
                                               const std::vector<VerifierKey>& pinned,
                                               const std::function<void(std::string)>& report) {
  Transaction tx(db, Transaction::Kind::kDeferred);  // not begun inside a caller's: that one's snapshot holds
  auto kept = ListCheckpoints(db, log);
  if (!kept.ok()) return kept.status();
  CheckpointCheckResult result;
  result.signatures_checked = !pinned.empty();
  TreeNodeReader nodes(db, log);
  const StoredCheckpoint* previous = nullptr;
  for (const StoredCheckpoint& c : *kept) {
    ++result.checked;
    const std::string name = "checkpoint at size " + std::to_string(c.size);
    if (!pinned.empty()) {
      auto opened = OpenCheckpoint(c.note, pinned, origin);
      if (!opened.ok()) {
        report(name + ": " + opened.status().message());
      } else if (opened->size != c.size || opened->root != c.root) {
        report(name + ": the signed note disagrees with its stored size or root");
      }
    }
    if (c.size > size) {
      report(name + " is beyond the log's " + std::to_string(size) + " leaves: rollback or fork");
      continue;
    }
    auto root = RootAt(nodes, c.size);
    if (!root.ok()) {
      report(name + ": " + root.status().message());
      continue;
    }
    if (*root != c.root) report(name + ": its root is not the root of the stored log at that size");
    if (previous != nullptr) {
      auto proof = ConsistencyProof(nodes, previous->size, c.size);
      if (!proof.ok() || !VerifyConsistency(previous->size, c.size, previous->root, c.root, *proof))
        report(name + " is not consistent with the checkpoint at size " + std::to_string(previous->size));
    }
    previous = &c;
  }
  return result;
}

}  // namespace chainmail
