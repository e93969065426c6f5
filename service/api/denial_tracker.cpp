#include "service/api/denial_tracker.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "archive/format/rfc3339.h"
#include "service/api/json_writer.h"

namespace chainmail {

std::string DenialSummary::DetailJson() const {
  JsonWriter reasons_json = JsonWriter::Object();
  for (const auto& [reason, n] : reasons) reasons_json.Int(reason, static_cast<int64_t>(n));
  JsonWriter actors_json = JsonWriter::Array();
  for (const auto& a : actors) actors_json.Str(a);
  return JsonWriter::Object()
      .Int("count", static_cast<int64_t>(count))
      .Int("slowed", static_cast<int64_t>(slowed))
      .Time("window_start", window_start_us)
      .Time("first", first_us)
      .Time("last", last_us)
      .Raw("reasons", reasons_json.Done())
      .Raw("tokens", actors_json.Done())
      .Done();
}

std::string DenialTracker::SourceOf(const std::string& address) {
  in6_addr a;
  if (inet_pton(AF_INET6, address.c_str(), &a) != 1) return address;
  std::memset(a.s6_addr + 8, 0, 8);
  char text[INET6_ADDRSTRLEN];
  if (!inet_ntop(AF_INET6, &a, text, sizeof text)) return address;
  return std::string(text) + "/64";
}

void DenialTracker::Deny(const std::string& address, const std::string& reason, const std::string& actor,
                         int64_t now_us) {
  const std::string source = SourceOf(address);
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t window = WindowOf(now_us);
  auto key = std::make_pair(window, source);
  if (!open_.count(key) && open_.size() >= kMaxSources) key.second = "(other sources)";
  DenialSummary& s = open_[key];
  if (s.count == 0) {
    s.source = key.second;
    s.window_start_us = window;
    s.first_us = now_us;
  }
  s.last_us = now_us;
  ++s.count;
  if (s.reasons.count(reason) || s.reasons.size() < kMaxKeysPerSource) ++s.reasons[reason];
  if (!actor.empty() && s.actors.size() < kMaxKeysPerSource) s.actors.insert(actor);
}

void DenialTracker::Slowed(const std::string& address, int64_t now_us) {
  const std::string source = SourceOf(address);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = open_.find({WindowOf(now_us), source});
  if (it == open_.end()) return;  // only a source with denials in this window is slowed
  ++it->second.slowed;
  it->second.last_us = now_us;
}

int DenialTracker::RetryAfterSeconds(const std::string& address, int64_t now_us) {
  const std::string source = SourceOf(address);
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t window = WindowOf(now_us);
  auto it = open_.find({window, source});
  if (it == open_.end() || it->second.count < max_failures_) return 0;
  return static_cast<int>((window + window_us_ - now_us + 999'999) / 1'000'000);
}

void DenialTracker::Merge(DenialSummary& into, const DenialSummary& from) {
  if (into.count == 0) {
    into.window_start_us = from.window_start_us;
    into.first_us = from.first_us;
    into.last_us = from.last_us;
  }
  into.window_start_us = std::min(into.window_start_us, from.window_start_us);
  into.first_us = std::min(into.first_us, from.first_us);
  into.last_us = std::max(into.last_us, from.last_us);
  into.count += from.count;
  into.slowed += from.slowed;
  for (const auto& [reason, n] : from.reasons)
    if (into.reasons.count(reason) || into.reasons.size() < kMaxKeysPerSource) into.reasons[reason] += n;
  for (const auto& actor : from.actors)
    if (into.actors.size() < kMaxKeysPerSource) into.actors.insert(actor);
}

void DenialTracker::Restore(DenialSummary summary) {
  if (summary.count == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto key = std::make_pair(summary.window_start_us, summary.source);
  if (!open_.count(key) && open_.size() >= kMaxSources) {
    key = std::make_pair(open_.begin()->first.first, std::string("(other sources)"));
    summary.source = key.second;
  }
  DenialSummary& s = open_[key];
  if (s.count == 0) s.source = key.second;
  Merge(s, summary);
}

std::vector<DenialSummary> DenialTracker::Drain(int64_t now_us, bool all) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<DenialSummary> out;
  const int64_t current = WindowOf(now_us);
  for (auto it = open_.begin(); it != open_.end();) {
    if (all || it->first.first < current) {
      out.push_back(std::move(it->second));
      it = open_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

}  // namespace chainmail
