#include "service/api/denial_tracker.h"

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
      .Time("window_start", window_start_us)
      .Time("first", first_us)
      .Time("last", last_us)
      .Raw("reasons", reasons_json.Done())
      .Raw("tokens", actors_json.Done())
      .Done();
}

void DenialTracker::Deny(const std::string& source, const std::string& reason, const std::string& actor,
                         int64_t now_us) {
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

int DenialTracker::RetryAfterSeconds(const std::string& source, int64_t now_us) {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t window = WindowOf(now_us);
  auto it = open_.find({window, source});
  if (it == open_.end() || it->second.count < max_failures_) return 0;
  return static_cast<int>((window + window_us_ - now_us + 999'999) / 1'000'000);
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
