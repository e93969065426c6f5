// Export and verification jobs (jobs.h, export_jobs.h, verify_jobs.h):
//   POST /api/v1/exports              202 + job (officer: messages; auditor: the audit log)
//   GET  /api/v1/exports/{id}         the job: state, progress, manifest hash, size
//   GET  /api/v1/exports/{id}/bundle  the evidence bundle once done (application/x-tar)
//   POST /api/v1/verify               202 + job (auditor)
//   GET  /api/v1/verify/{id}          the job and, once done, its report
//
// Who exports what follows the roles: an officer exports messages (their content is the
// officer's to see) and never the audit log; an auditor exports the audit log and never
// messages (no subjects, headers or bodies for auditors). A job is visible only to the
// token that created it — anyone else, whatever their role, gets 404.
//
// Audit: the export's own message.export / audit.export event (with the manifest hash)
// commits before the bundle exists (export_jobs.h); each download commits another event
// of the same type ({"action":"download"}) before the first byte is sent. A verification
// commits an audit.read event ({"read":"verify"}) exactly when its job is accepted.
#include <fcntl.h>
#include <unistd.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <memory>
#include <set>

#include "archive/bundle_log_export.h"
#include "archive/format/bundle_layout.h"
#include "archive/format/rfc3339.h"
#include "archive/format/utf8.h"
#include "service/api/evidence_common.h"
#include "service/api/export_jobs.h"
#include "service/api/handlers.h"
#include "service/api/json_body.h"
#include "service/api/json_writer.h"
#include "service/api/problem.h"
#include "service/api/query_params.h"
#include "service/api/verify_jobs.h"

namespace chainmail::handlers {
namespace {

constexpr size_t kMaxExportIds = 10000;
constexpr size_t kMaxKnownNotes = 16;
constexpr size_t kMaxKnownNoteBytes = 8192;
constexpr size_t kMaxPinnedKeys = 4;
constexpr size_t kStreamPiece = 64 * 1024;

ApiError Unprocessable(std::string parameter, std::string detail) {
  ApiError e = UnprocessableProblem(std::move(detail));
  e.parameter = std::move(parameter);
  return e;
}

// A refused Submit: the token's own limit is a 429, a full queue a 503.
ApiError Refused(const Status& s) {
  if (s.code() == Status::Code::kLimitExceeded)
    return {429, "too-many-jobs", "Too many jobs", s.message(), "", {{"Retry-After", "30"}}};
  return UnavailableProblem(s.message() + "; try again later", 30);
}

ApiResponse Accepted(const Job& job, const std::string& location) {
  ApiResponse r = JsonResponse(202, job.Json());
  r.Header("Location", location);
  return r;
}

// The caller's own job of kind T, or 404 (also for other callers' jobs: no existence leak).
template <typename T>
Checked<std::shared_ptr<T>> OwnJob(ApiContext& ctx, const Call& call, std::string_view what) {
  auto job = std::dynamic_pointer_cast<T>(ctx.jobs().Find(call.path.at("id"), call.token->id));
  if (!job) return NotFoundProblem("no " + std::string(what) + " job with this id for this token (finished jobs are "
                                   "kept for a limited time, and none survive a restart)");
  return job;
}

// ---- export requests ----

Checked<std::optional<int64_t>> BodyTime(const JsonBody& body, std::string_view name) {
  auto text = body.Text(name, 64);
  if (!text.ok()) return text.error();
  if (!*text) return std::optional<int64_t>();
  auto us = ParseRfc3339(**text);
  if (!us) return BadParameter(std::string(name), std::string(name) + " must be an RFC 3339 time, e.g. 2026-11-27T09:30:00Z");
  return std::optional<int64_t>(*us);
}

// The body's object once more, for the members JsonBody's accessors do not cover: note
// texts (which hold newlines) and "all"-or-a-list. JsonBody::Parse has accepted the body.
Poco::JSON::Object::Ptr RawObject(const ApiRequest& request) {
  try {
    Poco::JSON::Parser parser;
    return parser.parse(request.body).extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception&) {
    return nullptr;
  }
}

// known_checkpoints: note texts, each valid UTF-8, bounded, a checkpoint of a log this
// export includes.
Checked<std::vector<std::string>> KnownNotes(const Poco::JSON::Object& body, const ExportRequest& r,
                                             const Identity& id) {
  const std::string name = "known_checkpoints";
  if (!body.has(name) || body.isNull(name)) return std::vector<std::string>();
  Poco::JSON::Array::Ptr list = body.getArray(name);
  if (list.isNull()) return BadParameter(name, "member 'known_checkpoints' must be an array of checkpoint note texts");
  if (list->size() > kMaxKnownNotes)
    return BadParameter(name, "at most " + std::to_string(kMaxKnownNotes) + " known checkpoints");
  std::vector<std::string> out;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string at = name + "[" + std::to_string(i) + "]";
    Poco::Dynamic::Var v = list->get(static_cast<unsigned>(i));
    if (!v.isString()) return BadParameter(name, at + " must be a checkpoint note text (a string)");
    std::string note = v.extract<std::string>();
    if (note.size() > kMaxKnownNoteBytes || !IsValidUtf8(note))
      return BadParameter(name, at + " is not a checkpoint note of at most " + std::to_string(kMaxKnownNoteBytes) +
                                    " bytes of UTF-8");
    auto held = bundle::PeekCheckpoint(note);
    if (!held.ok()) return BadParameter(name, at + " is not a checkpoint note: " + held.status().message());
    const bool ours = (r.messages && held->origin == id.messages_origin) || (r.audit && held->origin == id.audit_origin);
    if (!ours)
      return Unprocessable(name, at + " is a checkpoint of '" + held->origin + "', not of a log this export includes");
    out.push_back(std::move(note));
  }
  return out;
}

// messages: "all" (nullopt) or a list of message ids (duplicates dropped).
Checked<std::optional<std::vector<RecordId>>> MessageSelection(const Poco::JSON::Object& body) {
  const ApiError wrong = BadParameter("messages", "member 'messages' must be \"all\" or an array of message ids");
  Poco::JSON::Array::Ptr list = body.getArray("messages");
  if (list.isNull()) {
    Poco::Dynamic::Var v = body.get("messages");
    if (v.isString() && v.extract<std::string>() == "all") return std::optional<std::vector<RecordId>>();
    return wrong;
  }
  if (list->size() == 0) return BadParameter("messages", "messages lists no message id");
  if (list->size() > kMaxExportIds)
    return BadParameter("messages", "at most " + std::to_string(kMaxExportIds) + " message ids per export");
  std::set<std::string> seen;
  std::vector<RecordId> ids;
  for (size_t i = 0; i < list->size(); ++i) {
    Poco::Dynamic::Var v = list->get(static_cast<unsigned>(i));
    auto id = v.isString() ? RecordId::Parse(v.extract<std::string>()) : std::nullopt;
    if (!id) return BadParameter("messages", "messages[" + std::to_string(i) + "] is not a message id (a UUID)");
    if (seen.insert(std::string(id->AsBytes())).second) ids.push_back(*id);
  }
  return std::optional<std::vector<RecordId>>(std::move(ids));
}

// What the archive says about the request before a job is queued: the time window holds
// records, and each listed message exists and lies in the exported range.
std::optional<ApiError> CheckSelection(Database& db, const ExportRequest& r) {
  const LogName log = r.audit ? LogName::kAudit : LogName::kMessages;
  auto range = RangeForTimes(db, log, r.from_us, r.to_us);
  if (!range.ok()) {
    if (range.status().code() != Status::Code::kNotFound) return ProblemFromStatus(range.status());
    return Unprocessable(r.from_us || r.to_us ? "from" : "", "nothing to export: " + range.status().message());
  }
  if (!r.message_ids) return std::nullopt;
  for (const RecordId& id : *r.message_ids) {
    Statement st = db.Prepare("SELECT seq FROM messages WHERE record_id = ?");
    st.BindBlob(1, id.AsBytes());
    if (!st.Step()) {
      if (!st.status().ok()) return ProblemFromStatus(st.status());
      return Unprocessable("messages", "message " + id.ToString() + " is not in the archive");
    }
    const auto seq = static_cast<uint64_t>(st.Int(0));
    if (seq < range->first || seq >= range->end)
      return Unprocessable("messages", "message " + id.ToString() + " lies outside the from/to window");
  }
  return std::nullopt;
}

Checked<ExportRequest> ParseExport(ApiContext& ctx, const Call& call) {
  auto body = JsonBody::Parse(call.request, {"messages", "audit", "from", "to", "known_checkpoints"});
  if (!body.ok()) return body.error();
  Poco::JSON::Object::Ptr raw = RawObject(call.request);
  if (raw.isNull()) return ProblemFromStatus(Status::IoError("a body JsonBody accepted did not parse again"));
  auto audit = body->Bool("audit");
  if (!audit.ok()) return audit.error();
  const bool messages_given = raw->has("messages") && !raw->isNull("messages");
  ExportRequest r;
  if (call.role() == Role::kOfficer) {
    if (audit->value_or(false))
      return ctx.Forbid(call, "role officer exporting the audit log",
                        "officers export messages; audit log exports are for auditors");
    if (!messages_given) return BadParameter("messages", "messages is required: \"all\" or an array of message ids");
    auto selection = MessageSelection(*raw);
    if (!selection.ok()) return selection.error();
    r.messages = true;
    r.message_ids = std::move(*selection);
  } else {
    if (messages_given)
      return ctx.Forbid(call, "role auditor exporting messages", "auditors export the audit log, never message content");
    if (!audit->value_or(false)) return BadParameter("audit", "audit must be true: an auditor exports the audit log");
    r.audit = true;
  }
  auto from = BodyTime(*body, "from");
  if (!from.ok()) return from.error();
  auto to = BodyTime(*body, "to");
  if (!to.ok()) return to.error();
  if (*from && *to && **from > **to) return BadParameter("from", "from is later than to");
  r.from_us = *from;
  r.to_us = *to;
  auto notes = KnownNotes(*raw, r, ctx.archive().identity());
  if (!notes.ok()) return notes.error();
  r.known_notes = std::move(*notes);
  return r;
}

// ---- verify requests ----

Checked<std::vector<VerifierKey>> PinnedKeys(ApiContext& ctx, const JsonBody& body) {
  auto texts = body.TextList("keys", kMaxPinnedKeys, 512);
  if (!texts.ok()) return texts.error();
  std::vector<VerifierKey> keys;
  if (!*texts) return keys;
  const Identity& id = ctx.archive().identity();
  for (size_t i = 0; i < (*texts)->size(); ++i) {
    const std::string at = "keys[" + std::to_string(i) + "]";
    auto key = VerifierKey::Parse((**texts)[i]);
    if (!key.ok()) return BadParameter("keys", at + " is not a verifier key: " + key.status().message());
    if (key->name() != id.messages_origin && key->name() != id.audit_origin)
      return Unprocessable("keys", at + " is named '" + key->name() + "'; this archive's logs are '" +
                                       id.messages_origin + "' and '" + id.audit_origin + "'");
    keys.push_back(std::move(*key));
  }
  return keys;
}

Status StreamFile(int fd, const BodySink& sink) {
  std::string buf(kStreamPiece, '\0');
  for (;;) {
    const ssize_t n = read(fd, buf.data(), buf.size());
    if (n < 0) return Status::IoError("cannot read the bundle");
    if (n == 0) return Status::Ok();
    if (Status s = sink(std::string_view(buf.data(), static_cast<size_t>(n))); !s.ok()) return s;
  }
}

}  // namespace

Checked<ApiResponse> CreateExport(ApiContext& ctx, const Call& call) {
  if (auto e = NoQueryParams(call.request)) return *e;
  auto request = ParseExport(ctx, call);
  if (!request.ok()) return request.error();
  {
    auto reader = ctx.readers().Acquire();
    if (!reader.ok()) return ProblemFromStatus(reader.status());
    if (auto e = CheckSelection(**reader, *request)) return *e;
  }
  auto job = std::make_shared<ExportJob>(ctx.archive(), std::move(*request), call.Event(0, ""), call.token->id);
  if (Status s = ctx.jobs().Submit(job); !s.ok()) return Refused(s);
  return Accepted(*job, "/api/v1/exports/" + job->id());
}

Checked<ApiResponse> GetExport(ApiContext& ctx, const Call& call) {
  if (auto e = NoQueryParams(call.request)) return *e;
  auto job = OwnJob<ExportJob>(ctx, call, "export");
  if (!job.ok()) return job.error();
  return JsonResponse(200, (*job)->Json());
}

Checked<ApiResponse> GetExportBundle(ApiContext& ctx, const Call& call) {
  if (auto e = NoQueryParams(call.request)) return *e;
  auto job = OwnJob<ExportJob>(ctx, call, "export");
  if (!job.ok()) return job.error();
  const auto bundle = (*job)->bundle();
  if (!bundle) {
    const JobState state = (*job)->state();
    return ConflictProblem(state == JobState::kFailed
                               ? "the export failed, so there is no bundle: " + (*job)->error()
                               : "the export is " + std::string(JobStateName(state)) + "; poll /api/v1/exports/" +
                                     (*job)->id() + " until its state is done");
  }
  auto fd = std::shared_ptr<int>(new int(open((*job)->path().c_str(), O_RDONLY | O_CLOEXEC)), [](int* p) {
    if (*p >= 0) close(*p);
    delete p;
  });
  if (*fd < 0) return NotFoundProblem("the bundle is no longer kept; run the export again");
  AuditEvent event = call.Event((*job)->event_type(), JsonWriter::Object()
                                                          .Str("action", "download")
                                                          .Str("job", (*job)->id())
                                                          .Str("manifest_sha256", bundle->manifest_sha256)
                                                          .Str("sha256", bundle->sha256)
                                                          .Int("bytes", static_cast<int64_t>(bundle->bytes))
                                                          .Done());
  if (auto recorded = AuditLog(ctx.archive()).Record(std::move(event)); !recorded.ok())
    return Unaudited(recorded.status());
  ApiResponse r;
  r.content_type = "application/x-tar";
  r.Header("Content-Disposition", "attachment; filename=\"chainmail-export-" + (*job)->id() + ".tar\"");
  r.Header("ETag", "\"" + bundle->sha256 + "\"");
  r.Header("Repr-Digest", "sha-256=:" + Base64Encode(*FromHex(bundle->sha256)) + ":");
  r.stream = [fd](const BodySink& sink) { return StreamFile(*fd, sink); };
  return r;
}

Checked<ApiResponse> CreateVerify(ApiContext& ctx, const Call& call) {
  if (auto e = NoQueryParams(call.request)) return *e;
  auto body = JsonBody::Parse(call.request, {"keys"}, /*empty_ok=*/true);
  if (!body.ok()) return body.error();
  auto keys = PinnedKeys(ctx, *body);
  if (!keys.ok()) return keys.error();
  JsonWriter labels = JsonWriter::Array();
  for (const VerifierKey& k : *keys) labels.Str(KeyLabel(k.name(), k.key_id()));
  auto job = std::make_shared<VerifyJob>(ctx.data_dir(), *keys, call.token->id);
  const std::string detail =
      JsonWriter::Object().Str("read", "verify").Str("job", job->id()).Raw("keys", labels.Done()).Done();
  bool unaudited = false;
  Status s = ctx.jobs().Submit(job, [&] {
    auto recorded = AuditLog(ctx.archive()).Record(call.Event(auditevent::kAuditRead, detail));
    unaudited = !recorded.ok();
    return recorded.ok() ? Status::Ok() : recorded.status();
  });
  if (!s.ok()) return unaudited ? Unaudited(s) : Refused(s);
  return Accepted(*job, "/api/v1/verify/" + job->id());
}

Checked<ApiResponse> GetVerify(ApiContext& ctx, const Call& call) {
  if (auto e = NoQueryParams(call.request)) return *e;
  auto job = OwnJob<VerifyJob>(ctx, call, "verify");
  if (!job.ok()) return job.error();
  return JsonResponse(200, (*job)->Json());
}

}  // namespace chainmail::handlers
