// ApiContext: what the REST handlers work with — the archive (writes and audit events go
// through its single writer), a pool of read connections, the limits, the denial tracker.
// One per server; shared by every request thread. Handlers own no state of their own:
// anything long-lived (export and verification jobs, metrics) hangs off this.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "archive/archive.h"
#include "archive/fulltext/fulltext_indexer.h"
#include "archive/message_details.h"
#include "archive/reader_pool.h"
#include "audit/api_tokens.h"
#include "service/api/denial_tracker.h"
#include "service/api/health.h"
#include "service/api/jobs.h"
#include "service/api/metrics.h"
#include "service/api/problem.h"

namespace chainmail {

struct Call;

struct ApiLimits {
  uint32_t max_page = 500;                            // `limit` upper bound
  uint32_t default_page = 50;
  std::chrono::milliseconds query_time{2000};          // a search running longer is cut off (503)
  size_t detail_cache_bytes = 64u << 20;               // MessageDetailCache (archive/message_details.h)
  uint32_t auth_failures_per_window = 10;              // then refusals are 429s until the window ends
  int64_t auth_window_us = 60'000'000;
  HealthOptions health;                                // /healthz thresholds
};

class ApiContext {
 public:
  ApiContext(Archive& archive, ApiLimits limits);

  Archive& archive() { return archive_; }
  ReaderPool& readers() { return readers_; }
  // What searches showed of messages that never changes (message_details.h).
  MessageDetailCache& details() { return details_; }
  const ApiLimits& limits() const { return limits_; }
  DenialTracker& denials() { return denials_; }
  // A 403 for what `call`'s role may not do, counted as a denial of its source for
  // `reason` — like the route table's own refusals, it reaches the auth.denied summary
  // in the audit log and the source's 429 slowdown. Handlers refuse through this.
  ApiError Forbid(const Call& call, const std::string& reason, std::string detail);
  Metrics& metrics() { return metrics_; }
  HealthMonitor& health() { return health_; }
  // Export and verification jobs (jobs.h): in memory, one worker, forgotten at restart.
  JobRunner& jobs() { return *jobs_; }
  const std::string& data_dir() const { return archive_.options().data_dir; }
  // The full-text indexer (null when full-text search is off): /metrics and /healthz report
  // it. Set once, before serving.
  void SetFulltext(std::shared_ptr<FulltextIndexer> indexer);
  const FulltextIndexer* fulltext() const { return fulltext_.get(); }
  // A short write outside the writer's batches (a token's last use); serialised here. At
  // most once a minute per token (kTokenLastUsedResolutionUs), and attempted at most once
  // a second while the database is busy; a request with a recent last use locks nothing.
  void MarkUsed(const ApiToken& token, int64_t now_us);

 private:
  Archive& archive_;
  ApiLimits limits_;
  ReaderPool readers_;
  MessageDetailCache details_;
  DenialTracker denials_;
  Metrics metrics_;
  HealthMonitor health_;
  std::shared_ptr<FulltextIndexer> fulltext_;
  static constexpr int64_t kTouchRetryUs = 1'000'000;
  std::mutex touch_mu_;
  std::unique_ptr<Database> touch_db_;  // guarded by touch_mu_; opened on first use
  std::map<std::string, int64_t> touch_tried_us_;  // guarded by touch_mu_; token id -> last attempt
  // Last, so it is destroyed first: its running job may use everything above.
  std::unique_ptr<JobRunner> jobs_;
};

}  // namespace chainmail
