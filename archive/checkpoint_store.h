// Signed checkpoints as stored rows: add, list, find the one at a size, and thin old ones
// (every checkpoint kept for keep_days, then one per hour). A checkpoint is a C2SP
// tlog-checkpoint signed note (archive/format/checkpoint.h); the store never parses it.
// Functions over a caller-owned Database; one thread per Database.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "archive/database.h"
#include "archive/log_head.h"

namespace chainmail {

struct StoredCheckpoint {
  LogName log = LogName::kMessages;
  uint64_t size = 0;
  Hash32 root{};
  std::string note;
  int64_t signed_us = 0;
};

// Signs a note body (signed_note.h) under a key name with the deployment's checkpoint key:
// each log's checkpoints (key name = the log's origin) and the manifest of every export
// bundle. Supplied by whoever holds the key.
using NoteSigner = std::function<Result<std::string>(const std::string& body, const std::string& key_name)>;
// The signed checkpoint note of (origin, size, root), signed under the origin.
Result<std::string> SignCheckpointNote(const NoteSigner& signer, const std::string& origin, uint64_t size,
                                       const Hash32& root);

Status StoreCheckpoint(Database& db, const StoredCheckpoint& c);  // ignores a duplicate size
Result<std::vector<StoredCheckpoint>> ListCheckpoints(Database& db, LogName log);
Result<std::optional<StoredCheckpoint>> LatestCheckpoint(Database& db, LogName log);
// Deletes checkpoints signed before now - keep_days, except the newest of each UTC hour.
Result<uint64_t> ThinCheckpoints(Database& db, int64_t now_us, uint32_t keep_days);

}  // namespace chainmail
