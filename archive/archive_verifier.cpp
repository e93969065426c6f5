#include "archive/archive_verifier.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include "archive/archive.h"
#include "archive/message_checker.h"
#include "archive/migrations.h"
#include "archive/tree_checker.h"
#include "archive/checkpoint_checker.h"
#include "archive/format/checkpoint.h"
#include "archive/format/merkle.h"
#include "archive/tree_store.h"

namespace chainmail {
namespace {

constexpr uint64_t kBlock = 512;
constexpr uint64_t kNoSeq = UINT64_MAX;

struct LogToCheck {
  LogName log;
  const char* name;
  RecordType type;
  LogIdentity identity;
  uint64_t size = 0;
  RecordChecker* checker = nullptr;  // may be null: leaf and commitment checks only
};

// Verifies leaves [first, last) of one log in one short read transaction.
class BlockVerifier {
 public:
  BlockVerifier(Database& db, const LogToCheck& log) : db_(db), log_(log) {}

  uint64_t Run(uint64_t first, uint64_t last, std::vector<VerifyProblem>& out) {
    out_ = &out;
    uint64_t raw_bytes = 0;
    Transaction tx(db_, Transaction::Kind::kDeferred);
    Hash32 prev_hash{};
    uint64_t prev_time = 0;
    if (first > 0) {
      Statement p = db_.Prepare("SELECT leaf FROM leaves WHERE log = ? AND seq = ?");
      p.Bind(1, static_cast<int64_t>(log_.log)).Bind(2, static_cast<int64_t>(first - 1));
      if (p.Step()) {
        prev_hash = LeafHash(p.Blob(0));
        if (auto l = Leaf::Decode(p.Blob(0)); l.ok()) prev_time = l->commit_time_us;
      }
    }
    uint64_t expected = first;
    Statement st = db_.Prepare(
        "SELECT seq, leaf, leaf_hash, record_id FROM leaves WHERE log = ? AND seq >= ? AND seq < ? ORDER BY seq");
    st.Bind(1, static_cast<int64_t>(log_.log)).Bind(2, static_cast<int64_t>(first)).Bind(3, static_cast<int64_t>(last));
    while (st.Step()) {
      seq_ = static_cast<uint64_t>(st.Int(0));
      record_.clear();
      for (; expected < seq_; ++expected) Problem(expected, "leaf missing (gap in the log)");
      expected = seq_ + 1;
      const std::string leaf_bytes(st.Blob(1));
      const Hash32 hash = LeafHash(leaf_bytes);
      record_ = RecordId::FromBytes(st.Blob(3)).ToString();
      auto leaf = Leaf::Decode(leaf_bytes);
      if (!leaf.ok()) {
        Report("leaf: " + leaf.status().message());
      } else {
        CheckLeaf(*leaf, hash, prev_hash, prev_time, st.Blob(2), st.Blob(3));
        raw_bytes += CheckRecord(*leaf);
        prev_time = leaf->commit_time_us;
      }
      prev_hash = hash;
    }
    if (!st.status().ok()) Problem(first, "reading leaves failed: " + st.status().message());
    for (; expected < last; ++expected) Problem(expected, "leaf missing (gap in the log)");
    return raw_bytes;
  }

 private:
  void Problem(uint64_t seq, std::string what) { out_->push_back({log_.name, seq, "", std::move(what)}); }
  void Report(std::string what) { out_->push_back({log_.name, seq_, record_, std::move(what)}); }

  void CheckLeaf(const Leaf& leaf, const Hash32& hash, const Hash32& prev_hash, uint64_t prev_time,
                 std::string_view stored_hash, std::string_view stored_id) {
    if (leaf.record_type != log_.type) Report("leaf record type does not belong in this log");
    if (leaf.log_id != log_.identity.log_id) Report("leaf belongs to another log (log_id differs)");
    if (leaf.seq != seq_) Report("leaf says seq " + std::to_string(leaf.seq) + " but sits at " + std::to_string(seq_));
    if (leaf.prev_leaf_hash != prev_hash)
      Report("chain broken: prev_leaf_hash does not match leaf " + std::to_string(seq_ - 1));
    if (leaf.commit_time_us < prev_time) Report("commit time goes backwards");
    if (Hash32FromBytes(stored_hash) != hash) Report("stored leaf hash does not match the leaf");
    const RecordId id(leaf.record_id);
    if (id.AsBytes() != stored_id) Report("record id column does not match the leaf");
    record_ = id.ToString();
  }

  uint64_t CheckRecord(const Leaf& leaf) {
    const RecordId id(leaf.record_id);
    Statement p = db_.Prepare("SELECT salt, payload FROM payloads WHERE record_id = ?");
    p.BindBlob(1, id.AsBytes());
    if (!p.Step()) {
      Report("payload missing");
      return 0;
    }
    const std::string salt(p.Blob(0)), payload(p.Blob(1));
    if (PayloadCommitment(leaf.record_type, salt, payload) != leaf.payload_commit) {
      Report("payload or salt does not match the leaf's commitment");
      return 0;
    }
    if (log_.checker == nullptr) return 0;
    return log_.checker->Check(db_, leaf, id, payload, [this](std::string what) { Report(std::move(what)); });
  }

  Database& db_;
  const LogToCheck& log_;
  std::vector<VerifyProblem>* out_ = nullptr;
  uint64_t seq_ = 0;
  std::string record_;
};

// The size of `log` to verify. A log grows one leaf at a time from seq 0, so its size is
// its last seq + 1 and verify walks every seq below it, naming each one missing. A row keyed
// far beyond the leaves there are (inserted with the triggers dropped; seq up to 2^63 - 1)
// would make that walk endless, so the size comes from the leaves below twice the number
// stored — more gaps than leaves is no deletion but a forgery — and each leaf above is
// named in `beyond`. Read inside the caller's transaction.
Result<uint64_t> VerifiedSize(Database& db, const LogToCheck& log, std::vector<VerifyProblem>& beyond) {
  Statement count = db.Prepare("SELECT count(*) FROM leaves WHERE log = ? AND seq >= 0");
  count.Bind(1, static_cast<int64_t>(log.log));
  if (!count.Step()) return count.status().ok() ? Status::IoError("no leaf count") : count.status();
  const uint64_t stored = static_cast<uint64_t>(count.Int(0));
  const int64_t bound = static_cast<int64_t>(2 * stored + 1);
  Statement last = db.Prepare("SELECT max(seq) FROM leaves WHERE log = ? AND seq >= 0 AND seq < ?");
  last.Bind(1, static_cast<int64_t>(log.log)).Bind(2, bound);
  if (!last.Step()) return last.status().ok() ? Status::IoError("no last leaf") : last.status();
  const uint64_t size = last.IsNull(0) ? 0 : static_cast<uint64_t>(last.Int(0)) + 1;
  Statement above = db.Prepare("SELECT seq, record_id FROM leaves WHERE log = ? AND seq >= ? ORDER BY seq");
  above.Bind(1, static_cast<int64_t>(log.log)).Bind(2, bound);
  while (above.Step()) {
    const auto seq = static_cast<uint64_t>(above.Int(0));
    const std::string id = above.Blob(1).size() == 16 ? RecordId::FromBytes(above.Blob(1)).ToString() : "";
    beyond.push_back({log.name, seq, id,
                      "leaf " + std::to_string(seq) + " lies beyond the log: " + std::to_string(stored) +
                          " leaves are stored, numbered from 0 without gaps (so more than half below it were "
                          "deleted, or it was inserted out of sequence)"});
  }
  if (!above.status().ok()) return above.status();
  return size;
}

// The tree nodes 007 kept aside because no log can hold them (schema/README.md): each is
// named. The table is absent where an earlier release ran 007.
Status CheckUnmappedTreeNodes(Database& db, std::vector<VerifyProblem>& problems) {
  auto present = db.QueryInt("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'tree_nodes_unmapped'");
  if (!present.ok()) return present.status();
  if (*present == 0) return Status::Ok();
  Statement st = db.Prepare("SELECT quote(log), quote(level), quote(idx) FROM tree_nodes_unmapped");
  while (st.Step())
    problems.push_back({"", kNoSeq, "",
                        "tree node of log " + std::string(st.Text(0)) + " at level " + std::string(st.Text(1)) +
                            " index " + std::string(st.Text(2)) +
                            " was kept aside at the upgrade to schema 7: no log can have it (a level above 62, a "
                            "subtree reaching 2^63 leaves or a malformed row)"});
  return st.status();
}

// The auditor's held checkpoints (VerifyOptions::known_checkpoints) against the stored
// trees, read in the caller's snapshot. Each note must open under a pinned key named after
// one of the logs' origins; then that log must be at least its size, with its root there.
// The tree itself is checked against the leaves by CheckTree.
void CheckHeldCheckpoints(Database& db, const std::vector<LogToCheck>& logs, const std::vector<std::string>& notes,
                          const std::vector<VerifierKey>& pinned, std::vector<VerifyProblem>& problems) {
  for (size_t i = 0; i < notes.size(); ++i) {
    const std::string what = "held checkpoint #" + std::to_string(i + 1);
    const std::string_view origin = std::string_view(notes[i]).substr(0, notes[i].find('\n'));
    const LogToCheck* log = nullptr;
    for (const LogToCheck& l : logs)
      if (l.identity.origin == origin) log = &l;
    if (log == nullptr) {
      problems.push_back({"", kNoSeq, "", what + ": not a checkpoint of this archive's logs (its origin line names neither)"});
      continue;
    }
    auto held = OpenCheckpoint(notes[i], pinned, log->identity.origin);
    if (!held.ok()) {
      problems.push_back({log->name, kNoSeq, "", what + ": not a checkpoint signed by a pinned key: " + held.status().message()});
      continue;
    }
    const std::string name = "held checkpoint at size " + std::to_string(held->size);
    if (held->size > log->size) {
      problems.push_back({log->name, kNoSeq, "",
                          name + ": rollback (the log now has " + std::to_string(log->size) + " leaves)"});
      continue;
    }
    TreeNodeReader nodes(db, log->log);
    auto root = RootAt(nodes, held->size);
    if (!root.ok())
      problems.push_back({log->name, kNoSeq, "", name + ": " + root.status().message()});
    else if (*root != held->root)
      problems.push_back({log->name, kNoSeq, "", name + ": fork (the archive's root at that size differs)"});
  }
}

// Each log's stored tree and kept checkpoints, then the held ones; their problems go to
// `problems`.
Status CheckTreesAndCheckpoints(Database& db, const std::vector<LogToCheck>& logs, const VerifyOptions& options,
                                VerifyReport& report, std::vector<VerifyProblem>& problems) {
  const std::vector<VerifierKey>& pinned = options.pinned_keys;
  if (Status s = CheckUnmappedTreeNodes(db, problems); !s.ok()) return s;
  for (const LogToCheck& l : logs) {
    auto add_problem = [&](std::string what) { problems.push_back({l.name, kNoSeq, "", std::move(what)}); };
    if (Status s = CheckTree(db, l.log, l.size, add_problem); !s.ok()) return s;
    auto checked = CheckCheckpoints(db, l.log, l.identity.origin, l.size, pinned, add_problem);
    if (!checked.ok()) return checked.status();
    report.checkpoints += checked->checked;
    report.checkpoint_signatures_checked = checked->signatures_checked;
  }
  CheckHeldCheckpoints(db, logs, options.known_checkpoints, pinned, problems);
  return Status::Ok();
}

}  // namespace

Result<VerifyReport> VerifyArchive(const std::string& data_dir, const VerifyOptions& options) {
  const std::string path = DatabasePath(data_dir);
  auto main_db = Database::Open(path, Database::Mode::kReadOnly);
  if (!main_db.ok()) return main_db.status();
  // Read-only, verify never migrates: an archive of another schema version is named as
  // such, not met with a query on a column it lacks.
  auto version = (*main_db)->QueryInt("PRAGMA user_version");
  if (!version.ok()) return version.status();
  if (*version != LatestSchemaVersion())
    return Status::InvalidArgument(
        path + " has schema version " + std::to_string(*version) + " and this chainmail verifies version " +
        std::to_string(LatestSchemaVersion()) +
        (*version < LatestSchemaVersion() ? ": start this release's chainmaild on it once (it migrates the archive "
                                            "at start), then verify"
                                          : ": verify it with the chainmail release that wrote it"));
  std::vector<VerifyProblem> beyond;  // leaves keyed beyond their log (VerifiedSize)
  MessageChecker message_checker;
  std::vector<LogToCheck> logs = {
      {LogName::kMessages, "messages", RecordType::kMessage, {}, 0, &message_checker},
      {LogName::kAudit, "audit", RecordType::kAuditEvent, {}, 0, options.audit_checker.get()},
  };
  // One snapshot for the sizes, the trees and the checkpoints, held on the main connection
  // until they are checked: nodes and checkpoints committed meanwhile (verify runs beside
  // the daemon) would cover leaves beyond these sizes. Leaves appended later are verified
  // next time. (CheckTree and CheckCheckpoints read inside it: their own BEGIN is refused
  // within a transaction, which they ignore.) The record workers need no snapshot: the
  // rows of leaves below these sizes never change.
  std::optional<Transaction> snapshot(std::in_place, **main_db, Transaction::Kind::kDeferred);
  if (!snapshot->status().ok()) return snapshot->status();
  for (LogToCheck& l : logs) {
    auto identity = ReadLogIdentity(**main_db, l.log);
    if (!identity.ok()) return identity.status();
    if (LogIdForOrigin(identity->origin) != identity->log_id)
      return Status::Corruption(std::string("logs table: log_id of ") + l.name + " is not SHA-256 of its origin");
    l.identity = *identity;
    auto size = VerifiedSize(**main_db, l, beyond);
    if (!size.ok()) return size.status();
    l.size = *size;
  }

  // Work items: blocks of each log, handed to one worker per core.
  struct Block { size_t log; uint64_t first, last; };
  std::vector<Block> blocks;
  uint64_t total = 0;
  for (size_t i = 0; i < logs.size(); ++i) {
    total += logs[i].size;
    for (uint64_t b = 0; b < logs[i].size; b += kBlock) blocks.push_back({i, b, std::min(logs[i].size, b + kBlock)});
  }
  std::vector<std::vector<VerifyProblem>> per_block(blocks.size());
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> done{0}, raw_bytes{0};
  std::mutex mu;
  Status worker_error;
  const unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      auto db = Database::Open(path, Database::Mode::kReadOnly);
      if (!db.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        worker_error = db.status();
        return;
      }
      for (size_t b; (b = next++) < blocks.size();) {
        BlockVerifier verifier(**db, logs[blocks[b].log]);
        raw_bytes += verifier.Run(blocks[b].first, blocks[b].last, per_block[b]);
        uint64_t d = done += blocks[b].last - blocks[b].first;
        if (options.progress) {
          std::lock_guard<std::mutex> lock(mu);
          options.progress(d, total);
        }
      }
    });
  // Trees and checkpoints on this thread meanwhile, through the main connection: run after
  // the records, this serial part would add its whole time to verify's.
  VerifyReport report;
  std::vector<VerifyProblem> tree_problems;
  const Status trees = CheckTreesAndCheckpoints(**main_db, logs, options, report, tree_problems);
  snapshot.reset();
  for (auto& t : pool) t.join();
  if (!worker_error.ok()) return worker_error;
  if (!trees.ok()) return trees;

  report.message_leaves = logs[0].size;
  report.audit_leaves = logs[1].size;
  report.raw_bytes = raw_bytes;
  for (auto& v : per_block) report.problems.insert(report.problems.end(), v.begin(), v.end());
  report.problems.insert(report.problems.end(), beyond.begin(), beyond.end());
  report.problems.insert(report.problems.end(), tree_problems.begin(), tree_problems.end());
  Transaction tx(**main_db, Transaction::Kind::kDeferred);
  auto add = [&](VerifyProblem p) { report.problems.push_back(std::move(p)); };
  for (LogToCheck& l : logs)
    if (l.checker) l.checker->CheckGlobal(**main_db, add);
  return report;
}

}  // namespace chainmail
