#include "service/api/api_context.h"

#include <thread>

#include "service/api/export_jobs.h"

namespace chainmail {

ApiContext::ApiContext(Archive& archive, ApiLimits limits)
    : archive_(archive),
      limits_(limits),
      readers_(DatabasePath(archive.options().data_dir), std::max(4u, 2 * std::thread::hardware_concurrency())),
      denials_(limits.auth_failures_per_window, limits.auth_window_us),
      health_(archive, readers_, limits.health),
      jobs_(std::make_unique<JobRunner>()) {
  RemoveLeftoverExports(data_dir());  // jobs do not survive a restart, so neither do their bundles
}

void ApiContext::MarkUsed(const ApiToken& token, int64_t now_us) {
  std::lock_guard<std::mutex> lock(touch_mu_);
  if (!touch_db_) {
    auto db = Database::Open(DatabasePath(data_dir()), Database::Mode::kReadWrite);
    if (!db.ok()) return;
    touch_db_ = std::move(*db);
  }
  MarkTokenUsed(*touch_db_, token, now_us);
}

}  // namespace chainmail
