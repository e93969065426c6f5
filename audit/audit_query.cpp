#include "audit/audit_query.h"

#include <cctype>
#include <charconv>
#include <map>
#include <variant>

#include "archive/format/bytes.h"
#include "archive/format/sha256.h"
#include "audit/listing_index.h"

namespace chainmail {
namespace {

// Interrupts the connection's statements once `deadline` passes (sqlite3_progress_handler),
// and clears the handler again, so a pooled connection never keeps it.
class QueryDeadline {
 public:
  QueryDeadline(Database& db, std::chrono::steady_clock::time_point deadline) : db_(db), deadline_(deadline) {
    if (deadline_ != std::chrono::steady_clock::time_point::max())
      sqlite3_progress_handler(db_.handle(), kCheckEvery, &QueryDeadline::Check, this);
  }
  ~QueryDeadline() { sqlite3_progress_handler(db_.handle(), 0, nullptr, nullptr); }
  QueryDeadline(const QueryDeadline&) = delete;
  QueryDeadline& operator=(const QueryDeadline&) = delete;

  // `s` as the caller should see it: LimitExceeded when the deadline cut the query off.
  Status Explain(const Status& s) const {
    if (expired_) return Status::LimitExceeded("the audit query ran longer than the query time limit");
    return s;
  }

 private:
  static int Check(void* self) {
    auto* d = static_cast<QueryDeadline*>(self);
    if (std::chrono::steady_clock::now() < d->deadline_) return 0;
    d->expired_ = true;
    return 1;
  }
  static constexpr int kCheckEvery = 100;  // VM steps between clock reads: cheap, and prompt
  Database& db_;
  const std::chrono::steady_clock::time_point deadline_;
  bool expired_ = false;
};

using Value = std::variant<int64_t, std::string>;

// The selecting query: fixed fragments chosen here, every value a bound parameter.
// `listed`: what the listing index knows of the target (listing_index.h).
std::string SelectSql(const AuditFilter& f, const AuditPageRequest& p, const ListedBy& listed,
                      std::vector<Value>& values) {
  std::string sql = "SELECT e.seq, e.record_id, e.type, e.event_us FROM audit_events e WHERE e.seq < ?";
  values.emplace_back(static_cast<int64_t>(p.snapshot_size));
  if (f.target) {
    // Events naming the leaf as a target row; searches the listing index knows listed it;
    // and listings past the index's reach, read here.
    sql += " AND e.seq IN (SELECT e2.seq FROM audit_event_targets t JOIN audit_events e2 ON e2.record_id = t.record_id"
           " WHERE t.log = ? AND t.seq = ?"
           " UNION ALL SELECT value FROM json_each(?)"
           " UNION ALL SELECT a.event_seq FROM audit_listings a, json_each(a.seqs) j"
           " WHERE a.event_seq >= ? AND a.log = ? AND j.value = ?)";
    values.emplace_back(static_cast<int64_t>(f.target->log));
    values.emplace_back(static_cast<int64_t>(f.target->seq));
    std::string seqs = "[";
    for (uint64_t s : listed.event_seqs) seqs += (seqs.size() > 1 ? "," : "") + std::to_string(s);
    values.emplace_back(seqs + "]");
    values.emplace_back(static_cast<int64_t>(listed.next));
    values.emplace_back(static_cast<int64_t>(f.target->log));
    values.emplace_back(static_cast<int64_t>(f.target->seq));
  }
  if (!f.types.empty()) {
    sql += " AND e.type IN (";
    for (size_t i = 0; i < f.types.size(); ++i) {
      sql += i ? ", ?" : "?";
      values.emplace_back(static_cast<int64_t>(f.types[i]));
    }
    sql += ")";
  }
  if (f.actor) {
    sql += " AND e.actor = ?";
    values.emplace_back(*f.actor);
  }
  if (f.from_us) {
    sql += " AND e.event_us >= ?";
    values.emplace_back(*f.from_us);
  }
  if (f.to_us) {
    sql += " AND e.event_us <= ?";
    values.emplace_back(*f.to_us);
  }
  if (p.after) {
    // The first comparison alone bounds the index range; the second breaks ties by seq.
    sql += p.newest_first ? " AND e.event_us <= ? AND (e.event_us < ? OR e.seq < ?)"
                          : " AND e.event_us >= ? AND (e.event_us > ? OR e.seq > ?)";
    values.emplace_back(p.after->event_us);
    values.emplace_back(p.after->event_us);
    values.emplace_back(static_cast<int64_t>(p.after->seq));
  }
  sql += p.newest_first ? " ORDER BY e.event_us DESC, e.seq DESC LIMIT ?" : " ORDER BY e.event_us, e.seq LIMIT ?";
  values.emplace_back(static_cast<int64_t>(p.limit) + 1);
  return sql;
}

Status Fill(Database& db, AuditEventRow& row, const std::map<std::string, LogName>& logs) {
  {
    Statement st = db.Prepare("SELECT leaf_hash FROM leaves WHERE log = ? AND seq = ?");
    st.Bind(1, static_cast<int64_t>(LogName::kAudit)).Bind(2, static_cast<int64_t>(row.seq));
    if (st.Step()) row.leaf_hash = Hash32FromBytes(st.Blob(0));
    else if (!st.status().ok()) return st.status();
  }
  {
    Statement st = db.Prepare("SELECT payload FROM payloads WHERE record_id = ?");
    st.BindBlob(1, row.record_id.AsBytes());
    if (st.Step()) {
      auto payload = AuditPayload::Decode(st.Blob(0));
      if (payload.ok()) row.payload = std::move(*payload);
      else row.payload_problem = "payload does not decode: " + payload.status().message();
    } else {
      if (!st.status().ok()) return st.status();
      row.payload_problem = "payload missing";
    }
  }
  if (!row.payload) return Status::Ok();
  for (const TargetRef& ref : row.payload->targets) {
    AuditTarget t{ref, std::nullopt, std::nullopt};
    auto log = logs.find(std::string(AsView(ref.log_id)));
    if (log != logs.end()) {
      t.log = log->second;
      Statement st = db.Prepare("SELECT record_id FROM leaves WHERE log = ? AND seq = ?");
      st.Bind(1, static_cast<int64_t>(log->second)).Bind(2, static_cast<int64_t>(ref.seq));
      if (st.Step()) t.record_id = RecordId::FromBytes(st.Blob(0));
      else if (!st.status().ok()) return st.status();
    }
    row.targets.push_back(std::move(t));
  }
  return Status::Ok();
}

Result<std::map<std::string, LogName>> LogIds(Database& db) {
  std::map<std::string, LogName> out;
  Statement st = db.Prepare("SELECT id, log_id FROM logs");
  while (st.Step())
    if (st.Int(0) == static_cast<int64_t>(LogName::kMessages) || st.Int(0) == static_cast<int64_t>(LogName::kAudit))
      out.emplace(std::string(st.Blob(1)), static_cast<LogName>(st.Int(0)));
  if (!st.status().ok()) return st.status();
  return out;
}

}  // namespace

std::string AuditListingFingerprint(const AuditFilter& f, bool newest_first) {
  std::string text = newest_first ? "newest" : "oldest";
  for (uint16_t t : f.types) text += "|t" + std::to_string(t);
  text += "|a" + (f.actor ? ToHex(*f.actor) : "-");
  text += "|f" + (f.from_us ? std::to_string(*f.from_us) : "-");
  text += "|u" + (f.to_us ? std::to_string(*f.to_us) : "-");
  if (f.target) text += "|g" + std::to_string(static_cast<int>(f.target->log)) + ":" + std::to_string(f.target->seq);
  return ToHex(Sha256::Of(text)).substr(0, 16);
}

// "1.<snapshot>.<event us>.<seq>.<fingerprint>", base64url without padding.
std::string EncodeAuditCursor(const AuditCursor& c) {
  std::string b64 = Base64Encode("1." + std::to_string(c.snapshot) + "." + std::to_string(c.after.event_us) + "." +
                                 std::to_string(c.after.seq) + "." + c.fingerprint);
  for (char& ch : b64) ch = ch == '+' ? '-' : ch == '/' ? '_' : ch;
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  return b64;
}

std::optional<AuditCursor> DecodeAuditCursor(std::string_view text) {
  std::string b64(text);
  for (char& ch : b64) {
    if (ch == '-') ch = '+';
    else if (ch == '_') ch = '/';
    else if (!std::isalnum(static_cast<unsigned char>(ch))) return std::nullopt;
  }
  while (b64.size() % 4) b64 += '=';
  auto raw = Base64Decode(b64);
  if (!raw) return std::nullopt;
  std::vector<std::string_view> parts;
  std::string_view rest = *raw;
  for (;;) {
    const size_t dot = rest.find('.');
    parts.push_back(rest.substr(0, dot));
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  auto number = [](std::string_view s, auto& out) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc() && end == s.data() + s.size();
  };
  AuditCursor c;
  if (parts.size() != 5 || parts[0] != "1" || !number(parts[1], c.snapshot) || !number(parts[2], c.after.event_us) ||
      !number(parts[3], c.after.seq) || parts[4].size() != 16 || EncodeAuditCursor({c.snapshot, c.after, std::string(parts[4])}) != text)
    return std::nullopt;
  c.fingerprint = parts[4];
  return c;
}

Result<AuditPage> QueryAuditEvents(Database& db, const AuditFilter& filter, const AuditPageRequest& page) {
  if (page.limit == 0) return Status::InvalidArgument("a page holds at least one event");
  ListedBy listed;
  if (filter.target) {
    auto audit = ReadLogIdentity(db, LogName::kAudit);
    if (!audit.ok()) return audit.status();
    listed = LookupListings(db.directory(), audit->log_id, static_cast<int>(filter.target->log), filter.target->seq);
  }
  Transaction read(db, Transaction::Kind::kDeferred);
  if (!read.status().ok()) return read.status();
  // Declared after the transaction, so the handler is gone before its ROLLBACK runs: the
  // end of a read must never be interrupted (a pooled connection would keep it open).
  QueryDeadline deadline(db, page.deadline);
  AuditPage out;
  {
    std::vector<Value> values;
    Statement st = db.PrepareShaped(SelectSql(filter, page, listed, values));
    for (size_t i = 0; i < values.size(); ++i) {
      const int at = static_cast<int>(i) + 1;
      if (const auto* n = std::get_if<int64_t>(&values[i])) st.Bind(at, *n);
      else st.Bind(at, std::get<std::string>(values[i]));
    }
    while (st.Step()) {
      if (out.events.size() == page.limit) {
        out.more = true;
        break;
      }
      AuditEventRow row;
      row.seq = static_cast<uint64_t>(st.Int(0));
      row.record_id = RecordId::FromBytes(st.Blob(1));
      row.type = static_cast<uint16_t>(st.Int(2));
      row.event_us = st.Int(3);
      out.events.push_back(std::move(row));
    }
    if (!st.status().ok()) return deadline.Explain(st.status());
  }
  auto logs = LogIds(db);
  if (!logs.ok()) return deadline.Explain(logs.status());
  for (AuditEventRow& row : out.events)
    if (Status s = Fill(db, row, *logs); !s.ok()) return deadline.Explain(s);
  return out;
}

Result<LeafPosition> LeafOfRecord(Database& db, const RecordId& id) {
  Statement st = db.Prepare("SELECT log, seq FROM leaves WHERE record_id = ?");
  st.BindBlob(1, id.AsBytes());
  if (st.Step()) return LeafPosition{static_cast<LogName>(st.Int(0)), static_cast<uint64_t>(st.Int(1))};
  if (!st.status().ok()) return st.status();
  return Status::NotFound("no record " + id.ToString());
}

}  // namespace chainmail
