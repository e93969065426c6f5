#include "audit/audit_checker.h"

#include "archive/format/audit_payload.h"
#include "archive/format/payload_registry.h"
#include "archive/format/payload_tags.h"
#include "audit/audit_event.h"

namespace chainmail {
namespace {

bool SameRow(const AuditIndexRow& a, const AuditIndexRow& b) {
  return a.seq == b.seq && a.type == b.type && a.event_us == b.event_us && a.actor == b.actor &&
         a.outcome == b.outcome && a.targets == b.targets;
}

void CheckTarget(Database& db, const TargetRef& t, const ProblemSink& report) {
  // Resolve the log first, then look the leaf up by its primary key (log, seq): a join
  // here was planned as a scan of every leaf per target.
  Statement log = db.Prepare("SELECT id FROM logs WHERE log_id = ?");
  log.BindBlob(1, AsView(t.log_id));
  if (!log.Step()) {
    report("target ref names a log this archive does not have");
    return;
  }
  Statement st = db.Prepare("SELECT leaf_hash FROM leaves WHERE log = ? AND seq = ?");
  st.Bind(1, log.Int(0)).Bind(2, static_cast<int64_t>(t.seq));
  if (!st.Step()) {
    report("target ref names seq " + std::to_string(t.seq) + " of a log with no such leaf");
  } else if (Hash32FromBytes(st.Blob(0)) != t.leaf_hash) {
    report("target ref to seq " + std::to_string(t.seq) + " does not match that leaf's hash");
  }
}

}  // namespace

uint64_t AuditChecker::Check(Database& db, const Leaf& leaf, const RecordId& id, std::string_view bytes,
                             const ProblemSink& report) {
  auto payload = AuditPayload::Decode(bytes);
  if (!payload.ok()) {
    report(payload.status().message());
    return 0;
  }
  if (AuditEventName(leaf.subtype).empty()) report("unknown audit event type " + std::to_string(leaf.subtype));
  for (const TargetRef& t : payload->targets) CheckTarget(db, t, report);
  if (leaf.subtype == auditevent::kPolicyDecision && payload->targets.size() != 1)
    report("a policy decision must name exactly one message");
  auto stored = ReadAuditIndexRow(db, id);
  if (!stored.ok()) {
    report("audit index row missing");
  } else if (!SameRow(*stored, BuildAuditIndexRow(db, leaf.seq, leaf.subtype, *payload))) {
    report("audit index row disagrees with the payload");
  }
  return 0;
}

void AuditChecker::CheckGlobal(Database& db, const std::function<void(VerifyProblem)>& report) {
  Statement orphans = db.Prepare(
      "SELECT record_id FROM audit_events WHERE record_id NOT IN (SELECT record_id FROM leaves WHERE log = 2)");
  while (orphans.Step())
    report({"audit", UINT64_MAX, RecordId::FromBytes(orphans.Blob(0)).ToString(), "audit index row without a leaf"});
  CheckDecisionIndex(db, report);
  CheckListingRows(db, report);
}

// message_decisions (schema/005) says which event holds a message's decision; searches
// and reads show that event's decision. Each message needs a policy decision naming it,
// and its row must name the first one.
void AuditChecker::CheckDecisionIndex(Database& db, const std::function<void(VerifyProblem)>& report) {
  Statement st = db.Prepare(
      "SELECT m.record_id, m.seq, d.event_seq, d.event_record_id, e.record_id,"
      "  (SELECT min(f.seq) FROM audit_event_targets t JOIN audit_events f ON f.record_id = t.record_id"
      "   WHERE t.log = 1 AND t.seq = m.seq AND t.position = 0 AND f.type = ?) "
      "FROM messages m LEFT JOIN message_decisions d ON d.message_seq = m.seq "
      "LEFT JOIN audit_events e ON e.seq = d.event_seq");
  st.Bind(1, auditevent::kPolicyDecision);
  while (st.Step()) {
    const auto seq = static_cast<uint64_t>(st.Int(1));
    auto problem = [&](std::string what) {
      report({"messages", seq, RecordId::FromBytes(st.Blob(0)).ToString(), std::move(what)});
    };
    if (st.IsNull(5)) {
      problem("no policy decision in the audit log names this message");
    } else if (st.IsNull(2)) {
      problem("decision index row missing (message_decisions)");
    } else if (st.Int(2) != st.Int(5) || st.IsNull(4) || st.Blob(3) != st.Blob(4)) {
      problem("decision index row names audit event " + std::to_string(st.Int(2)) +
              "; the message's first policy decision is event " + std::to_string(st.Int(5)));
    }
  }
  Statement stray = db.Prepare(
      "SELECT message_seq FROM message_decisions WHERE message_seq NOT IN (SELECT seq FROM messages)");
  while (stray.Step())
    report({"messages", static_cast<uint64_t>(stray.Int(0)), "", "decision index row for a message that does not exist"});
}

// A search's targets live in one audit_listings row (schema/006), read only for a search
// event without target rows: any other listing row would be ignored, so it is reported.
void AuditChecker::CheckListingRows(Database& db, const std::function<void(VerifyProblem)>& report) {
  Statement st = db.Prepare(
      "SELECT a.event_seq FROM audit_listings a LEFT JOIN audit_events e ON e.seq = a.event_seq "
      "WHERE e.seq IS NULL OR e.type != ? "
      "   OR EXISTS (SELECT 1 FROM audit_event_targets t WHERE t.record_id = e.record_id)");
  st.Bind(1, auditevent::kMessageSearch);
  while (st.Step())
    report({"audit", static_cast<uint64_t>(st.Int(0)), "", "listing row that belongs to no search event's targets"});
}

}  // namespace chainmail
