// AuditChecker: the RecordChecker for the audit log (archive/archive_verifier.h). Per
// event: a strict payload parse, a registered event type code, the audit_events index
// row re-derived from the payload, and every target ref resolving to exactly the leaf it
// names (log, seq and leaf hash). Globally: index rows without a leaf; any message without
// the policy decision that must have committed with it; the decision index
// (message_decisions) naming anything but each message's first decision; listing rows
// (audit_listings) that no search event reads. Thread-safe.
#pragma once

#include "archive/archive_verifier.h"

namespace chainmail {

class AuditChecker : public RecordChecker {
 public:
  uint64_t Check(Database& db, const Leaf& leaf, const RecordId& id, std::string_view payload,
                 const ProblemSink& report) override;
  void CheckGlobal(Database& db, const std::function<void(VerifyProblem)>& report) override;

 private:
  static void CheckDecisionIndex(Database& db, const std::function<void(VerifyProblem)>& report);
  static void CheckListingRows(Database& db, const std::function<void(VerifyProblem)>& report);
};

}  // namespace chainmail
