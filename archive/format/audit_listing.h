// audit.jsonl and audit.csv: the human-readable listing of exported audit events
// (docs/bundle.md). The exporter renders them here, and the offline verifier renders
// them again from the leaves and payloads it verified and requires byte equality — so one
// renderer serves both, and editing a listing (even with the manifest fixed up) is caught.
// Pure functions; thread-safe.
#pragma once

#include <string>

#include "archive/format/audit_payload.h"
#include "archive/format/leaf.h"

namespace chainmail {

// Accumulates the two listings, one event at a time, in seq order.
class AuditListing {
 public:
  AuditListing();
  void Add(const Leaf& leaf, const AuditPayload& payload);
  const std::string& jsonl() const { return jsonl_; }
  const std::string& csv() const { return csv_; }

 private:
  std::string jsonl_;
  std::string csv_;
};

}  // namespace chainmail
