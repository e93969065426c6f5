// ArchiveVerifier: checks a whole archive against its own commitments. For every leaf of
// every log: version, record type, log id, consecutive seq, chain link, non-decreasing
// time, stored leaf hash, the salted payload commitment. Then each record's content is
// checked by its log's RecordChecker: for messages (built in) a strict payload parse,
// the blob (decompressed, bounded) against the raw hash and length, the recomputable
// flags, and the metadata index re-derived from payload and raw bytes; for audit events,
// the checker the audit layer supplies. Finally orphan rows and reference counts.
//
// Works in short read transactions over seq blocks, in parallel (one read-only
// connection per worker; the calling thread checks trees and checkpoints meanwhile), so
// it is safe while the daemon ingests. Not itself thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "archive/database.h"
#include "archive/format/leaf.h"
#include "archive/format/verifier_key.h"
#include "archive/format/record_id.h"
#include "archive/format/status.h"
#include "archive/log_head.h"

namespace chainmail {

struct VerifyProblem {
  std::string log;           // "messages" or "audit"; empty for archive-wide problems
  uint64_t seq = 0;          // UINT64_MAX for problems not tied to one leaf
  std::string record_id;     // canonical id when known
  std::string what;
};

using ProblemSink = std::function<void(std::string what)>;

// Checks the content of one log's records. Implementations must be thread-safe: several
// workers call Check concurrently, each with its own Database.
class RecordChecker {
 public:
  virtual ~RecordChecker() = default;
  // Checks one record whose leaf and commitment are already verified; returns the raw
  // message bytes it read (for throughput figures), 0 otherwise.
  virtual uint64_t Check(Database& db, const Leaf& leaf, const RecordId& id, std::string_view payload,
                         const ProblemSink& report) = 0;
  // Archive-wide checks after all records (orphan rows, cross-references).
  virtual void CheckGlobal(Database& db, const std::function<void(VerifyProblem)>& report) {}
};

struct VerifyReport {
  uint64_t message_leaves = 0;
  uint64_t audit_leaves = 0;
  uint64_t checkpoints = 0;
  bool checkpoint_signatures_checked = false;
  uint64_t raw_bytes = 0;
  std::vector<VerifyProblem> problems;  // messages log first, then audit, then global
  bool ok() const { return problems.empty(); }
};

struct VerifyOptions {
  unsigned threads = 0;  // 0: one per core
  // Checks audit event content; without one, audit records get leaf and commitment checks only.
  std::shared_ptr<RecordChecker> audit_checker;
  // Verifier keys whose signatures checkpoints must carry (one per log origin). Empty:
  // checkpoint roots and consistency are still checked, signatures are not.
  std::vector<VerifierKey> pinned_keys;
  // Checkpoint notes an auditor kept (as the files hold them), each opened under
  // pinned_keys: its log's tree must have exactly its root at its size. They catch what
  // the kept checkpoints cannot: a rewrite with the tree recomputed and the checkpoints
  // that covered it deleted. A note that does not open, a fork or a rollback is a problem.
  std::vector<std::string> known_checkpoints;
  // Called now and then with (leaves done, total) for progress display. May be empty.
  std::function<void(uint64_t, uint64_t)> progress;
};

Result<VerifyReport> VerifyArchive(const std::string& data_dir, const VerifyOptions& options);

}  // namespace chainmail
