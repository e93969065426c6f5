#include "audit/decided_ingest.h"

namespace chainmail {

PolicyDecision DefaultPolicy(const MessagePayload&) { return PolicyDecision{}; }

Result<RecordId> DecidedIngest::Commit(std::unique_ptr<MessageSpool> spool, MessagePayload envelope) {
  return archive_.CommitWith(std::move(spool), std::move(envelope), [this](const MessagePayload& payload) {
    std::vector<AppendRequest> companions;
    companions.push_back(AuditAppendRequest(PolicyDecisionEvent(decide_(payload)), archive_.mint()));
    return companions;
  });
}

}  // namespace chainmail
