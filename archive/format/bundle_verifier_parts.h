// Internal to bundle_verifier.cpp and bundle_record_checks.cpp: what the log checks
// establish and the record checks build on. Not part of the format's API.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "archive/format/bundle_layout.h"
#include "archive/format/bundle_verifier.h"
#include "archive/format/leaf.h"

namespace chainmail::bundle_check {

// Collects report items.
class Reporter {
 public:
  explicit Reporter(BundleReport& report) : report_(report) {}
  void Valid(std::string what) { Add(std::move(what), BundleItem::Verdict::kValid, ""); }
  void Invalid(std::string what, std::string reason) {
    Add(std::move(what), BundleItem::Verdict::kInvalid, std::move(reason));
  }
  void NotChecked(std::string what, std::string reason) {
    Add(std::move(what), BundleItem::Verdict::kNotChecked, std::move(reason));
  }

 private:
  void Add(std::string what, BundleItem::Verdict v, std::string reason) {
    report_.items.push_back({std::move(what), v, std::move(reason)});
  }
  BundleReport& report_;
};

// One exported log as far as it verified.
struct CheckedLog {
  std::string name;  // "messages" or "audit"
  RecordType type = RecordType::kMessage;
  std::string origin;
  Hash32 log_id{};
  bundle::Range range;
  std::vector<Leaf> leaves;         // in seq order; only when leaves.bin decoded fully
  std::vector<Hash32> leaf_hashes;  // parallel to leaves
  bool trusted = false;             // leaves verified and their root matches a signed checkpoint
};

// The files the checks have accounted for; anything else in the bundle is unexpected.
using SeenPaths = std::set<std::string>;

// The file at `path`, marking it seen; nullptr when absent.
inline const Bytes* Take(const TarFiles& files, const std::string& path, SeenPaths& seen) {
  auto it = files.find(path);
  if (it == files.end()) return nullptr;
  seen.insert(path);
  return &it->second;
}

// Records, listings and target refs (bundle_record_checks.cpp).
void CheckRecords(const TarFiles& files, const std::vector<CheckedLog>& logs, Reporter& out, SeenPaths& seen);

}  // namespace chainmail::bundle_check
