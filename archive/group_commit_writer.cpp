#include "archive/group_commit_writer.h"

#include <algorithm>
#include <optional>

#include "archive/format/rfc3339.h"
#include "archive/histogram.h"
#include "archive/thread_name.h"
#include "archive/tree_store.h"

namespace chainmail {
namespace {

constexpr size_t kMaxBatchSubmissions = 4096;
constexpr uint64_t kMaxBatchBytes = 64ull << 20;

// Disk full or I/O trouble affects the whole batch; anything else only its submission.
bool FailsTheBatch(const Status& s) {
  return s.code() == Status::Code::kNoSpace || s.code() == Status::Code::kIoError;
}

}  // namespace

GroupCommitWriter::GroupCommitWriter(std::unique_ptr<Database> db, std::shared_ptr<RecordMint> mint, SyncFile sync)
    : db_(std::move(db)), mint_(std::move(mint)) {
  // COMMIT writes the WAL; the syncer makes it durable (wal_syncer.h). Should the pragma
  // fail, COMMIT keeps syncing by itself: slower, as durable.
  (void)db_->Exec("PRAGMA synchronous=NORMAL");
  // The WAL as SQLite names it: next to the database file once symlinks are resolved.
  const char* wal = sqlite3_filename_wal(sqlite3_db_filename(db_->handle(), "main"));
  syncer_ = std::make_unique<WalSyncer>(wal ? wal : db_->path() + "-wal", [this] {
    std::lock_guard<std::mutex> lock(mu_);  // so the writer cannot miss this between test and wait
    wake_.notify_all();
  }, std::move(sync));
  thread_ = NamedThread("cm-writer", [this] { Run(); });
}

GroupCommitWriter::~GroupCommitWriter() { Stop(); }

void GroupCommitWriter::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  syncer_->Stop();  // answers the last batches
}

WriterStats GroupCommitWriter::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  WriterStats out = stats_;
  const WalSyncer::Times synced = syncer_->times();
  out.syncs = synced.syncs;
  out.sync_us = synced.sync_us;
  out.sync_time_buckets = synced.buckets;
  return out;
}

Result<std::vector<AppendedLeaf>> GroupCommitWriter::Append(std::vector<AppendRequest> requests) {
  return Submit(std::move(requests)).get();
}

std::future<Result<std::vector<AppendedLeaf>>> GroupCommitWriter::Submit(std::vector<AppendRequest> requests) {
  auto sub = std::make_unique<Submission>();
  sub->requests = std::move(requests);
  auto future = sub->done.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      sub->done.set_value(Status::Unavailable("archive writer is shutting down"));
      return future;
    }
    queue_.push_back(std::move(sub));
  }
  wake_.notify_all();
  return future;
}

void GroupCommitWriter::Run() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
    }
    CommitBatch();
  }
}

void GroupCommitWriter::TakeQueued(Batch& batch, uint64_t& bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  while (!queue_.empty() && batch.size() < kMaxBatchSubmissions && (batch.empty() || bytes < kMaxBatchBytes)) {
    for (const auto& r : queue_.front()->requests) bytes += r.weight_bytes;
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
}

void GroupCommitWriter::Answer(Batch& batch, std::vector<Result<std::vector<AppendedLeaf>>>& results,
                               const Status& status) {
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!status.ok() || i >= results.size())
      batch[i]->done.set_value(status.ok() ? Status::IoError("submission not applied") : status);
    else
      batch[i]->done.set_value(std::move(results[i]));
  }
}

Result<LogState*> GroupCommitWriter::State(std::map<LogName, LogState>& logs, LogName log) {
  auto it = logs.find(log);
  if (it != logs.end()) return &it->second;
  if (!log_ids_.count(log)) {
    auto identity = ReadLogIdentity(*db_, log);
    if (!identity.ok()) return identity.status();
    log_ids_[log] = identity->log_id;
  }
  auto head = ReadLogHead(*db_, log);
  if (!head.ok()) return head.status();
  LogState state{*head, {}};
  auto cached = trees_.find(log);
  if (cached != trees_.end() && cached->second.size() == head->size) {
    state.tree = cached->second;
  } else {  // first use, or another process appended since our last commit
    TreeNodeReader reader(*db_, log);
    auto tree = CompactRange::Read(reader, head->size);
    if (!tree.ok()) return tree.status();
    state.tree = std::move(*tree);
  }
  return &(logs[log] = std::move(state));
}

Result<std::vector<AppendedLeaf>> GroupCommitWriter::ApplySubmission(Submission& s,
                                                                     std::map<LogName, LogState>& logs) {
  std::vector<AppendedLeaf> out;
  for (AppendRequest& r : s.requests) {
    auto state = State(logs, r.log);
    if (!state.ok()) return state.status();
    LogHead& h = (*state)->head;
    const LeafTimes times{h.last_commit_time_us, std::max(mint_->NowUs(), h.last_commit_time_us)};
    if (r.finalize)
      if (Status st = r.finalize(r, out, times); !st.ok()) return st;
    Leaf leaf;
    leaf.record_type = r.type;
    leaf.subtype = r.subtype;
    leaf.log_id = log_ids_[r.log];
    leaf.seq = h.size;
    leaf.prev_leaf_hash = h.last_leaf_hash;
    leaf.commit_time_us = times.commit_us;
    leaf.record_id = r.record_id.bytes();
    leaf.payload_commit = PayloadCommitment(r.type, r.salt, r.payload);
    const Bytes encoded = leaf.Encode();
    AppendedLeaf appended{r.log, leaf.log_id, leaf.seq, LeafHash(encoded), leaf.commit_time_us};

    Statement ins = db_->Prepare(
        "INSERT INTO leaves(log, seq, leaf, leaf_hash, record_id) VALUES (?, ?, ?, ?, ?)");
    Status st = ins.Bind(1, static_cast<int64_t>(r.log))
                    .Bind(2, static_cast<int64_t>(leaf.seq))
                    .BindBlob(3, encoded)
                    .BindBlob(4, AsView(appended.leaf_hash))
                    .BindBlob(5, r.record_id.AsBytes())
                    .Run();
    if (!st.ok()) return st;
    Statement pay = db_->Prepare("INSERT INTO payloads(record_id, salt, payload) VALUES (?, ?, ?)");
    st = pay.BindBlob(1, r.record_id.AsBytes()).BindBlob(2, r.salt).BindBlob(3, r.payload).Run();
    if (!st.ok()) return st;
    auto nodes = (*state)->tree.Append(appended.leaf_hash);
    if (!nodes.ok()) return nodes.status();
    if (st = InsertTreeNodes(*db_, r.log, *nodes); !st.ok()) return st;
    if (r.write_content)
      if (st = r.write_content(*db_, appended); !st.ok()) return st;
    h.size = leaf.seq + 1;
    h.last_leaf_hash = appended.leaf_hash;
    h.last_commit_time_us = leaf.commit_time_us;
    out.push_back(appended);
  }
  return out;
}

Result<std::vector<AppendedLeaf>> GroupCommitWriter::ApplyInSavepoint(Submission& s,
                                                                      std::map<LogName, LogState>& logs) {
  std::map<LogName, LogState> saved = logs;
  if (Status st = db_->Prepare("SAVEPOINT submission").Run(); !st.ok()) return st;
  auto r = ApplySubmission(s, logs);
  if (!r.ok()) {
    (void)db_->Prepare("ROLLBACK TO submission").Run();
    logs = std::move(saved);
  }
  (void)db_->Prepare("RELEASE submission").Run();
  return r;
}

void GroupCommitWriter::CommitBatch() {
  Batch batch;
  std::vector<Result<std::vector<AppendedLeaf>>> results;
  const uint64_t start_us = MonotonicUs();
  if (Status failed = syncer_->failure(); !failed.ok()) {  // nothing is durable after a failed sync
    uint64_t bytes = 0;
    TakeQueued(batch, bytes);
    Answer(batch, results, failed);
    return;
  }
  Status batch_status;
  std::map<LogName, LogState> logs;  // heads and trees read inside this transaction only
  uint64_t apply_us = 0, commit_us = 0;
  {
    std::optional<Transaction> tx(std::in_place, *db_, Transaction::Kind::kImmediate);
    batch_status = tx->status();
    uint64_t bytes = 0;
    // Submissions are applied one after another without savepoints: a savepoint journals
    // every page a submission touches, about a fifth of the writer's time. Should one fail
    // on its own (a constraint, not the disk), its rows are mixed with the others': the
    // transaction is begun again and the batch applied afresh, each submission in a
    // savepoint so that only the failing one is left out.
    bool careful = false;
    // Apply what is queued; while the previous batch is still syncing, wait for more and
    // apply that too; commit once the syncer is free (or the batch is full, or stopping).
    for (;;) {
      TakeQueued(batch, bytes);
      const uint64_t apply_start = MonotonicUs();
      while (results.size() < batch.size() && batch_status.ok()) {
        Submission& submission = *batch[results.size()];
        if (careful) {
          results.push_back(ApplyInSavepoint(submission, logs));
        } else {
          results.push_back(ApplySubmission(submission, logs));
          if (!results.back().ok() && !FailsTheBatch(results.back().status())) {
            tx.reset();  // rolls back
            tx.emplace(*db_, Transaction::Kind::kImmediate);
            batch_status = tx->status();
            logs.clear();  // heads and trees are read again inside the new transaction
            results.clear();
            careful = true;
            continue;
          }
        }
        if (!results.back().ok() && FailsTheBatch(results.back().status())) batch_status = results.back().status();
      }
      apply_us += MonotonicUs() - apply_start;
      std::unique_lock<std::mutex> lock(mu_);
      const bool full = batch.size() >= kMaxBatchSubmissions || bytes >= kMaxBatchBytes;
      if (!batch_status.ok() || full || stopping_ || !syncer_->busy()) break;
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty() || !syncer_->busy(); });
      if (queue_.empty()) break;  // the sync ended (or we stop): commit what we have
    }
    const uint64_t commit_start = MonotonicUs();
    if (batch_status.ok()) batch_status = syncer_->failure();  // a failed sync is final: roll back
    if (batch_status.ok()) batch_status = tx->Commit();
    commit_us = MonotonicUs() - commit_start;
  }
  RecordTimes(apply_us, commit_us);
  if (!batch_status.ok()) {
    trees_.clear();
    RecordDurable(start_us, batch.size());
    Answer(batch, results, batch_status);
    return;
  }
  // Committed, not yet synced: readers may see it, but no submitter is answered and no
  // checkpoint is signed over it before the sync. Remember the trees.
  struct Grown {
    LogName log;
    uint64_t size;
    Hash32 root;
  };
  std::vector<Grown> grown;
  for (auto& [log, state] : logs) {
    if (!trees_.count(log) || trees_[log].size() != state.tree.size())
      grown.push_back({log, state.tree.size(), state.tree.Root()});
    trees_[log] = state.tree;
  }
  auto done = std::make_shared<std::pair<Batch, std::vector<Result<std::vector<AppendedLeaf>>>>>(std::move(batch),
                                                                                                 std::move(results));
  const size_t submissions = done->first.size();
  syncer_->Sync([this, done, start_us, submissions, grown = std::move(grown)](const Status& synced) {
    if (synced.ok() && observer_)
      for (const Grown& g : grown) observer_(g.log, g.size, g.root);
    RecordDurable(start_us, submissions);  // before the answers: a submitter may read the stats next
    Answer(done->first, done->second, synced);
  });
}

void GroupCommitWriter::RecordDurable(uint64_t start_us, size_t submissions) {
  const uint64_t took = MonotonicUs() - start_us;
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.batches;
  stats_.appends += submissions;
  stats_.max_batch = std::max<uint64_t>(stats_.max_batch, submissions);
  Observe(stats_.batch_size_buckets, kBatchSizeBounds, submissions);
  stats_.durable_us += took;
  Observe(stats_.commit_time_buckets, kCommitTimeBoundsUs, took);
}

void GroupCommitWriter::RecordTimes(uint64_t apply_us, uint64_t commit_us) {
  int pages = 0, misses = 0, high = 0;
  sqlite3_db_status(db_->handle(), SQLITE_DBSTATUS_CACHE_WRITE, &pages, &high, 1);
  sqlite3_db_status(db_->handle(), SQLITE_DBSTATUS_CACHE_MISS, &misses, &high, 1);
  std::lock_guard<std::mutex> lock(mu_);
  stats_.apply_us += apply_us;
  stats_.commit_us += commit_us;
  stats_.pages_written += static_cast<uint64_t>(pages);
  stats_.cache_misses += static_cast<uint64_t>(misses);
}

}  // namespace chainmail
