// Metrics: the daemon's figures for GET /metrics, in the Prometheus text exposition
// format 0.0.4. What it counts itself: REST responses by route pattern, method and status,
// and how long each took to answer, as a histogram by route pattern and method.
// What it reads when rendered: the single writer's WriterStats (commits, batch sizes and
// commit times as histograms) and the SMTP receiver's SmtpCounters (replies by code,
// sessions, messages and bytes archived) and the full-text indexer's status (lag in
// messages and seconds, documents indexed). Never an address, a subject or any content:
// labels are route patterns from the table, methods, status and reply codes only.
//
// Counting is relaxed atomic increments in tables sized once at construction (no lock, no
// allocation per request). Thread-safe; a scrape may see a request's count before its
// duration, never a torn value.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "archive/fulltext/fulltext_indexer.h"
#include "archive/group_commit_writer.h"
#include "service/api/route.h"
#include "service/net/smtp_counters.h"

namespace chainmail {

// Upper bounds (µs) of chainmail_http_request_duration_seconds' buckets: from a cached
// /healthz to a slow export, with the 10 ms of the search latency target among them.
inline constexpr std::array<uint64_t, 13> kRequestTimeBoundsUs = {
    250, 500, 1'000, 2'500, 5'000, 10'000, 25'000, 50'000, 100'000, 250'000, 1'000'000, 2'500'000, 10'000'000};

class Metrics {
 public:
  Metrics();  // the start time reported is the construction time (the daemon's start)
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // One REST response. `route` is the route that answered (an element of Routes()), or
  // null when none did (404, 405, or refused by the HTTP layer before routing: then the
  // request's `method` is reported, folded to "other" when it is not a standard one).
  // `duration_us`: from the request's routing to its answer being ready — authorization,
  // the work, and the wait for its audit event to be durable; not the body's transfer.
  void CountRequest(const Route* route, std::string_view method, int status, uint64_t duration_us);
  // The SMTP receiver whose counters /metrics reports. Call once, before the REST server
  // starts; `smtp` must outlive this. Null (the default): no SMTP figures.
  void WatchSmtp(const SmtpCounters* smtp) { smtp_.store(smtp, std::memory_order_release); }
  // The full-text indexer whose status /metrics reports; same rules as WatchSmtp.
  void WatchFulltext(const FulltextIndexer* indexer) { fulltext_.store(indexer, std::memory_order_release); }

  // The exposition text (Content-Type kContentType).
  std::string Render(const WriterStats& writer) const;
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  static constexpr int kMinStatus = 100, kMaxStatus = 599;
  static constexpr int kStatuses = kMaxStatus - kMinStatus + 1;
  static constexpr size_t kDurationBuckets = kRequestTimeBoundsUs.size() + 1;
  size_t Row(const Route* route, std::string_view method) const;
  std::string RowLabels(size_t row) const;  // method="…",route="…"

  const int64_t start_us_;
  const size_t routes_;  // rows 0..routes_-1: Routes(); then one per unmatched method
  std::unique_ptr<std::atomic<uint64_t>[]> requests_;   // [row * kStatuses + status - kMinStatus]
  std::unique_ptr<std::atomic<uint64_t>[]> durations_;  // [row * kDurationBuckets + bucket]
  std::unique_ptr<std::atomic<uint64_t>[]> duration_sums_us_;  // [row]
  std::atomic<const SmtpCounters*> smtp_{nullptr};
  std::atomic<const FulltextIndexer*> fulltext_{nullptr};
};

}  // namespace chainmail
