// DenialTracker: failed authentications and refused roles, counted per source address
// and window, so that the audit log gets one auth.denied event per source per window (a
// flood does not drown the trail) and a source that keeps failing is slowed down with
// 429 until its window ends. A source is an IPv4 address, or an IPv6 address's /64: one
// host holds a whole /64, and counting its 2^64 addresses apart would let it dodge the
// 429 by changing address. Memory is bounded: beyond kMaxSources sources in one window
// the rest are counted under "(other sources)". Thread-safe.
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
  uint64_t count = 0;   // denials: what the source was refused before it was slowed
  uint64_t slowed = 0;  // then refused with 429 (DenialTracker::Slowed), not counted above
  std::map<std::string, uint64_t> reasons;  // "invalid token" -> n, "role auditor on GET /x" -> n
  std::set<std::string> actors;             // tokens that were refused a route (bounded)

  std::string DetailJson() const;
};

class DenialTracker {
 public:
  static constexpr size_t kMaxSources = 10000;
  static constexpr size_t kMaxKeysPerSource = 32;

  DenialTracker(uint32_t max_failures, int64_t window_us) : max_failures_(max_failures), window_us_(window_us) {}

  // What `address` counts as: an IPv6 address's /64 ("2001:db8:1:2::/64"), anything
  // else as given.
  static std::string SourceOf(const std::string& address);

  // `address`: the client's address (counted as SourceOf(address)).
  void Deny(const std::string& address, const std::string& reason, const std::string& actor, int64_t now_us);
  // Counts a request of `address` refused with 429 while its source is slowed: the
  // summary's `slowed`, so the trail shows a flood's size, not only its first failures.
  void Slowed(const std::string& address, int64_t now_us);
  // Seconds until `address`'s source may try again (0: it may now).
  int RetryAfterSeconds(const std::string& address, int64_t now_us);
  // The summaries of windows that ended before `now_us` (every one when `all`), removed.
  std::vector<DenialSummary> Drain(int64_t now_us, bool all);
  // Takes back a drained summary that could not be recorded, so the next Drain offers it
  // again (merged with whatever its source and window have gathered since). Within the
  // same bound: when the table is full it joins the oldest window's "(other sources)".
  void Restore(DenialSummary summary);

 private:
  int64_t WindowOf(int64_t us) const { return us - us % window_us_; }
  // Adds `from` into `into` (counts, times, the bounded reasons and actors).
  static void Merge(DenialSummary& into, const DenialSummary& from);
  const uint32_t max_failures_;
  const int64_t window_us_;
  std::mutex mu_;
  std::map<std::pair<int64_t, std::string>, DenialSummary> open_;  // (window, source)
};

}  // namespace chainmail
