// GroupCommitWriter: the single writer. Sessions submit appends from many threads; one
// writer thread takes every pending submission, opens one BEGIN IMMEDIATE transaction,
// reads each log's head inside it, assigns sequence numbers and chain links, builds the
// leaves, lets each append write its content rows and commits; a WalSyncer then syncs the
// WAL once for the batch and only after that wakes its submitters (wal_syncer.h). While
// that sync runs, the writer keeps taking submissions into the next transaction, and
// commits it as soon as the sync has ended: a batch is what arrived during one fsync, and
// the rows of one batch are written while the previous one syncs.
//
// A submission (several appends, e.g. a message and its policy-decision audit event)
// commits atomically: it runs inside a SAVEPOINT, so one failing submission is rolled
// back alone and does not fail the rest of its batch. Thread-safe.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "archive/database.h"
#include "archive/format/leaf.h"
#include "archive/format/merkle_compact_range.h"
#include "archive/format/record_id.h"
#include "archive/log_head.h"
#include "archive/record_mint.h"
#include "archive/wal_syncer.h"

namespace chainmail {

struct AppendedLeaf {
  LogName log = LogName::kMessages;
  Hash32 log_id{};
  uint64_t seq = 0;
  Hash32 leaf_hash{};
  uint64_t commit_time_us = 0;
};

// What finalize learns about the leaf about to be built: the commit time of the log's
// previous leaf (0 for an empty log) and this leaf's; previous_us <= commit_us.
struct LeafTimes {
  uint64_t previous_us = 0;
  uint64_t commit_us = 0;
};

struct AppendRequest {
  LogName log = LogName::kMessages;
  RecordType type = RecordType::kMessage;
  uint16_t subtype = 0;
  RecordId record_id;
  std::string salt;  // 32 bytes
  Bytes payload;
  // finalize and write_content may run more than once: after another submission of the
  // batch fails, the writer rolls back and applies the batch again. Each run must start
  // from what the request was given, not from what an earlier run left.
  // Called inside the transaction before the leaf is built, with the leaves appended so
  // far by the same submission: lets a record name an earlier one (an audit event's
  // target ref to its message) by seq and leaf hash, or keep a time in the log's order (a
  // message's received time, archive.cpp). May set salt/payload. May be empty.
  std::function<Status(AppendRequest&, const std::vector<AppendedLeaf>&, const LeafTimes&)> finalize;
  // Writes the record's content and index rows, inside the transaction, once its leaf
  // is known. May be empty.
  std::function<Status(Database&, const AppendedLeaf&)> write_content;
  uint64_t weight_bytes = 0;  // content size, to bound a batch's size
};

// A log as the writer sees it inside one transaction: its head and its tree.
struct LogState {
  LogHead head;
  CompactRange tree;  // the tree of head.size leaves
};

// Called after each commit is synced (on the syncer thread), with each log the batch
// appended to: the new size and root (only ever over durable leaves). Must be quick.
using CommitObserver = std::function<void(LogName log, uint64_t size, const Hash32& root)>;

// Histogram bounds of WriterStats (inclusive upper bounds; a last bucket takes the rest).
inline constexpr std::array<uint64_t, 11> kBatchSizeBounds = {1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096};
inline constexpr std::array<uint64_t, 14> kCommitTimeBoundsUs = {
    250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 10000000};

struct WriterStats {
  uint64_t batches = 0;
  uint64_t appends = 0;
  uint64_t max_batch = 0;
  uint64_t apply_us = 0;       // writing the batches' rows, inside the transaction
  uint64_t commit_us = 0;      // COMMIT: the WAL write (synchronous=NORMAL: no fsync)
  uint64_t syncs = 0;          // fdatasyncs of the WAL (one covers every batch committed before it)
  uint64_t sync_us = 0;        // time in them, on the syncer thread
  uint64_t durable_us = 0;     // per commit, BEGIN IMMEDIATE to synced, summed
  uint64_t pages_written = 0;  // database pages written to the WAL
  uint64_t cache_misses = 0;   // pages read from the file system (not in SQLite's cache)
  // Per commit: how many submissions it took (their sum is `appends`, their count
  // `batches`) and how long it took, BEGIN IMMEDIATE to synced (their sum is durable_us). Bucket i counts values <= bound i and above
  // bound i-1; the last bucket counts values above every bound.
  std::array<uint64_t, kBatchSizeBounds.size() + 1> batch_size_buckets{};
  std::array<uint64_t, kCommitTimeBoundsUs.size() + 1> commit_time_buckets{};
  // Per fdatasync of the WAL, how long it took (their count is `syncs`, their sum sync_us):
  // the disk's share of every commit's time.
  std::array<uint64_t, kSyncTimeBoundsUs.size() + 1> sync_time_buckets{};
};

class GroupCommitWriter {
 public:
  // Takes ownership of the write connection and starts the writer thread. Leaf commit
  // times come from `mint`'s clock (record_mint.h). `sync` makes the WAL durable (null:
  // fdatasync; tests gate it).
  GroupCommitWriter(std::unique_ptr<Database> db, std::shared_ptr<RecordMint> mint, SyncFile sync = nullptr);
  ~GroupCommitWriter();  // Stop()

  // Appends `requests` atomically, in order; blocks until committed and synced.
  Result<std::vector<AppendedLeaf>> Append(std::vector<AppendRequest> requests);
  // The same without blocking: the future is ready once they are committed and synced (or
  // failed). What the requests' functions reference must outlive it.
  std::future<Result<std::vector<AppendedLeaf>>> Submit(std::vector<AppendRequest> requests);
  // Commits what is queued, then stops; later Appends fail with kUnavailable.
  void Stop();
  WriterStats stats() const;
  // The first failed sync (wal_syncer.h): every later Append fails with it. OK while none.
  Status sync_failure() const { return syncer_->failure(); }
  // Set before the first Append.
  void SetCommitObserver(CommitObserver observer) { observer_ = std::move(observer); }

 private:
  struct Submission {
    std::vector<AppendRequest> requests;
    std::promise<Result<std::vector<AppendedLeaf>>> done;
  };
  void Run();
  using Batch = std::vector<std::unique_ptr<Submission>>;
  void CommitBatch();
  // Takes what is queued into `batch`, within the batch bounds.
  void TakeQueued(Batch& batch, uint64_t& bytes);
  // Answers a batch: `status` when it failed as a whole, else each submission's result.
  static void Answer(Batch& batch, std::vector<Result<std::vector<AppendedLeaf>>>& results, const Status& status);
  // Writes a submission's records inside the open transaction, advancing `logs`. On
  // failure some of its rows may be written: the caller rolls back.
  Result<std::vector<AppendedLeaf>> ApplySubmission(Submission& s, std::map<LogName, LogState>& logs);
  // The same inside a savepoint: on failure its rows and `logs` are as before it.
  Result<std::vector<AppendedLeaf>> ApplyInSavepoint(Submission& s, std::map<LogName, LogState>& logs);
  void RecordTimes(uint64_t apply_us, uint64_t commit_us);
  // A commit of `submissions`, answered (synced, or failed) `start_us` after its BEGIN.
  void RecordDurable(uint64_t start_us, size_t submissions);
  Result<LogState*> State(std::map<LogName, LogState>& logs, LogName log);

  std::unique_ptr<Database> db_;      // used only by the writer thread
  const std::shared_ptr<RecordMint> mint_;
  std::map<LogName, Hash32> log_ids_; // writer thread only
  // The trees as of the last commit; reused when the head read in the next transaction
  // shows nobody else appended. Writer thread only.
  std::map<LogName, CompactRange> trees_;
  CommitObserver observer_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Submission>> queue_;  // guarded by mu_
  bool stopping_ = false;                          // guarded by mu_
  WriterStats stats_;                              // guarded by mu_
  std::unique_ptr<WalSyncer> syncer_;
  std::thread thread_;
};

}  // namespace chainmail
