// PolicyDecision: what the policy decided for one received message, and the
// `policy.decision` audit event that records it. In journal mode the action is always
// "accept" (the original was already delivered; policy labels and alerts only).
// Plain values; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "audit/audit_event.h"

namespace chainmail {

struct PolicyDecision {
  std::string action = "accept";   // journal mode: accept; gateway mode later: quarantine, reject, throttle
  std::string policy = "default";  // the policy (rule set) that decided
  std::vector<std::string> labels;
  std::vector<std::string> alerts;
};

// The event for the message appended at position `message_position` of the same writer
// submission (0 when the message is the first record). detail is deterministic JSON:
// {"action":…,"alerts":[…],"labels":[…],"policy":…}
AuditEvent PolicyDecisionEvent(const PolicyDecision& decision, size_t message_position = 0);

}  // namespace chainmail
