#include "archive/group_commit_writer.h"

#include <algorithm>
#include <chrono>

#include "archive/tree_store.h"

namespace chainmail {
namespace {

constexpr size_t kMaxBatchSubmissions = 4096;
constexpr uint64_t kMaxBatchBytes = 64ull << 20;

uint64_t MonotonicUs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now().time_since_epoch()).count());
}

// Counts `value` in the bucket of the first bound it does not exceed (the last: none).
template <size_t N>
void Observe(std::array<uint64_t, N + 1>& buckets, const std::array<uint64_t, N>& bounds, uint64_t value) {
  size_t i = 0;
  while (i < N && value > bounds[i]) ++i;
  ++buckets[i];
}

}  // namespace

GroupCommitWriter::GroupCommitWriter(std::unique_ptr<Database> db, std::shared_ptr<RecordMint> mint)
    : db_(std::move(db)), mint_(std::move(mint)) {
  thread_ = std::thread([this] { Run(); });
}

GroupCommitWriter::~GroupCommitWriter() { Stop(); }

void GroupCommitWriter::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

WriterStats GroupCommitWriter::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

Result<std::vector<AppendedLeaf>> GroupCommitWriter::Append(std::vector<AppendRequest> requests) {
  auto sub = std::make_unique<Submission>();
  sub->requests = std::move(requests);
  auto future = sub->done.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return Status::Unavailable("archive writer is shutting down");
    queue_.push_back(std::move(sub));
  }
  wake_.notify_one();
  return future.get();
}

void GroupCommitWriter::Run() {
  for (;;) {
    std::vector<std::unique_ptr<Submission>> batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      uint64_t bytes = 0;
      while (!queue_.empty() && batch.size() < kMaxBatchSubmissions &&
             (batch.empty() || bytes < kMaxBatchBytes)) {
        for (const auto& r : queue_.front()->requests) bytes += r.weight_bytes;
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      ++stats_.batches;
      stats_.appends += batch.size();
      stats_.max_batch = std::max<uint64_t>(stats_.max_batch, batch.size());
      Observe(stats_.batch_size_buckets, kBatchSizeBounds, batch.size());
    }
    CommitBatch(batch);
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
    if (r.finalize)
      if (Status st = r.finalize(r, out); !st.ok()) return st;
    Leaf leaf;
    leaf.record_type = r.type;
    leaf.subtype = r.subtype;
    leaf.log_id = log_ids_[r.log];
    leaf.seq = h.size;
    leaf.prev_leaf_hash = h.last_leaf_hash;
    leaf.commit_time_us = std::max(mint_->NowUs(), h.last_commit_time_us);
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

void GroupCommitWriter::CommitBatch(std::vector<std::unique_ptr<Submission>>& batch) {
  std::vector<Result<std::vector<AppendedLeaf>>> results;
  Status batch_status;
  std::map<LogName, LogState> logs;  // heads and trees read inside this transaction only
  const uint64_t start_us = MonotonicUs();
  uint64_t commit_start_us = 0;
  {
    Transaction tx(*db_, Transaction::Kind::kImmediate);
    batch_status = tx.status();
    for (auto& sub : batch) {
      if (!batch_status.ok()) break;
      std::map<LogName, LogState> saved = logs;
      // Prepared once (not re-parsed by sqlite3_exec for every message).
      db_->Prepare("SAVEPOINT submission").Run();
      auto r = ApplySubmission(*sub, logs);
      if (r.ok()) {
        db_->Prepare("RELEASE submission").Run();
      } else {
        db_->Prepare("ROLLBACK TO submission").Run();
        db_->Prepare("RELEASE submission").Run();
        logs = std::move(saved);
        // Disk full or I/O trouble affects the whole batch; a constraint only this one.
        if (r.status().code() == Status::Code::kNoSpace || r.status().code() == Status::Code::kIoError)
          batch_status = r.status();
      }
      results.push_back(std::move(r));
    }
    commit_start_us = MonotonicUs();
    if (batch_status.ok()) batch_status = tx.Commit();
  }
  RecordTimes(start_us, commit_start_us);
  // Only now are the new leaves committed: remember the trees, tell the observer.
  if (batch_status.ok()) {
    for (auto& [log, state] : logs) {
      if (observer_ && (!trees_.count(log) || trees_[log].size() != state.tree.size()))
        observer_(log, state.tree.size(), state.tree.Root());
      trees_[log] = state.tree;
    }
  } else {
    trees_.clear();
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!batch_status.ok())
      batch[i]->done.set_value(batch_status);
    else
      batch[i]->done.set_value(std::move(results[i]));
  }
}

void GroupCommitWriter::RecordTimes(uint64_t start_us, uint64_t commit_start_us) {
  const uint64_t end_us = MonotonicUs();
  int pages = 0, misses = 0, high = 0;
  sqlite3_db_status(db_->handle(), SQLITE_DBSTATUS_CACHE_WRITE, &pages, &high, 1);
  sqlite3_db_status(db_->handle(), SQLITE_DBSTATUS_CACHE_MISS, &misses, &high, 1);
  std::lock_guard<std::mutex> lock(mu_);
  stats_.apply_us += commit_start_us - start_us;
  stats_.commit_us += end_us - commit_start_us;
  Observe(stats_.commit_time_buckets, kCommitTimeBoundsUs, end_us - start_us);
  stats_.pages_written += static_cast<uint64_t>(pages);
  stats_.cache_misses += static_cast<uint64_t>(misses);
}

}  // namespace chainmail
