#include "audit/audit_log.h"

namespace chainmail {

Result<RecordId> AuditLog::Record(AuditEvent event) { return RecordWith(std::move(event), nullptr); }

Result<RecordId> AuditLog::RecordAbout(AuditEvent event, const TargetRef& target) {
  event.payload.targets.push_back(target);
  return Record(std::move(event));
}

Result<RecordId> AuditLog::RecordWith(AuditEvent event, std::function<Status(Database&)> change) {
  if (!event.same_submission_targets.empty())
    return Status::InvalidArgument("a lone audit event cannot name same-submission records");
  AppendRequest request = AuditAppendRequest(std::move(event), archive_.mint());
  const RecordId id = request.record_id;
  if (change) {
    auto index = std::move(request.write_content);
    request.write_content = [index = std::move(index), change = std::move(change)](Database& db,
                                                                                 const AppendedLeaf& leaf) {
      if (index)
        if (Status s = index(db, leaf); !s.ok()) return s;
      return change(db);
    };
  }
  std::vector<AppendRequest> requests;
  requests.push_back(std::move(request));
  auto appended = archive_.Append(std::move(requests));
  if (!appended.ok()) return appended.status();
  return id;
}

Result<TargetRef> MessageTargetRef(Database& db, const RecordId& message) {
  Statement st = db.Prepare(
      "SELECT g.log_id, l.seq, l.leaf_hash FROM leaves l JOIN logs g ON g.id = l.log WHERE l.record_id = ?");
  st.BindBlob(1, message.AsBytes());
  if (!st.Step()) {
    if (!st.status().ok()) return st.status();
    return Status::NotFound("no record " + message.ToString());
  }
  return TargetRef{Hash32FromBytes(st.Blob(0)), static_cast<uint64_t>(st.Int(1)), Hash32FromBytes(st.Blob(2))};
}

}  // namespace chainmail
