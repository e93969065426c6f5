// GET /api/v1/audit/events (auditor): the audit log, filtered by type, actor, time and
// target, a page at a time. Every page records an audit.read event, with the filters in
// its detail, before it answers (503 when that cannot be recorded).
//
// A listing is a snapshot (audit/audit_query.h): the first page fixes the log's size and
// every later page of that listing stays below it, so the audit.read events the paging
// records — one per page — appear in the next listing, never in this one, and paging
// always ends, however small the pages.
#include <Poco/JSON/Parser.h>

#include <charconv>
#include <cstdio>
#include <set>

#include "archive/format/json_text.h"
#include "archive/format/payload_registry.h"
#include "audit/audit_query.h"
#include "service/api/evidence_common.h"
#include "service/api/handlers.h"
#include "service/api/json_writer.h"
#include "service/api/problem.h"
#include "service/api/query_params.h"

namespace chainmail::handlers {
namespace {

constexpr size_t kMaxTypes = 16;

struct Listing {
  AuditFilter filter;
  std::string target_text;  // as given, for the audit detail and the cursor's fingerprint
  bool newest_first = true;
  uint32_t limit = 50;
};

Checked<std::vector<uint16_t>> ParseTypes(const std::string& text) {
  std::set<uint16_t> codes;
  size_t start = 0;
  for (;;) {
    const size_t comma = text.find(',', start);
    const std::string name = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    bool known = false;
    for (const RegistryEntry& e : PayloadRegistry())
      if (e.kind == RegistryEntry::Kind::kAuditEvent && e.name == name) {
        codes.insert(e.code);
        known = true;
      }
    if (!known)
      return BadParameter("type", "unknown event type '" + name + "': use the names of docs/payload-registry.md, "
                                  "e.g. message.read, comma-separated");
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (codes.size() > kMaxTypes) return BadParameter("type", "at most " + std::to_string(kMaxTypes) + " types");
  return std::vector<uint16_t>(codes.begin(), codes.end());
}

// "messages:SEQ" / "audit:SEQ", or a record id of either log.
Checked<LeafPosition> ParseTarget(Database& db, const std::string& text) {
  if (auto id = RecordId::Parse(text)) {
    auto leaf = LeafOfRecord(db, *id);
    if (leaf.ok()) return *leaf;
    if (leaf.status().code() != Status::Code::kNotFound) return ProblemFromStatus(leaf.status());
    ApiError e = UnprocessableProblem("target " + id->ToString() + " is no record of this archive");
    e.parameter = "target";
    return e;
  }
  const size_t colon = text.find(':');
  std::optional<LogName> log;
  uint64_t seq = 0;
  if (colon != std::string::npos) {
    log = ParseLog(std::string_view(text).substr(0, colon));
    const char* begin = text.data() + colon + 1;
    const char* end = text.data() + text.size();
    auto [stop, ec] = std::from_chars(begin, end, seq);
    if (begin == end || ec != std::errc() || stop != end) log.reset();
  }
  if (!log)
    return BadParameter("target", "target must be a record id (UUID) or LOG:SEQ with LOG messages or audit, "
                                  "e.g. messages:42");
  auto head = ReadLogHead(db, *log);
  if (!head.ok()) return ProblemFromStatus(head.status());
  if (seq >= head->size) {
    ApiError e = UnprocessableProblem("the " + std::string(LogText(*log)) + " log has " + std::to_string(head->size) +
                                      " leaves; there is no leaf " + std::to_string(seq));
    e.parameter = "target";
    return e;
  }
  return LeafPosition{*log, seq};
}

Checked<Listing> ParseListing(const QueryParams& q, ApiContext& ctx, Database& db) {
  Listing l;
  auto types = q.Text("type", 1000);
  if (!types.ok()) return types.error();
  if (*types) {
    auto codes = ParseTypes(**types);
    if (!codes.ok()) return codes.error();
    l.filter.types = *codes;
  }
  auto actor = q.Text("actor", 300);
  if (!actor.ok()) return actor.error();
  l.filter.actor = *actor;
  auto from = q.Time("from");
  if (!from.ok()) return from.error();
  auto to = q.Time("to");
  if (!to.ok()) return to.error();
  if (*from && *to && **from > **to) return BadParameter("from", "from is later than to");
  l.filter.from_us = *from;
  l.filter.to_us = *to;
  auto target = q.Text("target", 100);
  if (!target.ok()) return target.error();
  if (*target) {
    auto leaf = ParseTarget(db, **target);
    if (!leaf.ok()) return leaf.error();
    l.filter.target = *leaf;
    l.target_text = **target;
  }
  auto order = q.Word("order", {"newest", "oldest"});
  if (!order.ok()) return order.error();
  l.newest_first = !*order || **order == "newest";
  auto limit = q.Int("limit", 1, ctx.limits().max_page);
  if (!limit.ok()) return limit.error();
  l.limit = static_cast<uint32_t>(limit->value_or(ctx.limits().default_page));
  return l;
}

// What the audit.read event says was asked.
std::string ReadDetail(const Listing& l, uint64_t snapshot, bool continued) {
  JsonWriter filter = JsonWriter::Object();
  if (!l.filter.types.empty()) {
    JsonWriter types = JsonWriter::Array();
    for (uint16_t t : l.filter.types) types.Str(AuditEventName(t));
    filter.Raw("type", types.Done());
  }
  if (l.filter.actor) filter.Str("actor", *l.filter.actor);
  if (l.filter.from_us) filter.Time("from", *l.filter.from_us);
  if (l.filter.to_us) filter.Time("to", *l.filter.to_us);
  if (l.filter.target) filter.Str("target", l.target_text);
  return JsonWriter::Object()
      .Str("read", "audit.events")
      .Raw("filter", filter.Done())
      .Str("order", l.newest_first ? "newest" : "oldest")
      .Int("limit", l.limit)
      .Int("snapshot_size", static_cast<int64_t>(snapshot))
      .Bool("continued", continued)
      .Done();
}

// ---- audit events: rendering ----

std::string TypeName(uint16_t code) {
  std::string_view name = AuditEventName(code);
  if (!name.empty()) return std::string(name);
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", code);
  return buf;
}

// The stored detail as JSON when it is JSON (it always is when chainmail wrote it), else
// as a string.
std::string DetailJson(const std::string& detail) {
  if (detail.empty()) return "null";
  try {
    Poco::JSON::Parser parser;
    parser.parse(detail);
    return detail;
  } catch (const Poco::Exception&) {
    return JsonQuote(detail);
  }
}

void OptStr(JsonWriter& w, std::string_view name, const std::string& value) {
  if (value.empty()) w.Null(name);
  else w.Str(name, value);
}

std::string EventJson(const AuditEventRow& e) {
  JsonWriter w = JsonWriter::Object();
  w.Int("seq", static_cast<int64_t>(e.seq)).Str("record_id", e.record_id.ToString()).Str("type", TypeName(e.type));
  const AuditPayload* p = e.payload ? &*e.payload : nullptr;
  w.Time("time", p ? static_cast<int64_t>(p->event_time_us) : e.event_us);
  if (p) {
    w.Str("actor", p->actor).Str("auth_method", p->auth_method);
    OptStr(w, "source_address", p->source_address);
    OptStr(w, "request_id", p->request_id);
    w.Str("outcome", p->outcome);
  } else {
    w.Null("actor").Null("auth_method").Null("source_address").Null("request_id").Null("outcome");
  }
  JsonWriter targets = JsonWriter::Array();
  for (const AuditTarget& t : e.targets) {
    JsonWriter tw = JsonWriter::Object();
    if (t.log) tw.Str("log", LogText(*t.log));
    else tw.Str("log_id", ToHex(t.ref.log_id));
    tw.Int("seq", static_cast<int64_t>(t.ref.seq)).Str("leaf_hash", ToHex(t.ref.leaf_hash));
    if (t.record_id) tw.Str("record_id", t.record_id->ToString());
    else tw.Null("record_id");
    targets.Raw(tw.Done());
  }
  w.Raw("targets", targets.Done());
  w.Raw("detail", p ? DetailJson(p->detail) : "null");
  w.Str("leaf_hash", ToHex(e.leaf_hash));
  OptStr(w, "payload_problem", e.payload_problem);
  return w.Done();
}

}  // namespace

Checked<ApiResponse> ListAuditEvents(ApiContext& ctx, const Call& call) {
  auto q = QueryParams::Parse(call.request, {"type", "actor", "from", "to", "target", "order", "limit", "cursor"});
  if (!q.ok()) return q.error();
  auto cursor_text = q->Text("cursor", 200);
  if (!cursor_text.ok()) return cursor_text.error();
  std::optional<Listing> listing;
  uint64_t snapshot = 0;  // the log as it is now: a new listing's snapshot, a cursor's bound
  {
    auto reader = ctx.readers().Acquire();
    if (!reader.ok()) return ProblemFromStatus(reader.status());
    auto parsed = ParseListing(*q, ctx, **reader);
    if (!parsed.ok()) return parsed.error();
    listing = std::move(*parsed);
    auto head = ReadLogHead(**reader, LogName::kAudit);
    if (!head.ok()) return ProblemFromStatus(head.status());
    snapshot = head->size;
  }
  AuditPageRequest page;
  page.newest_first = listing->newest_first;
  page.limit = listing->limit;
  page.snapshot_size = snapshot;
  const std::string fingerprint = AuditListingFingerprint(listing->filter, listing->newest_first);
  if (*cursor_text) {
    auto c = DecodeAuditCursor(**cursor_text);
    if (!c) return BadParameter("cursor", "cursor is not one this API issued; pass next_cursor exactly as received");
    if (c->fingerprint != fingerprint)
      return BadParameter("cursor", "cursor belongs to a listing with other filters or order; repeat those "
                                    "parameters unchanged, or start again without cursor");
    if (c->snapshot > snapshot)  // never issued: the log has never been that long
      return BadParameter("cursor", "cursor is not one this API issued; pass next_cursor exactly as received");
    page.snapshot_size = c->snapshot;
    page.after = c->after;
  }
  if (auto e = RecordAuditRead(ctx, call, ReadDetail(*listing, page.snapshot_size, page.after.has_value()))) return *e;

  page.deadline = std::chrono::steady_clock::now() + ctx.limits().query_time;
  Result<AuditPage> found = Status::Unavailable("");
  {
    auto reader = ctx.readers().Acquire();
    if (!reader.ok()) return ProblemFromStatus(reader.status());
    found = QueryAuditEvents(**reader, listing->filter, page);
  }
  if (!found.ok()) {
    if (found.status().code() == Status::Code::kLimitExceeded)
      return UnavailableProblem(found.status().message() + "; narrow the filters (type, actor, from/to, target)");
    return ProblemFromStatus(found.status());
  }
  JsonWriter events = JsonWriter::Array();
  for (const AuditEventRow& e : found->events) events.Raw(EventJson(e));
  JsonWriter body = JsonWriter::Object();
  body.Raw("events", events.Done()).Int("snapshot_size", static_cast<int64_t>(page.snapshot_size));
  if (found->more && !found->events.empty()) {
    const AuditEventRow& last = found->events.back();
    body.Str("next_cursor", EncodeAuditCursor({page.snapshot_size, {last.event_us, last.seq}, fingerprint}));
  } else {
    body.Null("next_cursor");
  }
  return JsonResponse(200, body.Done());
}

}  // namespace chainmail::handlers
