// DenialTracker: failed authentications and refused roles, counted per source address
// and window, so that the audit log gets one auth.denied event per source per window (a
// flood does not drown the trail) and a source that keeps failing is slowed down with
// 429 until its window ends. Memory is bounded: beyond kMaxSources addresses in one
// window the rest are counted under "(other sources)". Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace chainmail {

struct DenialSummary {
  std::string source;
  int64_t window_start_us = 0;
  int64_t first_us = 0, last_us = 0;
  uint64_t count = 0;
  std::map<std::string, uint64_t> reasons;  // "invalid token" -> n, "role auditor on GET /x" -> n
  std::set<std::string> actors;             // tokens that were refused a route (bounded)

  std::string DetailJson() const;
};

class DenialTracker {
 public:
  static constexpr size_t kMaxSources = 10000;
  static constexpr size_t kMaxKeysPerSource = 32;

  DenialTracker(uint32_t max_failures, int64_t window_us) : max_failures_(max_failures), window_us_(window_us) {}

  void Deny(const std::string& source, const std::string& reason, const std::string& actor, int64_t now_us);
  // Seconds until `source` may try again (0: it may now).
  int RetryAfterSeconds(const std::string& source, int64_t now_us);
  // The summaries of windows that ended before `now_us` (every one when `all`), removed.
  std::vector<DenialSummary> Drain(int64_t now_us, bool all);

 private:
  int64_t WindowOf(int64_t us) const { return us - us % window_us_; }
  const uint32_t max_failures_;
  const int64_t window_us_;
  std::mutex mu_;
  std::map<std::pair<int64_t, std::string>, DenialSummary> open_;  // (window, source)
};

}  // namespace chainmail
