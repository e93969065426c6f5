#include "archive/format/payload_registry.h"

#include "archive/format/payload_tags.h"

namespace chainmail {

const std::vector<RegistryEntry>& PayloadRegistry() {
  using K = RegistryEntry::Kind;
  static const std::vector<RegistryEntry> kAll = {
      {K::kMessageTag, msgtag::kSource, "source", true},
      {K::kMessageTag, msgtag::kMailFrom, "mail_from", true},
      {K::kMessageTag, msgtag::kRcptTo, "rcpt_to", true},
      {K::kMessageTag, msgtag::kHeloVerb, "helo_verb", false},
      {K::kMessageTag, msgtag::kHeloName, "helo_name", false},
      {K::kMessageTag, msgtag::kClientAddress, "client_address", false},
      {K::kMessageTag, msgtag::kClientPort, "client_port", false},
      {K::kMessageTag, msgtag::kServerAddress, "server_address", false},
      {K::kMessageTag, msgtag::kTlsProtocol, "tls_protocol", false},
      {K::kMessageTag, msgtag::kTlsCipher, "tls_cipher", false},
      {K::kMessageTag, msgtag::kSessionId, "session_id", false},
      {K::kMessageTag, msgtag::kTransfer, "transfer", true},
      {K::kMessageTag, msgtag::kReceivedTimeUs, "received_time_us", true},
      {K::kMessageTag, msgtag::kRawSha256, "raw_sha256", true},
      {K::kMessageTag, msgtag::kRawLength, "raw_length", true},
      {K::kMessageTag, msgtag::kCodec, "codec", true},
      {K::kMessageTag, msgtag::kFlags, "flags", true},
      {K::kMessageTag, msgtag::kImportName, "import_name", false},
      {K::kAuditTag, audittag::kActor, "actor", true},
      {K::kAuditTag, audittag::kAuthMethod, "auth_method", true},
      {K::kAuditTag, audittag::kSourceAddress, "source_address", false},
      {K::kAuditTag, audittag::kRequestId, "request_id", false},
      {K::kAuditTag, audittag::kTargetRefs, "target_refs", false},
      {K::kAuditTag, audittag::kBefore, "before", false},
      {K::kAuditTag, audittag::kAfter, "after", false},
      {K::kAuditTag, audittag::kOutcome, "outcome", true},
      {K::kAuditTag, audittag::kDetail, "detail", false},
      {K::kAuditTag, audittag::kEventTimeUs, "event_time_us", true},
      {K::kAuditEvent, auditevent::kPolicyDecision, "policy.decision", false},
      {K::kAuditEvent, auditevent::kMessageSearch, "message.search", false},
      {K::kAuditEvent, auditevent::kMessageRead, "message.read", false},
      {K::kAuditEvent, auditevent::kMessageExport, "message.export", false},
      {K::kAuditEvent, auditevent::kMessageLabel, "message.label", false},
      {K::kAuditEvent, auditevent::kMessageImport, "message.import", false},
      {K::kAuditEvent, auditevent::kAuditExport, "audit.export", false},
      {K::kAuditEvent, auditevent::kAuditRead, "audit.read", false},
      {K::kAuditEvent, auditevent::kTokenCreate, "token.create", false},
      {K::kAuditEvent, auditevent::kTokenRevoke, "token.revoke", false},
      {K::kAuditEvent, auditevent::kAuthDenied, "auth.denied", false},
      {K::kAuditEvent, auditevent::kServiceStart, "service.start", false},
      {K::kAuditEvent, auditevent::kServiceStop, "service.stop", false},
      {K::kAuditEvent, auditevent::kConfigChange, "config.change", false},
      {K::kAuditEvent, auditevent::kKeyRotate, "key.rotate", false},
      {K::kAuditEvent, auditevent::kRouteCreate, "route.create", false},
      {K::kAuditEvent, auditevent::kRouteUpdate, "route.update", false},
      {K::kAuditEvent, auditevent::kRouteDelete, "route.delete", false},
      {K::kAuditEvent, auditevent::kRouteTlsTest, "route.tls_test", false},
      {K::kAuditEvent, auditevent::kRoutingRuleCreate, "routing_rule.create", false},
      {K::kAuditEvent, auditevent::kRoutingRuleUpdate, "routing_rule.update", false},
      {K::kAuditEvent, auditevent::kRoutingRuleDelete, "routing_rule.delete", false},
      {K::kAuditEvent, auditevent::kPolicyRuleCreate, "policy_rule.create", false},
      {K::kAuditEvent, auditevent::kPolicyRuleUpdate, "policy_rule.update", false},
      {K::kAuditEvent, auditevent::kPolicyRuleDelete, "policy_rule.delete", false},
      {K::kAuditEvent, auditevent::kQuarantineHold, "quarantine.hold", false},
      {K::kAuditEvent, auditevent::kQuarantineRelease, "quarantine.release", false},
      {K::kAuditEvent, auditevent::kQuarantineReject, "quarantine.reject", false},
      {K::kAuditEvent, auditevent::kDeliverySuccess, "delivery.success", false},
      {K::kAuditEvent, auditevent::kDeliveryDeferred, "delivery.deferred", false},
      {K::kAuditEvent, auditevent::kDeliveryFailed, "delivery.failed", false},
      {K::kAuditEvent, auditevent::kRetentionChange, "retention.change", false},
      {K::kAuditEvent, auditevent::kRetentionPurge, "retention.purge", false},
      {K::kAuditEvent, auditevent::kLegalHoldSet, "legal_hold.set", false},
      {K::kAuditEvent, auditevent::kLegalHoldRelease, "legal_hold.release", false},
      {K::kAuditEvent, auditevent::kErasureRequest, "erasure.request", false},
      {K::kAuditEvent, auditevent::kErasureApprove, "erasure.approve", false},
      {K::kAuditEvent, auditevent::kErasurePurge, "erasure.purge", false},
      {K::kAuditEvent, auditevent::kAnchorPublish, "anchor.publish", false},
      {K::kAuditEvent, auditevent::kAnchorTimestamp, "anchor.timestamp", false},
      {K::kAuditEvent, auditevent::kLogRestore, "log.restore", false},
  };
  return kAll;
}

std::string_view AuditEventName(uint16_t code) {
  for (const auto& e : PayloadRegistry())
    if (e.kind == RegistryEntry::Kind::kAuditEvent && e.code == code) return e.name;
  return {};
}

}  // namespace chainmail
