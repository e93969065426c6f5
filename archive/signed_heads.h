// SignedHeads: the newest checkpoint this deployment signed for each log, kept beside the
// signing key, outside the database, so that the key is never used to vouch for a log
// that no longer extends what it vouched for before.
//
// Without it, someone who can write the database but not read the key (a backup
// operator, a compromised database account) could drop the triggers, rewrite an audit
// event, re-chain and re-hash everything after it and delete the checkpoints that covered
// it: `chainmail verify` finds a consistent archive, and the daemon would sign the
// rewritten tree at its next start. Before signing, the checkpointer (and every
// on-demand signing) asks Check(): the log in the database must still hold at least the
// recorded size, with the recorded root at that size. Otherwise signing stops, the
// refusal names a rollback or a fork, and /healthz reports it; only a person who has
// looked can decide to move the file aside (a restore from backup looks the same).
//
// File: "<log name> <size> <root hex>\n" per log, mode 0600, replaced atomically (written
// to a temporary file, fsynced, renamed, directory fsynced) under an exclusive flock of
// "<path>.lock", so that the daemon and a CLI process signing at once only ever raise a
// recorded size. A missing file is a first use: nothing to check, created by Record().
//
// Thread-safe (each call opens what it needs; the file lock serialises writers).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "archive/database.h"
#include "archive/format/bytes.h"
#include "archive/format/status.h"
#include "archive/log_head.h"

namespace chainmail {

class SignedHeads {
 public:
  struct Head {
    uint64_t size = 0;
    Hash32 root{};
  };

  explicit SignedHeads(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }

  // OK when nothing was recorded for `log`, or when `db` (read in one transaction by the
  // caller, or as it stands) still holds the recorded size with the recorded root there.
  // Corruption naming the rollback or fork otherwise; IoError when the file or the tree
  // cannot be read.
  Status Check(Database& db, LogName log) const;
  // Records that `log` was signed at (size, root), unless a larger size is recorded.
  Status Record(LogName log, uint64_t size, const Hash32& root) const;
  // What the file holds (empty when it does not exist).
  Result<std::map<LogName, Head>> Load() const;

 private:
  std::string path_;
};

}  // namespace chainmail
