#include "service/api/api_context.h"

#include <thread>

#include "archive/format/rfc3339.h"
#include "service/api/export_jobs.h"
#include "service/api/route.h"

namespace chainmail {

ApiContext::ApiContext(Archive& archive, ApiLimits limits)
    : archive_(archive),
      limits_(limits),
      readers_(DatabasePath(archive.options().data_dir), std::max(4u, 2 * std::thread::hardware_concurrency())),
      details_(limits.detail_cache_bytes),
      denials_(limits.auth_failures_per_window, limits.auth_window_us),
      health_(archive, readers_, limits.health),
      jobs_(std::make_unique<JobRunner>()) {
  RemoveLeftoverExports(data_dir());  // jobs do not survive a restart, so neither do their bundles
}

ApiError ApiContext::Forbid(const Call& call, const std::string& reason, std::string detail) {
  denials_.Deny(call.request.client_address, reason, call.Actor(), UnixNowUs());
  return ForbiddenProblem(std::move(detail));
}

void ApiContext::MarkUsed(const ApiToken& token, int64_t now_us) {
  // Nearly every request: the stored last use is recent, and nothing is locked or written.
  if (token.last_used_us && now_us - *token.last_used_us < kTokenLastUsedResolutionUs) return;
  std::lock_guard<std::mutex> lock(touch_mu_);
  // Requests read the stored value until the write commits — and a busy database skips
  // the write — so one attempt per token a second: not a write attempt per request
  // while the writer holds the database.
  int64_t& tried = touch_tried_us_[token.id];
  if (now_us - tried < kTouchRetryUs) return;
  tried = now_us;
  if (!touch_db_) {
    auto db = Database::Open(DatabasePath(data_dir()), Database::Mode::kReadWrite);
    if (!db.ok()) return;
    touch_db_ = std::move(*db);
  }
  MarkTokenUsed(*touch_db_, token, now_us);
}

void ApiContext::SetFulltext(std::shared_ptr<FulltextIndexer> indexer) {
  fulltext_ = std::move(indexer);
  metrics_.WatchFulltext(fulltext_.get());
  health_.WatchFulltext(fulltext_.get());
}

}  // namespace chainmail
