#include "archive/fulltext/fulltext_indexer.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <vector>

#include "archive/log_head.h"
#include "archive/thread_name.h"

namespace chainmail {
namespace {

constexpr auto kRateWindow = std::chrono::seconds(10);
// The ingest rate that peak deferral watches: offers over the last second, in 100 ms buckets.
constexpr auto kArrivalWindow = std::chrono::seconds(1);
constexpr auto kArrivalBucket = std::chrono::milliseconds(100);
// How often a deferring indexer looks again at the rate and the lag.
constexpr auto kDeferralPoll = std::chrono::milliseconds(200);

}  // namespace

// The seqs [first, last] of one transaction; docs[i] is seq first + i, empty when that
// seq is to be read back from the archive (or has no message).
struct FulltextIndexer::Batch {
  int64_t first = 0;
  int64_t last = -1;
  std::vector<std::optional<FulltextDocument>> docs;
  size_t bytes = 0;
  uint64_t from_handoff = 0, from_archive = 0, unreadable = 0;
  std::string unreadable_error;
};

Result<std::shared_ptr<FulltextIndexer>> FulltextIndexer::Start(const std::string& data_dir,
                                                                const std::string& archive_origin,
                                                                const MimeLimits& limits,
                                                                std::shared_ptr<RecordMint> clock,
                                                                FulltextIndexerOptions options) {
  auto store = FulltextStore::Open(data_dir);
  if (!store.ok()) return store.status();
  auto archive = Database::Open(DatabasePath(data_dir), Database::Mode::kReadOnly);
  if (!archive.ok()) return archive.status();
  if (Status s = (*archive)->Exec("PRAGMA cache_size=-16384"); !s.ok()) return s;
  int64_t head = -1;
  {
    Transaction tx(**archive, Transaction::Kind::kDeferred);
    auto h = ReadLogHead(**archive, LogName::kMessages);
    if (!h.ok()) return h.status();
    head = static_cast<int64_t>(h->size) - 1;
  }
  auto state = (*store)->ReadState();
  if (!state.ok()) return state.status();
  // An index of another archive, or of a later state of this one (the archive was
  // restored from a backup), cannot be trusted: start over.
  if (state->archive_origin != archive_origin || state->indexed_through_seq > head) {
    if (Status s = (*store)->Reset(archive_origin); !s.ok()) return s;
    state = (*store)->ReadState();
    if (!state.ok()) return state.status();
  }
  std::shared_ptr<FulltextIndexer> indexer(
      new FulltextIndexer(std::move(*store), std::move(*archive), limits, std::move(clock), options));
  indexer->status_.indexed_through_seq = state->indexed_through_seq;
  indexer->status_.indexed_total = state->documents;
  indexer->status_.committed_seq = head;
  indexer->no_wait_through_ = head;  // committed before the indexer existed: never offered
  indexer->thread_ = NamedThread("cm-fulltext", [i = indexer.get()] { i->Run(); });
  return indexer;
}

FulltextIndexer::FulltextIndexer(std::unique_ptr<FulltextStore> store, std::unique_ptr<Database> archive,
                                 const MimeLimits& limits, std::shared_ptr<RecordMint> clock,
                                 FulltextIndexerOptions options)
    : limits_(limits),
      clock_(std::move(clock)),
      options_(options),
      store_(std::move(store)),
      archive_(std::move(archive)) {}

FulltextIndexer::~FulltextIndexer() { Stop(); }

void FulltextIndexer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  work_.notify_all();
  indexed_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  queue_.clear();
  queue_bytes_ = 0;
}

void FulltextIndexer::Offer(ExtractedMessage message) {
  FulltextDocument doc = BuildFulltextDocument(message);  // outside the lock: sessions run it in parallel
  const size_t bytes = doc.bytes();
  const auto seq = static_cast<int64_t>(doc.seq);
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || seq <= status_.indexed_through_seq) return;
    max_offered_ = std::max(max_offered_, seq);
    status_.committed_seq = std::max(status_.committed_seq, seq);
    // Lag in seconds until the next look at the archive: the oldest offer waiting.
    if (!oldest_unindexed_us_ || doc.received_us < *oldest_unindexed_us_) oldest_unindexed_us_ = doc.received_us;
    const auto now = Clock::now();
    Observe(seq, now);
    if (options_.defer_above_msgs_per_s > 0) {  // the ingest rate, for peak deferral
      ForgetOldArrivals(now);
      if (arrivals_.empty() || now - arrivals_.back().first >= kArrivalBucket) arrivals_.emplace_back(now, 0);
      ++arrivals_.back().second;
    }
    if (queue_bytes_ + bytes > options_.queue_bytes) {
      ++status_.dropped_offers;
      no_wait_through_ = std::max(no_wait_through_, seq);
    } else if (queue_.emplace(doc.seq, std::move(doc)).second) {
      queue_bytes_ += bytes;
    }
    wake = WaitEnded();
  }
  if (wake) work_.notify_one();
}

bool FulltextIndexer::WaitEnded() const {
  switch (awaiting_) {
    case Awaiting::kOffer:
      return max_offered_ >= awaited_seq_;
    case Awaiting::kFullBatch:
      return queue_.size() >= options_.batch_messages;
    case Awaiting::kSeq:
      return queue_.count(static_cast<uint64_t>(awaited_seq_)) > 0;
    case Awaiting::kNothing:
      break;
  }
  return false;
}

void FulltextIndexer::Observe(int64_t seq, Clock::time_point at) {
  if (observed_.empty() || seq > observed_.back().first) observed_.emplace_back(seq, at);
}

void FulltextIndexer::ForgetOldArrivals(Clock::time_point now) {
  while (!arrivals_.empty() && now - arrivals_.front().first >= kArrivalWindow) arrivals_.pop_front();
}

bool FulltextIndexer::ShouldDefer(Clock::time_point now) {
  if (options_.defer_above_msgs_per_s <= 0) return false;
  ForgetOldArrivals(now);
  uint64_t arrived = 0;
  for (const auto& [start, count] : arrivals_) arrived += count;
  const double per_second = static_cast<double>(arrived) / std::chrono::duration<double>(kArrivalWindow).count();
  if (per_second <= options_.defer_above_msgs_per_s) return false;
  if (!oldest_unindexed_us_) return false;  // how long it waited is unknown: index
  const double waited_us = static_cast<double>(clock_->NowUs()) - static_cast<double>(*oldest_unindexed_us_);
  return waited_us < std::chrono::duration<double, std::micro>(options_.max_deferral).count();
}

std::optional<FulltextIndexer::Clock::time_point> FulltextIndexer::ObservedAt(int64_t seq) {
  const auto now = Clock::now();
  // Forgetting an old observation must not make its seqs look young: remember them as old.
  while (!observed_.empty() && observed_.front().second + options_.reorder_wait <= now) {
    no_wait_through_ = std::max(no_wait_through_, observed_.front().first);
    observed_.pop_front();
  }
  if (seq <= no_wait_through_) return std::nullopt;
  for (const auto& [through, at] : observed_)
    if (through >= seq) return at;
  return std::nullopt;
}

FulltextIndexerStatus FulltextIndexer::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  FulltextIndexerStatus s = status_;
  s.lag_messages = s.committed_seq > s.indexed_through_seq
                       ? static_cast<uint64_t>(s.committed_seq - s.indexed_through_seq) : 0;
  if (s.lag_messages > 0 && oldest_unindexed_us_)
    s.lag_seconds = std::max<double>(0, (static_cast<double>(clock_->NowUs()) - *oldest_unindexed_us_) / 1e6);
  const auto now = Clock::now();
  uint64_t docs = 0;
  double seconds = 0;
  for (const auto& [at, rate] : rates_) {
    if (now - at > kRateWindow) continue;
    docs += rate.first;
    seconds += rate.second;
  }
  s.docs_per_second = seconds > 0 ? static_cast<double>(docs) / seconds : 0;
  return s;
}

bool FulltextIndexer::WaitIndexed(int64_t seq, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return indexed_.wait_for(lock, timeout, [&] { return status_.indexed_through_seq >= seq; });
}

void FulltextIndexer::Run() {
  // On Linux a nice value belongs to the thread; an error (not Linux, a sandbox) only
  // leaves the thread at the sessions' priority.
  const auto self = static_cast<id_t>(gettid());
  errno = 0;
  const int current = getpriority(PRIO_PROCESS, self);
  if (errno == 0 && options_.nice > current) setpriority(PRIO_PROCESS, self, options_.nice);
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    Status s = Step();
    if (s.ok()) continue;
    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_) return;  // the batch was abandoned for the stop: no error
    status_.last_error = s.message();
    work_.wait_for(lock, options_.retry_delay, [&] { return stopping_.load(); });
  }
}

Status FulltextIndexer::ReadArchiveHead(int64_t* committed, std::optional<int64_t>* oldest_unindexed_us) {
  int64_t through;
  {
    std::lock_guard<std::mutex> lock(mu_);
    through = status_.indexed_through_seq;
  }
  Transaction tx(*archive_, Transaction::Kind::kDeferred);
  if (!tx.status().ok()) return tx.status();
  auto head = ReadLogHead(*archive_, LogName::kMessages);
  if (!head.ok()) return head.status();
  *committed = static_cast<int64_t>(head->size) - 1;
  Statement st = archive_->Prepare("SELECT received_us FROM messages WHERE seq > ? ORDER BY seq LIMIT 1");
  st.Bind(1, through);
  oldest_unindexed_us->reset();
  if (st.Step()) *oldest_unindexed_us = st.Int(0);
  return st.status();
}

Status FulltextIndexer::Step() {
  const auto started = Clock::now();
  int64_t head = -1;
  std::optional<int64_t> oldest;
  if (Status s = ReadArchiveHead(&head, &oldest); !s.ok()) return s;

  std::unique_lock<std::mutex> lock(mu_);
  Observe(head, started);
  status_.committed_seq = std::max({status_.committed_seq, head, max_offered_});
  oldest_unindexed_us_ = oldest;
  const int64_t next = status_.indexed_through_seq + 1;
  if (next > status_.committed_seq) {
    status_.backfilling = false;
    status_.deferring = false;
    awaiting_ = Awaiting::kOffer;
    awaited_seq_ = next;
    if (work_.wait_for(lock, options_.idle_poll, [&] { return stopping_ || WaitEnded(); }) && !stopping_) {
      awaiting_ = Awaiting::kFullBatch;
      work_.wait_for(lock, options_.linger, [&] { return stopping_ || WaitEnded(); });
    }
    awaiting_ = Awaiting::kNothing;
    return Status::Ok();
  }
  status_.deferring = ShouldDefer(started);
  if (status_.deferring) {
    work_.wait_for(lock, kDeferralPoll, [&] { return stopping_.load(); });
    return Status::Ok();
  }
  Batch batch;
  batch.first = next;
  if (!Gather(batch, lock)) return Status::Ok();  // stopping
  if (std::any_of(batch.docs.begin(), batch.docs.end(), [](const auto& d) { return !d.has_value(); }))
    status_.backfilling = true;
  lock.unlock();

  if (Status s = LoadMissing(batch); !s.ok()) return s;
  std::vector<FulltextDocument> docs;
  for (auto& d : batch.docs)
    if (d) docs.push_back(std::move(*d));
  if (Status s = store_->Write(docs, batch.last, [this] { return stopping_.load(); }); !s.ok()) return s;
  Finish(batch, started);
  return Status::Ok();
}

bool FulltextIndexer::Gather(Batch& batch, std::unique_lock<std::mutex>& lock) {
  while (!queue_.empty() && static_cast<int64_t>(queue_.begin()->first) < batch.first) {
    queue_bytes_ -= queue_.begin()->second.bytes();
    queue_.erase(queue_.begin());
  }
  const int64_t end =
      std::min<int64_t>(status_.committed_seq, batch.first + static_cast<int64_t>(options_.batch_messages) - 1);
  for (int64_t seq = batch.first; seq <= end && batch.bytes < options_.batch_bytes; ++seq) {
    auto it = queue_.find(static_cast<uint64_t>(seq));
    if (it == queue_.end()) {
      // Committed but not offered (yet): its session may still be waking up.
      if (auto at = ObservedAt(seq)) {
        awaiting_ = Awaiting::kSeq;
        awaited_seq_ = seq;
        work_.wait_until(lock, *at + options_.reorder_wait, [&] { return stopping_ || WaitEnded(); });
        awaiting_ = Awaiting::kNothing;
        if (stopping_) return false;
        it = queue_.find(static_cast<uint64_t>(seq));
      }
    }
    if (it != queue_.end()) {
      const size_t bytes = it->second.bytes();
      queue_bytes_ -= bytes;
      batch.bytes += bytes;
      batch.docs.emplace_back(std::move(it->second));
      queue_.erase(it);
      ++batch.from_handoff;
    } else {
      batch.docs.emplace_back(std::nullopt);
    }
    batch.last = seq;
  }
  return true;
}

Status FulltextIndexer::LoadMissing(Batch& batch) {
  if (std::all_of(batch.docs.begin(), batch.docs.end(), [](const auto& d) { return d.has_value(); }))
    return Status::Ok();
  // One short read transaction for the batch: checkpoints of the archive are not held up.
  Transaction tx(*archive_, Transaction::Kind::kDeferred);
  if (!tx.status().ok()) return tx.status();
  for (size_t i = 0; i < batch.docs.size(); ++i) {
    if (batch.docs[i]) continue;
    if (stopping_) return Status::Unavailable("full-text batch abandoned: the indexer is stopping");
    // Read back no more than batch_bytes: Gather counts only what the hand-off held, so a
    // burst that overflowed the queue left up to batch_messages documents to read here, each
    // up to max_text_bytes (a burst of large messages once took hundreds of MiB). The rest
    // of the batch is the next one's; hand-off documents cut off with it are read back then.
    if (i > 0 && batch.bytes >= options_.batch_bytes) {
      for (size_t j = i; j < batch.docs.size(); ++j) batch.from_handoff -= batch.docs[j].has_value();
      batch.docs.resize(i);
      batch.last = batch.first + static_cast<int64_t>(i) - 1;
      break;
    }
    const auto seq = static_cast<uint64_t>(batch.first) + i;
    auto message = LoadExtractedMessage(*archive_, seq, limits_, &blobs_);
    if (message.ok()) {
      batch.docs[i] = BuildFulltextDocument(*message);
      batch.bytes += batch.docs[i]->bytes();
      ++batch.from_archive;
    } else if (message.status().code() == Status::Code::kCorruption) {
      // Its bytes are damaged: verify reports that; the index goes on without it.
      ++batch.unreadable;
      batch.unreadable_error = message.status().message();
    } else if (message.status().code() != Status::Code::kNotFound) {
      return message.status();  // the batch is retried
    }
  }
  return Status::Ok();
}

void FulltextIndexer::Finish(const Batch& batch, Clock::time_point started) {
  const auto now = Clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    uint64_t written = 0;
    for (const auto& d : batch.docs) written += d.has_value();
    status_.indexed_through_seq = batch.last;
    status_.indexed_total += written;
    ++status_.batches;
    status_.from_handoff += batch.from_handoff;
    status_.from_archive += batch.from_archive;
    status_.unreadable += batch.unreadable;
    status_.backfilling = batch.from_archive > 0 && batch.last < status_.committed_seq;
    if (batch.last >= status_.committed_seq)
      oldest_unindexed_us_.reset();
    else if (!queue_.empty())
      oldest_unindexed_us_ = queue_.begin()->second.received_us;  // else: until the next look at the archive
    status_.last_error = batch.unreadable ? batch.unreadable_error : "";
    rates_.emplace_back(now, std::make_pair(written, std::chrono::duration<double>(now - started).count()));
    while (!rates_.empty() && now - rates_.front().first > kRateWindow) rates_.pop_front();
  }
  indexed_.notify_all();
}

Result<std::shared_ptr<FulltextIndexer>> StartFulltextIndexer(Archive& archive, FulltextIndexerOptions options) {
  const ArchiveOptions& o = archive.options();
  if (!o.fulltext_enabled) return std::shared_ptr<FulltextIndexer>();
  auto indexer = FulltextIndexer::Start(o.data_dir, archive.identity().base_origin, o.mime_limits, o.mint, options);
  if (!indexer.ok()) return indexer.status();
  archive.SetExtractedMessageSink(*indexer);
  return indexer;
}

}  // namespace chainmail
