// Case labels on messages (officers). Each change commits in one transaction with its
// message.label audit event (the message's leaf as target; the row as before/after), so
// the trail, not the table, is the history. A PUT of a label the message already has and
// a DELETE that finds none change nothing and record nothing: 200 and 404.
#include <algorithm>

#include "archive/format/json_text.h"
#include "archive/format/payload_tags.h"
#include "archive/format/rfc3339.h"
#include "archive/message_search.h"
#include "audit/audit_log.h"
#include "service/api/handlers.h"
#include "service/api/json_writer.h"
#include "service/api/message_common.h"

namespace chainmail::handlers {
namespace {

struct LabelRequest {
  RecordId id;
  std::string label;
  TargetRef target;
  std::vector<MessageLabel> labels;  // the message's labels before the change
};

Checked<LabelRequest> ReadLabelRequest(ApiContext& ctx, const Call& call) {
  if (auto e = NoQueryParams(call.request)) return *e;
  if (!call.request.body.empty()) return BadParameter("body", "this request takes no body");
  auto id = MessageIdFromPath(call);
  if (!id.ok()) return id.error();
  LabelRequest r{*id, call.path.at("label"), {}, {}};
  if (!ValidLabel(r.label)) return BadParameter("label", LabelSyntax());
  auto reader = ctx.readers().Acquire();
  if (!reader.ok()) return ProblemFromStatus(reader.status());
  auto target = MessageTargetRef(**reader, r.id);
  if (!target.ok()) return MessageProblem(target.status(), r.id);
  r.target = *target;
  auto labels = ReadMessageLabels(**reader, target->seq);
  if (!labels.ok()) return ProblemFromStatus(labels.status());
  r.labels = std::move(*labels);
  return r;
}

const MessageLabel* Find(const std::vector<MessageLabel>& labels, const std::string& label) {
  for (const MessageLabel& l : labels)
    if (l.label == label) return &l;
  return nullptr;
}

// The stored row as the audit event's before/after.
std::string RowJson(const RecordId& id, const MessageLabel& l) {
  return JsonWriter::Object()
      .Str("message", id.ToString())
      .Str("label", l.label)
      .Time("added", l.added_us)
      .Str("added_by", l.added_by)
      .Done();
}

ApiResponse LabelsResponse(int status, const RecordId& id, std::vector<MessageLabel> labels) {
  std::sort(labels.begin(), labels.end(), [](const auto& a, const auto& b) { return a.label < b.label; });
  JsonWriter a = JsonWriter::Array();
  for (const MessageLabel& l : labels)
    a.Raw(JsonWriter::Object().Str("label", l.label).Time("added", l.added_us).Str("added_by", l.added_by).Done());
  return JsonResponse(status, JsonWriter::Object().Str("id", id.ToString()).Raw("labels", a.Done()).Done());
}

AuditEvent LabelEvent(const Call& call, const LabelRequest& r, const char* action) {
  AuditEvent e =
      call.Event(auditevent::kMessageLabel,
                 JsonWriter::Object().Str("action", action).Str("id", r.id.ToString()).Str("label", r.label).Done());
  e.payload.targets.push_back(r.target);
  return e;
}

}  // namespace

Checked<ApiResponse> PutMessageLabel(ApiContext& ctx, const Call& call) {
  auto r = ReadLabelRequest(ctx, call);
  if (!r.ok()) return r.error();
  if (Find(r->labels, r->label)) return LabelsResponse(200, r->id, r->labels);
  const MessageLabel added{
      r->label,
      UnixNowUs(),
      call.Actor()};
  AuditEvent event = LabelEvent(call, *r, "add");
  event.payload.after = RowJson(r->id, added);
  const uint64_t seq = r->target.seq;
  auto committed = AuditLog(ctx.archive()).RecordWith(std::move(event), [&added, seq](Database& db) {
    Statement ins = db.Prepare(
        "INSERT INTO message_labels(message_seq, label, added_us, added_by) VALUES (?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING");
    Status s = ins.Bind(1, static_cast<int64_t>(seq))
                   .Bind(2, added.label)
                   .Bind(3, added.added_us)
                   .Bind(4, added.added_by)
                   .Run();
    if (!s.ok()) return s;
    // Added meanwhile by another request: nothing changes, so no event either.
    if (sqlite3_changes(db.handle()) != 1) return Status::InvalidArgument("the label exists");
    return Status::Ok();
  });
  if (!committed.ok()) {
    if (committed.status().code() == Status::Code::kInvalidArgument) return LabelsResponse(200, r->id, r->labels);
    return ProblemFromStatus(committed.status());
  }
  std::vector<MessageLabel> labels = r->labels;
  labels.push_back(added);
  ApiResponse out = LabelsResponse(201, r->id, std::move(labels));
  out.Header("Location", "/api/v1/messages/" + r->id.ToString() + "/labels/" + r->label);
  return out;
}

Checked<ApiResponse> DeleteMessageLabel(ApiContext& ctx, const Call& call) {
  auto r = ReadLabelRequest(ctx, call);
  if (!r.ok()) return r.error();
  const MessageLabel* existing = Find(r->labels, r->label);
  if (!existing) return NotFoundProblem("message " + r->id.ToString() + " has no label " + r->label);
  AuditEvent event = LabelEvent(call, *r, "remove");
  event.payload.before = RowJson(r->id, *existing);
  const uint64_t seq = r->target.seq;
  const std::string label = r->label;
  auto committed = AuditLog(ctx.archive()).RecordWith(std::move(event), [&label, seq](Database& db) {
    Statement del = db.Prepare("DELETE FROM message_labels WHERE message_seq = ? AND label = ?");
    if (Status s = del.Bind(1, static_cast<int64_t>(seq)).Bind(2, label).Run(); !s.ok()) return s;
    if (sqlite3_changes(db.handle()) != 1) return Status::NotFound("the label is gone");
    return Status::Ok();
  });
  if (!committed.ok()) {
    if (committed.status().code() == Status::Code::kNotFound)
      return NotFoundProblem("message " + r->id.ToString() + " has no label " + r->label);
    return ProblemFromStatus(committed.status());
  }
  std::vector<MessageLabel> rest;
  for (const MessageLabel& l : r->labels)
    if (l.label != r->label) rest.push_back(l);
  return LabelsResponse(200, r->id, std::move(rest));
}

}  // namespace chainmail::handlers
