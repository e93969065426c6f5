// DecidedIngest: the MessageIngest the receivers use. Every message is archived together
// with its policy decision (a `policy.decision` audit event naming the message's leaf) in
// one writer submission: both commit, or neither. The policy function is supplied by the
// service (until the policy engine exists: accept by the default policy).
// Thread-safe when `decide` is.
#pragma once

#include <functional>

#include "archive/archive.h"
#include "audit/policy_decision.h"

namespace chainmail {

class DecidedIngest : public MessageIngest {
 public:
  using Decide = std::function<PolicyDecision(const MessagePayload&)>;
  DecidedIngest(Archive& archive, Decide decide) : archive_(archive), decide_(std::move(decide)) {}

  Result<std::unique_ptr<MessageSpool>> BeginMessage() override { return archive_.BeginMessage(); }
  Result<RecordId> Commit(std::unique_ptr<MessageSpool> spool, MessagePayload envelope) override;

 private:
  Archive& archive_;
  Decide decide_;
};

// The policy in force until the policy engine exists: accept, no labels.
PolicyDecision DefaultPolicy(const MessagePayload&);

}  // namespace chainmail
