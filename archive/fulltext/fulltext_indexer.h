// FulltextIndexer: the background thread that keeps the full-text index (fulltext.sqlite)
// up to date with the archive, in commit order, without ever slowing ingest.
//
// Feeding: the archive offers each message after its commit (ExtractedMessageSink),
// already extracted by the session. Offer only builds the document and queues it; the
// hand-off queue is bounded by bytes, and an offer that does not fit is dropped.
//
// Indexing: the thread indexes contiguous seqs from indexed_through_seq + 1 up to the
// committed head of the messages log, which it reads through its own read-only connection
// to the archive (so commits it was never offered — a CLI import, a dropped offer, the
// time before it started — are seen too). A seq in the queue is taken from it; a seq that
// is not is awaited for reorder_wait after the indexer first learnt it was committed
// (sessions wake from one group commit in any order), then read back from the archive
// and extracted again (LoadExtractedMessage). That same path backfills an archive made
// before full-text search existed, and catches up after a restart or after a burst the
// queue could not hold; the thread then reports backfilling. Each batch is one
// transaction in the index file and one short read transaction in the archive. A seq
// without a message (purged) is passed over.
//
// The index file is checked at start: one made for another archive, or ahead of this
// archive (a restored backup), is emptied and rebuilt from the archive.
//
// The thread runs at a low CPU priority (FulltextIndexerOptions::nice): on a machine
// short of cores, ingest comes first and the index catches up afterwards.
//
// Stop() joins the thread; what is queued is dropped (it is read back at the next start).
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "archive/archive.h"
#include "archive/extracted_message.h"
#include "archive/fulltext/fulltext_store.h"

namespace chainmail {

struct FulltextIndexerOptions {
  size_t queue_bytes = 32u << 20;    // hand-off bound; offers beyond it are read back later
  size_t batch_messages = 1024;      // per index transaction
  size_t batch_bytes = 16u << 20;    // document bytes per index transaction
  std::chrono::milliseconds reorder_wait{100};  // how long a committed seq is awaited from the hand-off
  // A caught-up indexer woken by an offer waits this long for more: FTS5 writes a segment
  // per transaction and merges them later, so fewer, larger transactions cost less CPU and
  // fewer writes (at most this much more lag while mail arrives).
  std::chrono::milliseconds linger{250};
  std::chrono::milliseconds idle_poll{1000};    // how often an idle indexer looks for commits it was not offered
  std::chrono::milliseconds retry_delay{1000};  // after a failed batch (disk full, I/O error)
  // The thread's nice value (Linux: per thread), so that it takes only CPU time the
  // receiving sessions leave: under sustained peak ingest the index falls behind (its lag
  // is reported) and catches up when the load drops. Raised only, never lowered.
  int nice = 19;
  // Peak deferral (0: off). While messages are committed faster than this many per second
  // (over the last second), the indexer leaves the CPU to ingest altogether, for as long as
  // the oldest unindexed message is younger than max_deferral; past that it indexes
  // whatever the load, so under a sustained peak the lag stays near max_deferral. On a
  // machine short of cores even a nice 19 thread takes time the sessions would use.
  double defer_above_msgs_per_s = 0;
  std::chrono::milliseconds max_deferral{30000};
};

struct FulltextIndexerStatus {
  int64_t indexed_through_seq = -1;  // every message seq <= this is indexed (-1: none)
  int64_t committed_seq = -1;        // the last committed seq the indexer knows of (-1: none)
  uint64_t lag_messages = 0;         // committed_seq - indexed_through_seq
  double lag_seconds = 0;            // now - received time of the oldest unindexed message; 0 when caught up
  uint64_t indexed_total = 0;        // documents in the index
  double docs_per_second = 0;        // indexing rate over the batches of the last 10 s (0 when idle)
  bool backfilling = false;          // reading messages back from the archive and not caught up
  bool deferring = false;            // waiting out a peak of ingest (defer_above_msgs_per_s)
  uint64_t from_handoff = 0;         // documents indexed since start from the hand-off queue
  uint64_t from_archive = 0;         // ... and read back from the archive
  uint64_t dropped_offers = 0;       // offers that did not fit the queue
  uint64_t unreadable = 0;           // messages whose stored bytes could not be read (not indexed)
  uint64_t batches = 0;              // index transactions since start
  std::string last_error;            // "" while batches succeed
};

class FulltextIndexer : public ExtractedMessageSink {
 public:
  // Opens (creating) the index of the archive in `data_dir` whose base origin is
  // `archive_origin`, and starts the thread. Extraction from the archive uses `limits`
  // (the archive's, so both paths extract alike); `clock` gives "now" for lag_seconds.
  static Result<std::shared_ptr<FulltextIndexer>> Start(const std::string& data_dir, const std::string& archive_origin,
                                                        const MimeLimits& limits, std::shared_ptr<RecordMint> clock,
                                                        FulltextIndexerOptions options = {});
  ~FulltextIndexer() override;

  void Offer(ExtractedMessage message) override;
  FulltextIndexerStatus status() const;
  // Waits until every seq <= `seq` is indexed: true, or false after `timeout`.
  bool WaitIndexed(int64_t seq, std::chrono::milliseconds timeout);
  void Stop();

 private:
  using Clock = std::chrono::steady_clock;
  struct Batch;
  FulltextIndexer(std::unique_ptr<FulltextStore> store, std::unique_ptr<Database> archive, const MimeLimits& limits,
                  std::shared_ptr<RecordMint> clock, FulltextIndexerOptions options);
  void Run();
  Status Step();
  Status ReadArchiveHead(int64_t* committed, std::optional<int64_t>* oldest_unindexed_us);
  void Observe(int64_t seq, Clock::time_point at);          // mu_ held
  bool ShouldDefer(Clock::time_point now);                   // mu_ held
  void ForgetOldArrivals(Clock::time_point now);             // mu_ held
  std::optional<Clock::time_point> ObservedAt(int64_t seq);  // mu_ held
  bool WaitEnded() const;                                    // mu_ held: awaiting_ is satisfied
  bool Gather(Batch& batch, std::unique_lock<std::mutex>& lock);
  Status LoadMissing(Batch& batch);
  void Finish(const Batch& batch, Clock::time_point started);

  const MimeLimits limits_;
  const std::shared_ptr<RecordMint> clock_;
  const FulltextIndexerOptions options_;
  std::unique_ptr<FulltextStore> store_;  // indexer thread only
  std::unique_ptr<Database> archive_;     // read-only; indexer thread only
  BlobReader blobs_;                      // indexer thread only

  mutable std::mutex mu_;
  std::condition_variable work_;     // an offer arrived, or stopping
  std::condition_variable indexed_;  // indexed_through_seq moved
  // Set under mu_ (the waits' predicates read it there); read without it mid-batch, where
  // a batch under way is abandoned and indexed again at the next start.
  std::atomic<bool> stopping_{false};
  std::map<uint64_t, FulltextDocument> queue_;                // guarded by mu_
  size_t queue_bytes_ = 0;                                    // guarded by mu_
  // When the indexer learnt that seqs up to .first were committed (ascending; entries
  // older than reorder_wait are dropped). guarded by mu_
  std::deque<std::pair<int64_t, Clock::time_point>> observed_;
  int64_t no_wait_through_ = -1;  // seqs never to await from the queue (before start, dropped). guarded by mu_
  int64_t max_offered_ = -1;      // guarded by mu_
  // What the indexer thread is waiting for on work_ (WaitEnded), so that an offer wakes it
  // only when it ends that wait: woken by every offer, it rose and went back to sleep once per message
  // (two context switches, a few per cent of ingest's CPU). guarded by mu_
  enum class Awaiting { kNothing, kOffer, kFullBatch, kSeq };
  Awaiting awaiting_ = Awaiting::kNothing;
  int64_t awaited_seq_ = 0;  // kOffer: an offer from this seq on ends the wait; kSeq: the seq awaited
  FulltextIndexerStatus status_;  // guarded by mu_ (lag_seconds and docs_per_second computed on read)
  std::optional<int64_t> oldest_unindexed_us_;            // guarded by mu_
  std::deque<std::pair<Clock::time_point, std::pair<uint64_t, double>>> rates_;  // (end, (docs, seconds)), guarded by mu_
  // Offers per 100 ms bucket over the last second (bucket start, count). guarded by mu_
  std::deque<std::pair<Clock::time_point, uint32_t>> arrivals_;
  std::thread thread_;
};

// Starts indexing for `archive` (its data directory, identity and MIME limits) and
// attaches the indexer as the archive's ExtractedMessageSink. Null when the archive's
// options have fulltext_enabled off. Stop it after closing the archive.
Result<std::shared_ptr<FulltextIndexer>> StartFulltextIndexer(Archive& archive, FulltextIndexerOptions options = {});

}  // namespace chainmail
