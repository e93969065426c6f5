// SignedHeads: the newest checkpoint this deployment signed for each log, kept beside the
// signing key, outside the database, so that the key is never used to vouch for a log
// that no longer extends what it vouched for before.
//
// Without it, someone who can write the database but not read the key (a backup
// operator, a compromised database account) could drop the triggers, rewrite an audit
// event, re-chain and re-hash everything after it and delete the checkpoints that covered
// it: `chainmail verify` finds a consistent archive, and the daemon would sign the
// rewritten tree at its next start. Before signing, the checkpointer (and every
// on-demand signing) asks Check(): what is about to be signed must be consistent with
// what was signed before; after signing, and before the note leaves, it is Record()ed. Otherwise signing stops, the
// refusal names a rollback or a fork, and /healthz reports it; only a person who has
// looked can decide to move the file aside (a restore from backup looks the same).
//
// File: "<origin> <size> <root hex>\n" per log, keyed by origin so that two archives
// sharing a key directory never mistake each other's logs; mode 0600, replaced atomically
// (a mkstemp file, fsynced, renamed, directory fsynced) under an exclusive flock of
// "<path>.lock", so that the daemon and a CLI process signing at once only ever raise a
// recorded size; when root writes it for a daemon running as another user, the file keeps
// the directory's owner. It holds no secret: it is read as a plain regular file. A
// missing file is a first use: nothing to check, created by Record(). Messages name it by
// its file name only (they reach /healthz).
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

  // Whether (size, root) of the log `origin` names may be signed: OK when nothing was
  // recorded for `origin`, or when the two are consistent — the recorded head extends
  // (size, root), or (size, root) extends it — by an RFC 9162 consistency proof built from
  // the tree of `log` in `db` (or, when `db` is a snapshot older than the record, in a
  // fresh read of the same file). Corruption naming the rollback (the log now holds fewer
  // leaves than were signed) or the fork otherwise; IoError when something cannot be read.
  Status Check(Database& db, LogName log, const std::string& origin, uint64_t size, const Hash32& root) const;
  // Records that `origin` was signed at (size, root), unless a larger size is recorded.
  // NoSpace when the file's disk is full (temporary: REST answers 503), IoError otherwise.
  Status Record(const std::string& origin, uint64_t size, const Hash32& root) const;
  // What the file holds, by origin (empty when it does not exist).
  Result<std::map<std::string, Head>> Load() const;

 private:
  std::string path_;
};

}  // namespace chainmail
