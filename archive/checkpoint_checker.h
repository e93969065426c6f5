// Checks a log's kept checkpoints: each note parses and carries a valid signature by a
// pinned verifier key named after the log's origin; its size is within the log (a larger
// one means the log was rolled back or forked); its root equals the root recomputed from
// the (separately verified) stored tree at that size; and each is consistent with the
// next, by an RFC 9162 consistency proof built from the store and verified.
// One Database, one thread.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "archive/database.h"
#include "archive/format/verifier_key.h"
#include "archive/log_head.h"

namespace chainmail {

struct CheckpointCheckResult {
  uint64_t checked = 0;
  bool signatures_checked = false;  // false when no key was pinned
};

Result<CheckpointCheckResult> CheckCheckpoints(Database& db, LogName log, const std::string& origin, uint64_t size,
                                               const std::vector<VerifierKey>& pinned,
                                               const std::function<void(std::string)>& report);

}  // namespace chainmail
