// AuditChecker: the RecordChecker for the audit log (archive/archive_verifier.h). Per
// event: a strict payload parse, a registered event type code, the audit_events index
// row re-derived from the payload, and every target ref resolving to exactly the leaf it
// names (log, seq and leaf hash). Globally: index rows without a leaf, and any message
// without the policy decision that must have committed with it. Thread-safe.
#pragma once

#include "archive/archive_verifier.h"

namespace chainmail {

class AuditChecker : public RecordChecker {
 public:
  uint64_t Check(Database& db, const Leaf& leaf, const RecordId& id, std::string_view payload,
                 const ProblemSink& report) override;
  void CheckGlobal(Database& db, const std::function<void(VerifyProblem)>& report) override;
};

}  // namespace chainmail
