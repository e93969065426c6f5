// AuditLog: records audit events through the archive's single writer, so they share its
// group commit, chain and durability. Record() returns only once the event is committed
// and synced — the rule "audited before served" is built on that. Thread-safe.
#pragma once

#include <functional>

#include "archive/archive.h"
#include "audit/audit_event.h"

namespace chainmail {

class AuditLog {
 public:
  explicit AuditLog(Archive& archive) : archive_(archive) {}
  // Commits `event` (its same_submission_targets must be empty: nothing precedes it).
  Result<RecordId> Record(AuditEvent event);
  // Commits `event` naming the leaf `target` (e.g. a message being read).
  Result<RecordId> RecordAbout(AuditEvent event, const TargetRef& target);
  // Commits `event` and `change` in one transaction, for a row change that must never
  // exist without its event nor the event without it (tokens, labels). `change` runs on
  // the writer's Database after the event's own index rows; when it fails, neither is
  // committed and its Status is returned. An empty `change` is Record().
  Result<RecordId> RecordWith(AuditEvent event, std::function<Status(Database&)> change);

 private:
  Archive& archive_;
};

// The target ref of a committed message, read from the database.
Result<TargetRef> MessageTargetRef(Database& db, const RecordId& message);

}  // namespace chainmail
