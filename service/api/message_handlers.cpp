// Message routes: search, read (metadata and envelope), case labels. Officers see
// everything; auditors see envelope-level fields only (id, seq, received time, envelope,
// size, hashes, flags, decision) and may not filter on anything header-derived — such a
// filter is a 403 before anything is looked up, so it never answers yes or no. For the
// same reason an auditor's rcpt_to matches envelope recipients only, never the recipients
// of record read from headers and journal report bodies (X-Gm-Original-To, a journal's
// To:), which an officer's also matches. Every search and read is committed to the audit
// log before the answer is returned, naming the leaves of the messages it shows; a label
// change commits with its message.label event. The raw bytes and the inclusion proof
// are in message_content_handlers.cpp.

#include "archive/format/json_text.h"
#include "archive/format/payload_tags.h"
#include "archive/format/rfc3339.h"
#include "archive/fulltext/fulltext_query.h"
#include "archive/message_reader.h"
#include "archive/message_search.h"
#include "audit/audit_log.h"
#include "service/api/handlers.h"
#include "service/api/json_writer.h"
#include "service/api/message_common.h"
#include "service/api/problem.h"
#include "service/api/query_params.h"

namespace chainmail::handlers {
namespace {

constexpr size_t kMaxAddressBytes = 320;
constexpr size_t kMaxCursorBytes = 96;

// Filters on header-derived fields: an auditor may not use them.
constexpr std::string_view kHeaderFilters[] = {"from",       "to",         "cc",    "subject", "message_id",
                                               "date_since", "date_before", "label", "q"};

// A required-if-given text filter: valid UTF-8, no control characters, not empty.
Checked<std::optional<std::string>> TextFilter(const QueryParams& p, std::string_view name, size_t max_bytes) {
  auto v = p.Text(name, max_bytes);
  if (!v.ok() || !*v) return v;
  if ((*v)->empty()) return BadParameter(std::string(name), std::string(name) + " must not be empty");
  return v;
}

struct TextField {
  const char* name;
  std::optional<std::string> MessageFilter::*member;
  size_t max_bytes;
};
constexpr TextField kTextFields[] = {
    {"mail_from", &MessageFilter::mail_from, kMaxAddressBytes},
    {"rcpt_to", &MessageFilter::rcpt_to, kMaxAddressBytes},
    {"from", &MessageFilter::from, kMaxAddressBytes},
    {"to", &MessageFilter::to, kMaxAddressBytes},
    {"cc", &MessageFilter::cc, kMaxAddressBytes},
    {"subject", &MessageFilter::subject, kMaxParameterBytes},
    {"message_id", &MessageFilter::message_id, kMaxParameterBytes},
    {"label", &MessageFilter::label, kMaxLabelBytes},
    {"q", &MessageFilter::text, kMaxParameterBytes},
};

struct TimeField {
  const char* name;
  std::optional<int64_t> MessageFilter::*member;
};
constexpr TimeField kTimeFields[] = {
    {"received_since", &MessageFilter::received_since},
    {"received_before", &MessageFilter::received_before},
    {"date_since", &MessageFilter::date_since},
    {"date_before", &MessageFilter::date_before},
};

struct SearchRequest {
  MessageFilter filter;
  uint32_t limit = 50;
  std::optional<SearchPosition> after;
};

Checked<SearchRequest> ParseSearch(ApiContext& ctx, const Call& call) {
  auto p =
      QueryParams::Parse(call.request, {"mail_from", "rcpt_to", "from", "to", "cc", "subject", "message_id",
                                        "received_since", "received_before", "date_since", "date_before", "min_size",
                                        "max_size", "flags", "label", "decision", "order", "limit", "cursor", "q"});
  if (!p.ok()) return p.error();
  if (call.role() != Role::kOfficer) {
    for (std::string_view name : kHeaderFilters) {
      if (!p->Has(name)) continue;
      ApiError e = ctx.Forbid(call, "role auditor filtering on " + std::string(name),
                              "role auditor may not search by " + std::string(name) +
                                  ": auditors see envelope-level fields only");
      e.parameter = std::string(name);
      return e;
    }
  }
  SearchRequest r;
  MessageFilter& f = r.filter;
  for (const TextField& t : kTextFields) {
    auto v = TextFilter(*p, t.name, t.max_bytes);
    if (!v.ok()) return v.error();
    f.*(t.member) = *v;
  }
  if (f.mail_from && *f.mail_from == "<>") f.mail_from = "";  // the null reverse-path
  f.envelope_recipients_only = call.role() != Role::kOfficer;
  for (const TimeField& t : kTimeFields) {
    auto v = p->Time(t.name);
    if (!v.ok()) return v.error();
    f.*(t.member) = *v;
  }
  auto min_size = p->Int("min_size", 0, INT64_MAX);
  auto max_size = p->Int("max_size", 0, INT64_MAX);
  auto decision = p->Word("decision", {"accept", "quarantine", "reject", "throttle"});
  auto order = p->Word("order", {"newest", "oldest", "relevance"});
  auto flags = TextFilter(*p, "flags", kMaxParameterBytes);
  auto cursor = TextFilter(*p, "cursor", kMaxCursorBytes);
  auto limit = p->Int("limit", 1, ctx.limits().max_page);
  if (!min_size.ok()) return min_size.error();
  if (!max_size.ok()) return max_size.error();
  if (!decision.ok()) return decision.error();
  if (!order.ok()) return order.error();
  if (!flags.ok()) return flags.error();
  if (!cursor.ok()) return cursor.error();
  if (!limit.ok()) return limit.error();
  f.min_size = *min_size;
  f.max_size = *max_size;
  f.decision = *decision;
  if (f.label && !ValidLabel(*f.label)) return BadParameter("label", LabelSyntax());
  f.oldest_first = *order == "oldest";
  f.by_relevance = *order == "relevance";
  if (f.by_relevance && !f.text) return BadParameter("order", "order=relevance needs a full-text query (q)");
  if (f.text) {
    if (ctx.fulltext() == nullptr)
      return UnavailableProblem("full-text search is off on this server (fulltext.enabled); search without q");
    if (Status s = TranslateFulltextQuery(*f.text).status(); !s.ok()) return BadParameter("q", "q: " + s.message());
  }
  if (*flags) {
    std::string_view rest = **flags;
    while (true) {
      const size_t comma = rest.find(',');
      const std::string name(rest.substr(0, comma));
      auto bit = FlagBit(name);
      if (!bit) {
        std::string known;
        for (const FlagName& n : MessageFlagNames()) known += (known.empty() ? "" : ", ") + std::string(n.name);
        return BadParameter("flags", "flags is a comma-separated list of: " + known);
      }
      f.flags |= *bit;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  auto range = [](const std::optional<int64_t>& lo, const std::optional<int64_t>& hi, const char* lo_name,
                  const char* hi_name, bool inclusive) -> std::optional<ApiError> {
    if (lo && hi && (inclusive ? *lo > *hi : *lo >= *hi))
      return BadParameter(lo_name, std::string(lo_name) + " must be " + (inclusive ? "at most " : "before ") + hi_name);
    return std::nullopt;
  };
  if (auto e = range(f.received_since, f.received_before, "received_since", "received_before", false)) return *e;
  if (auto e = range(f.date_since, f.date_before, "date_since", "date_before", false)) return *e;
  if (auto e = range(f.min_size, f.max_size, "min_size", "max_size", true)) return *e;
  r.limit = static_cast<uint32_t>(limit->value_or(ctx.limits().default_page));
  if (*cursor) {
    auto position = DecodeSearchCursor(f, **cursor);
    if (!position.ok())
      return BadParameter("cursor",
                          "cursor is not a next_cursor of this search (same filters "
                          "and order); it may have been altered");
    r.after = *position;
  }
  return r;
}

// {"text": "...", "highlights": [[offset, length], ...]}: byte ranges of the UTF-8 text.
std::string SnippetJson(const SearchSnippet& snippet) {
  JsonWriter ranges = JsonWriter::Array();
  for (const auto& [offset, length] : snippet.highlights)
    ranges.Raw("[" + std::to_string(offset) + "," + std::to_string(length) + "]");
  return JsonWriter::Object().Str("text", snippet.text).Raw("highlights", ranges.Done()).Done();
}

// How far the full-text index lags behind the archive, as of this search.
std::string IndexJson(const FulltextLag& lag) {
  JsonWriter w = JsonWriter::Object();
  w.Int("indexed_through_seq", lag.indexed_through_seq)
      .Int("committed_seq", lag.committed_seq)
      .Int("lag_messages", static_cast<int64_t>(lag.lag_messages));
  if (lag.oldest_unindexed_received_us)
    w.Int("lag_seconds", std::max<int64_t>(0, (UnixNowUs() - *lag.oldest_unindexed_received_us) / 1'000'000));
  else
    w.Int("lag_seconds", 0);
  return w.Done();
}

std::string SummaryJson(const MessageSummary& m, bool officer) {
  JsonWriter w = JsonWriter::Object();
  w.Reserve(1024);  // about 650 bytes for a typical message: one allocation, not seven
  w.Str("id", m.id.ToString())
      .Int("seq", static_cast<int64_t>(m.seq))
      .Time("received", m.received_us)
      .Str("mail_from", m.mail_from)
      .Strs("rcpt_to", m.rcpt_to)
      .Int("size", static_cast<int64_t>(m.raw_length))
      .Hex("sha256", AsView(m.raw_sha256))
      .Hex("leaf_hash", AsView(m.leaf_hash))
      .Strs("flags", FlagNames(m.flags));
  if (m.decision.empty())
    w.Null("decision");
  else
    w.Str("decision", m.decision);
  if (officer) {
    w.Str("message_id", m.message_id)
        .OptTime("date", m.date_us)
        .Str("from", m.from_header)
        .Str("to", m.to_header)
        .Str("cc", m.cc_header)
        .Str("subject", m.subject)
        .Strs("labels", m.labels);
    if (m.snippet) w.Raw("snippet", SnippetJson(*m.snippet));
  }
  return w.Done();
}

std::string EnvelopeJson(const MessagePayload& p, const std::string& mail_from_address) {
  JsonWriter w = JsonWriter::Object();
  w.Str("source", p.source == MessageSource::kImport ? "import" : "smtp")
      .Str("transfer", p.transfer == Transfer::kBdat     ? "bdat"
                       : p.transfer == Transfer::kImport ? "import"
                                                         : "data")
      .Str("mail_from", p.mail_from)
      .Str("mail_from_address", mail_from_address)
      .Strs("rcpt_to", p.rcpt_to);
  if (p.source == MessageSource::kImport) return w.Str("import_name", p.import_name).Done();
  w.Str("helo_verb", p.helo_verb)
      .Str("helo_name", p.helo_name)
      .Str("client_address", p.client_address)
      .Int("client_port", p.client_port)
      .Str("server_address", p.server_address)
      .Str("tls_protocol", p.tls_protocol)
      .Str("tls_cipher", p.tls_cipher)
      .Str("session_id",
           p.session_id.size() == 16 ? RecordId::FromBytes(p.session_id).ToString() : ToHex(p.session_id));
  return w.Done();
}

std::string HeadersJson(const MessageIndexRow& ix) {
  auto addresses = [&ix](AddressKind kind) {
    std::vector<std::string> out;
    for (const auto& [k, a] : ix.addresses)
      if (k == kind) out.push_back(a);
    return out;
  };
  return JsonWriter::Object()
      .Str("message_id", ix.message_id)
      .Str("date", ix.date_header)
      .OptTime("date_parsed", ix.date_us)
      .Str("from", ix.from_header)
      .Str("sender", ix.sender_header)
      .Str("to", ix.to_header)
      .Str("cc", ix.cc_header)
      .Str("subject", ix.subject)
      .Raw("addresses", JsonWriter::Object()
                            .Strs("from", addresses(AddressKind::kFrom))
                            .Strs("sender", addresses(AddressKind::kSender))
                            .Strs("to", addresses(AddressKind::kTo))
                            .Strs("cc", addresses(AddressKind::kCc))
                            .Done())
      .Done();
}

std::string LabelsJson(const std::vector<MessageLabel>& labels) {
  JsonWriter a = JsonWriter::Array();
  for (const MessageLabel& l : labels)
    a.Raw(JsonWriter::Object().Str("label", l.label).Time("added", l.added_us).Str("added_by", l.added_by).Done());
  return a.Done();
}

// The search's parameters as given (each already checked), for the audit detail.
std::string ParametersJson(const ApiRequest& request) {
  JsonWriter w = JsonWriter::Object();
  for (const auto& [name, value] : request.query) w.Str(name, value);
  return w.Done();
}

}  // namespace

Checked<ApiResponse> ListMessages(ApiContext& ctx, const Call& call) {
  auto req = ParseSearch(ctx, call);
  if (!req.ok()) return req.error();
  const bool officer = call.role() == Role::kOfficer;
  Result<SearchPage> page = Status::Unavailable("");
  {
    auto reader = ctx.readers().Acquire();
    if (!reader.ok()) return ProblemFromStatus(reader.status());
    page = chainmail::SearchMessages(**reader, req->filter, req->after, req->limit, ctx.limits().query_time,
                                     &ctx.details());
  }
  if (!page.ok()) {
    if (page.status().code() == Status::Code::kInvalidArgument && req->filter.text)
      return BadParameter("q", "q: " + page.status().message());
    if (page.status().code() == Status::Code::kLimitExceeded)
      return UnavailableProblem("the search took longer than " + std::to_string(ctx.limits().query_time.count()) +
                                " ms; narrow it: a shorter received_since/received_before range, an envelope "
                                "sender or recipient, a Message-ID or a label use indexes, while subject, flags "
                                "and decision are checked message by message");
    return ProblemFromStatus(page.status());
  }
  AuditEvent event =
      call.Event(auditevent::kMessageSearch, JsonWriter::Object()
                                                 .Raw("parameters", ParametersJson(call.request))
                                                 .Str("view", officer ? "full" : "envelope")
                                                 .Int("results", static_cast<int64_t>(page->messages.size()))
                                                 .Done());
  const Hash32 log_id = MessagesLogId(ctx);
  for (const MessageSummary& m : page->messages) event.payload.targets.push_back({log_id, m.seq, m.leaf_hash});
  if (auto audited = AuditLog(ctx.archive()).Record(std::move(event)); !audited.ok())
    return Unaudited(audited.status());

  JsonWriter items = JsonWriter::Array();
  items.Reserve(page->messages.size() * 768);
  for (const MessageSummary& m : page->messages) items.Raw(SummaryJson(m, officer));
  const std::string listed = items.Done();
  JsonWriter out = JsonWriter::Object();
  out.Reserve(listed.size() + 256);
  out.Raw("messages", listed);
  if (page->fulltext) out.Raw("index", IndexJson(*page->fulltext));
  if (page->next)
    out.Str("next_cursor", EncodeSearchCursor(req->filter, *page->next));
  else
    out.Null("next_cursor");
  return JsonResponse(200, out.Done());
}

Checked<ApiResponse> GetMessage(ApiContext& ctx, const Call& call) {
  if (auto e = NoQueryParams(call.request)) return *e;
  auto id = MessageIdFromPath(call);
  if (!id.ok()) return id.error();
  const bool officer = call.role() == Role::kOfficer;
  Result<StoredMessage> stored = Status::Unavailable("");
  Result<TargetRef> target = Status::Unavailable("");
  Result<RecordedDecision> decision = Status::Unavailable("");
  Result<std::vector<MessageLabel>> labels = std::vector<MessageLabel>();
  {
    auto reader = ctx.readers().Acquire();
    if (!reader.ok()) return ProblemFromStatus(reader.status());
    Transaction tx(**reader, Transaction::Kind::kDeferred);
    stored = ReadStoredMessage(**reader, *id);
    if (!stored.ok()) return MessageProblem(stored.status(), *id);
    target = MessageTargetRef(**reader, *id);
    decision = ReadRecordedDecision(**reader, stored->index.seq);
    if (officer) labels = ReadMessageLabels(**reader, stored->index.seq);
  }
  if (!target.ok()) return ProblemFromStatus(target.status());
  if (!decision.ok() && decision.status().code() != Status::Code::kNotFound)
    return ProblemFromStatus(decision.status());
  if (!labels.ok()) return ProblemFromStatus(labels.status());
  AuditEvent event =
      call.Event(auditevent::kMessageRead,
                 JsonWriter::Object().Str("id", id->ToString()).Str("view", officer ? "full" : "envelope").Done());
  if (auto audited = AuditLog(ctx.archive()).RecordAbout(std::move(event), *target); !audited.ok())
    return Unaudited(audited.status());

  const MessageIndexRow& ix = stored->index;
  JsonWriter w = JsonWriter::Object();
  w.Str("id", id->ToString())
      .Int("seq", static_cast<int64_t>(ix.seq))
      .Time("received", ix.received_us)
      .Int("size", static_cast<int64_t>(ix.raw_length))
      .Str("sha256", ToHex(ix.raw_sha256))
      .Strs("flags", FlagNames(ix.flags))
      .Int("flag_bits", ix.flags)
      .Raw("envelope", EnvelopeJson(stored->payload, ix.mail_from))
      .Raw("leaf", JsonWriter::Object()
                       .Str("log", "messages")
                       .Int("seq", static_cast<int64_t>(ix.seq))
                       .Str("hash", ToHex(stored->leaf_hash))
                       .Done());
  if (decision.ok())
    w.Raw("decision", JsonWriter::Object()
                          .Str("action", decision->action)
                          .Str("policy", decision->policy)
                          .Int("audit_seq", static_cast<int64_t>(decision->event_seq))
                          .Done());
  else
    w.Null("decision");
  if (officer) {
    w.Raw("headers", HeadersJson(ix));
    w.Raw("labels", LabelsJson(*labels));
  }
  return JsonResponse(200, w.Done());
}

}  // namespace chainmail::handlers
