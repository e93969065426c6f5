// HealthMonitor: the answer to "is chainmail doing its job?" for GET /healthz — a
// monitoring system's view, so it reports figures and states, never an address, a subject
// or any content. Each check is "ok", "degraded" (serving, but someone should look) or
// "failing" (new mail cannot be archived); the overall status is the worst of them:
//
//   database        the write lock can be taken (BEGIN IMMEDIATE, rolled back) and a
//                   small file can be written and fsynced in data.dir. Failing if not;
//                   degraded if the lock stayed busy for a second.
//   disk            free space in data.dir against archive.min_free_mb: failing below it
//                   (new messages get 452 4.3.1), degraded below twice it.
//   checkpoint.<log>  per log: degraded when a leaf has waited longer than
//                   max_checkpoint_lag for a signed checkpoint (the signer is stuck).
//   newest_message  age of the newest archived message: degraded when older than
//                   health.max_message_age_s (a quiet journal feed is an alarm: the
//                   gateway may have stopped sending), or when there is none yet.
//   fulltext        the full-text indexer (when full-text search is on): degraded when the
//                   oldest message not yet searchable by text is older than
//                   health.max_fulltext_lag_s, or when its last batch failed; figures:
//                   lag in messages and seconds, indexed documents, backfilling.
//
// A check runs at most once a second; callers in between get the same report, so the
// public route cannot be used to load the database. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "archive/archive.h"
#include "archive/fulltext/fulltext_indexer.h"
#include "archive/reader_pool.h"

namespace chainmail {

struct HealthOptions {
  std::chrono::seconds max_message_age{3600};     // 0: the feed's age is reported, never alarmed
  std::chrono::seconds max_checkpoint_lag{300};
  std::chrono::seconds max_fulltext_lag{900};     // 0: the index's lag is reported, never alarmed
};

enum class Health { kOk = 0, kDegraded = 1, kFailing = 2 };
std::string_view HealthName(Health h);

struct HealthReport {
  Health status = Health::kOk;
  std::string json;  // {"status":..., "checked":..., "checks":{...}}
};

class HealthMonitor {
 public:
  // `archive` and `readers` must outlive the monitor.
  HealthMonitor(Archive& archive, ReaderPool& readers, HealthOptions options);

  HealthReport Check();
  // The full-text indexer to report on; call before serving. `indexer` must outlive this;
  // null (the default): full-text search is off and no check is listed.
  void WatchFulltext(const FulltextIndexer* indexer) { fulltext_.store(indexer, std::memory_order_release); }

 private:
  HealthReport Run(int64_t now_us);

  Archive& archive_;
  ReaderPool& readers_;
  const HealthOptions options_;
  std::atomic<const FulltextIndexer*> fulltext_{nullptr};
  std::mutex mu_;                           // one check at a time
  std::unique_ptr<Database> write_db_;      // guarded by mu_; opened on first use
  std::chrono::steady_clock::time_point last_run_{};  // guarded by mu_
  HealthReport last_;                       // guarded by mu_
};

}  // namespace chainmail
