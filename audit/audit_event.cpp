#include "audit/audit_event.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>

#include "archive/format/leaf.h"
#include "archive/format/payload_tags.h"
#include "archive/format/utf8.h"

namespace chainmail {
namespace {

std::string LocalUserName() {
  struct passwd pw {};
  struct passwd* found = nullptr;
  char buf[4096];
  if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &found) == 0 && found != nullptr)
    return found->pw_name;
  return "uid:" + std::to_string(geteuid());
}

int LogNumber(Database& db, const Hash32& log_id) {
  Statement st = db.Prepare("SELECT id FROM logs WHERE log_id = ?");
  st.BindBlob(1, AsView(log_id));
  return st.Step() ? static_cast<int>(st.Int(0)) : 0;
}

std::string ValidText(std::string_view s) {
  std::string out;
  AppendUtf8Repaired(s, &out);
  return out;
}

}  // namespace

AuditEvent SystemEvent(uint16_t type, std::string outcome, std::string detail_json) {
  AuditEvent e;
  e.type = type;
  e.payload.actor = "system";
  e.payload.auth_method = "system";
  e.payload.outcome = std::move(outcome);
  e.payload.detail = std::move(detail_json);
  return e;
}

AuditEvent LocalUserEvent(uint16_t type, std::string outcome, std::string detail_json) {
  AuditEvent e = SystemEvent(type, std::move(outcome), std::move(detail_json));
  e.payload.actor = LocalUserName();
  e.payload.auth_method = "local-user";
  return e;
}

AuditIndexRow BuildAuditIndexRow(Database& db, uint64_t seq, uint16_t type, const AuditPayload& p) {
  AuditIndexRow row;
  row.seq = seq;
  row.type = type;
  row.event_us = static_cast<int64_t>(p.event_time_us);
  row.actor = ValidText(p.actor);
  row.outcome = ValidText(p.outcome);
  // A search names up to a page of messages, all of one log: look each log up once.
  std::vector<std::pair<Hash32, int>> logs;
  for (const TargetRef& t : p.targets) {
    auto known = std::find_if(logs.begin(), logs.end(), [&t](const auto& l) { return l.first == t.log_id; });
    if (known == logs.end()) known = logs.insert(logs.end(), {t.log_id, LogNumber(db, t.log_id)});
    row.targets.emplace_back(known->second, t.seq);
  }
  return row;
}

namespace {

// A search's targets, all of one known log: kept as one audit_listings row.
bool IsListing(const AuditIndexRow& row) {
  if (row.type != auditevent::kMessageSearch || row.targets.empty()) return false;
  for (const auto& [log, seq] : row.targets)
    if (log != row.targets.front().first || log == 0) return false;
  return true;
}

std::string ListingText(const AuditIndexRow& row) {
  std::string out = "[";
  for (const auto& [log, seq] : row.targets) {
    if (out.size() > 1) out += ',';
    out += std::to_string(seq);
  }
  return out + "]";
}

}  // namespace

std::optional<std::vector<uint64_t>> ParseListingText(std::string_view text) {
  if (text.size() < 2 || text.front() != '[' || text.back() != ']') return std::nullopt;
  text = text.substr(1, text.size() - 2);
  std::vector<uint64_t> out;
  while (!text.empty()) {
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end == text.data()) return std::nullopt;
    out.push_back(v);
    text.remove_prefix(static_cast<size_t>(end - text.data()));
    if (text.empty()) break;
    if (text.front() != ',' || text.size() == 1) return std::nullopt;
    text.remove_prefix(1);
  }
  return out;
}

Status WriteAuditIndexRow(Database& db, const RecordId& id, const AuditIndexRow& row) {
  Statement st = db.Prepare(
      "INSERT INTO audit_events(record_id, seq, type, event_us, actor, outcome) VALUES (?,?,?,?,?,?)");
  Status s = st.BindBlob(1, id.AsBytes()).Bind(2, static_cast<int64_t>(row.seq)).Bind(3, static_cast<int64_t>(row.type))
                 .Bind(4, row.event_us).Bind(5, row.actor).Bind(6, row.outcome).Run();
  if (!s.ok()) return s;
  if (IsListing(row)) {  // one appended row, not a random index insert per listed message
    Statement l = db.Prepare("INSERT INTO audit_listings(event_seq, log, seqs) VALUES (?,?,?)");
    return l.Bind(1, static_cast<int64_t>(row.seq)).Bind(2, static_cast<int64_t>(row.targets.front().first))
        .Bind(3, ListingText(row)).Run();
  }
  int64_t position = 0;
  for (const auto& [log, seq] : row.targets) {
    Statement t = db.Prepare("INSERT INTO audit_event_targets(record_id, position, log, seq) VALUES (?,?,?,?)");
    s = t.BindBlob(1, id.AsBytes()).Bind(2, position++).Bind(3, static_cast<int64_t>(log))
            .Bind(4, static_cast<int64_t>(seq)).Run();
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Result<AuditIndexRow> ReadAuditIndexRow(Database& db, const RecordId& id) {
  Statement st = db.Prepare("SELECT seq, type, event_us, actor, outcome FROM audit_events WHERE record_id = ?");
  st.BindBlob(1, id.AsBytes());
  if (!st.Step()) {
    if (!st.status().ok()) return st.status();
    return Status::NotFound("no audit event " + id.ToString());
  }
  AuditIndexRow row;
  row.seq = static_cast<uint64_t>(st.Int(0));
  row.type = static_cast<uint16_t>(st.Int(1));
  row.event_us = st.Int(2);
  row.actor = st.Text(3);
  row.outcome = st.Text(4);
  Statement t = db.Prepare("SELECT log, seq FROM audit_event_targets WHERE record_id = ? ORDER BY position");
  t.BindBlob(1, id.AsBytes());
  while (t.Step()) row.targets.emplace_back(static_cast<int>(t.Int(0)), static_cast<uint64_t>(t.Int(1)));
  if (!t.status().ok()) return t.status();
  if (row.type != auditevent::kMessageSearch || !row.targets.empty()) return row;
  // A search written since 006 keeps its targets as one listing row.
  Statement l = db.Prepare("SELECT log, seqs FROM audit_listings WHERE event_seq = ?");
  l.Bind(1, static_cast<int64_t>(row.seq));
  if (l.Step()) {
    auto seqs = ParseListingText(l.Text(1));
    if (!seqs) return Status::Corruption("audit listing of event " + std::to_string(row.seq) + " does not parse");
    for (uint64_t seq : *seqs) row.targets.emplace_back(static_cast<int>(l.Int(0)), seq);
  }
  if (!l.status().ok()) return l.status();
  return row;
}

AppendRequest AuditAppendRequest(AuditEvent event, RecordMint& mint) {
  AppendRequest r;
  r.log = LogName::kAudit;
  r.type = RecordType::kAuditEvent;
  r.subtype = event.type;
  r.record_id = mint.NewRecordId();
  r.salt = mint.RandomBytes(kSaltSize);
  event.payload.event_time_us = mint.NowUs();
  auto shared = std::make_shared<AuditEvent>(std::move(event));
  // Resolved from the event as given at each call: the writer may apply a submission again.
  r.finalize = [shared, given = shared->payload](AppendRequest& self, const std::vector<AppendedLeaf>& earlier,
                                                const LeafTimes&) -> Status {
    AuditPayload payload = given;
    for (size_t i : shared->same_submission_targets) {
      if (i >= earlier.size()) return Status::InvalidArgument("audit target names a later record");
      payload.targets.push_back(TargetRef{earlier[i].log_id, earlier[i].seq, earlier[i].leaf_hash});
    }
    self.payload = payload.Encode();
    shared->payload = std::move(payload);  // the resolved form, for the index row
    return Status::Ok();
  };
  const RecordId id = r.record_id;
  r.write_content = [shared, id](Database& db, const AppendedLeaf& leaf) {
    return WriteAuditIndexRow(db, id, BuildAuditIndexRow(db, leaf.seq, shared->type, shared->payload));
  };
  return r;
}

}  // namespace chainmail
