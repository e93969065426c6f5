#include "audit/policy_decision.h"

#include "archive/format/json_text.h"
#include "archive/format/payload_tags.h"

namespace chainmail {
namespace {

std::string JsonList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + JsonQuote(items[i]);
  return out + "]";
}

}  // namespace

AuditEvent PolicyDecisionEvent(const PolicyDecision& d, size_t message_position) {
  std::string detail = "{\"action\":" + JsonQuote(d.action) + ",\"alerts\":" + JsonList(d.alerts) +
                       ",\"labels\":" + JsonList(d.labels) + ",\"policy\":" + JsonQuote(d.policy) + "}";
  AuditEvent e = SystemEvent(auditevent::kPolicyDecision, "ok", std::move(detail));
  e.same_submission_targets.push_back(message_position);
  return e;
}

}  // namespace chainmail
