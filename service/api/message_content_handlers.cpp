// A message's exact bytes (officers) and its inclusion proof (officers, auditors).
//
// /raw streams the archived bytes chunk by chunk (memory stays at one stored chunk and
// the decoder's window, whatever the size), from a connection of its own so that a slow
// download never holds one of the pool's readers. The read is audited before the first
// byte; If-None-Match with the SHA-256 ETag answers 304 (audited too: it confirms the
// content's hash). HEAD (route.h) answers the same head without streaming anything, its
// audit event marked "head".
//
// /proof is a C2SP tlog-proof (c2sp.org/tlog-proof@v1): the leaf itself as `extra`
// (base64 of the 132-byte leaf v1, so a verifier recomputes the leaf hash and checks the
// record id and seq in it), the leaf's index, the RFC 9162 audit path, then the latest
// signed checkpoint of the messages log verbatim.
#include "archive/blob_store.h"
#include "archive/checkpoint_store.h"
#include "archive/format/merkle_proofs.h"
#include "archive/format/payload_tags.h"
#include "archive/format/sha256.h"
#include "archive/message_index.h"
#include "archive/tree_store.h"
#include "audit/audit_log.h"
#include "service/api/handlers.h"
#include "service/api/json_writer.h"
#include "service/api/message_common.h"

namespace chainmail::handlers {
namespace {

// RFC 9110 §13.1.2: does If-None-Match `header` match `etag` (weak comparison)?
bool NoneMatchHits(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    while (!header.empty() && (header.front() == ' ' || header.front() == '\t' || header.front() == ','))
      header.remove_prefix(1);
    if (header.empty()) break;
    if (header.front() == '*') return true;
    if (header.substr(0, 2) == "W/") header.remove_prefix(2);
    if (header.empty() || header.front() != '"') return false;  // malformed: no match
    const size_t close = header.find('"', 1);
    if (close == std::string_view::npos) return false;
    if (header.substr(0, close + 1) == etag) return true;
    header.remove_prefix(close + 1);
  }
  return false;
}

// Streams the raw bytes of blob `sha256` from a connection of its own, checking length
// and hash as it goes. A mismatch ends the stream with an error (the HTTP layer then
// cannot complete the response normally).
Status StreamRaw(const std::string& db_path, const Hash32& sha256, uint64_t length, const BodySink& sink) {
  auto db = Database::Open(db_path, Database::Mode::kReadOnly);
  if (!db.ok()) return db.status();
  Sha256 h;
  uint64_t sent = 0;
  Status s = BlobStore::ReadRaw(**db, sha256, [&](std::string_view piece) {
    h.Update(piece);
    sent += piece.size();
    return sink(piece);
  });
  if (!s.ok()) return s;
  if (sent != length || h.Finish() != sha256)
    return Status::Corruption("the stored bytes do not hash to their SHA-256");
  return Status::Ok();
}

std::string TlogProof(std::string_view leaf, uint64_t index, const std::vector<Hash32>& path, const std::string& note) {
  std::string out = "c2sp.org/tlog-proof@v1\nextra " + Base64Encode(leaf) + "\nindex " + std::to_string(index) + "\n";
  for (const Hash32& h : path) out += Base64Encode(AsView(h)) + "\n";
  return out + "\n" + note;
}

}  // namespace

Checked<ApiResponse> GetMessageRaw(ApiContext& ctx, const Call& call) {
  if (auto e = NoQueryParams(call.request)) return *e;
  auto id = MessageIdFromPath(call);
  if (!id.ok()) return id.error();
  Result<MessageIndexRow> row = Status::Unavailable("");
  Result<TargetRef> target = Status::Unavailable("");
  {
    auto reader = ctx.readers().Acquire();
    if (!reader.ok()) return ProblemFromStatus(reader.status());
    row = ReadIndexRow(**reader, *id);
    if (!row.ok()) return MessageProblem(row.status(), *id);
    target = MessageTargetRef(**reader, *id);
  }
  if (!target.ok()) return ProblemFromStatus(target.status());
  const std::string etag = "\"" + ToHex(row->raw_sha256) + "\"";
  const bool not_modified = NoneMatchHits(call.request.Header("if-none-match"), etag);
  // A HEAD is audited as the read it stands for, marked so: it disclosed the ETag (the
  // SHA-256), not the bytes.
  JsonWriter detail = JsonWriter::Object();
  detail.Str("id", id->ToString()).Bool("raw", true).Bool("not_modified", not_modified);
  if (call.request.method == "HEAD") detail.Bool("head", true);
  AuditEvent event = call.Event(auditevent::kMessageRead, detail.Done());
  if (auto audited = AuditLog(ctx.archive()).RecordAbout(std::move(event), *target); !audited.ok())
    return Unaudited(audited.status());

  ApiResponse r;
  r.content_type = "message/rfc822";
  r.Header("ETag", etag);
  if (not_modified) {
    r.status = 304;
    return r;
  }
  r.Header("Content-Disposition", "attachment; filename=\"" + id->ToString() + ".eml\"");
  r.Header("Repr-Digest", "sha-256=:" + Base64Encode(AsView(row->raw_sha256)) + ":");
  r.stream = [path = DatabasePath(ctx.data_dir()), sha = row->raw_sha256,
              length = row->raw_length](const BodySink& sink) { return StreamRaw(path, sha, length, sink); };
  return r;
}

Checked<ApiResponse> GetMessageProof(ApiContext& ctx, const Call& call) {
  if (auto e = NoQueryParams(call.request)) return *e;
  auto id = MessageIdFromPath(call);
  if (!id.ok()) return id.error();
  Result<TargetRef> target = Status::Unavailable("");
  std::string leaf, note;
  uint64_t size = 0;
  Result<std::vector<Hash32>> path = std::vector<Hash32>();
  {
    auto reader = ctx.readers().Acquire();
    if (!reader.ok()) return ProblemFromStatus(reader.status());
    Database& db = **reader;
    Transaction tx(db, Transaction::Kind::kDeferred);  // checkpoint and tree from one snapshot
    target = MessageTargetRef(db, *id);
    if (!target.ok()) return MessageProblem(target.status(), *id);
    Statement st = db.Prepare("SELECT leaf FROM leaves WHERE log = 1 AND record_id = ?");
    st.BindBlob(1, id->AsBytes());
    if (!st.Step()) return MessageProblem(st.status().ok() ? Status::NotFound("") : st.status(), *id);
    leaf = st.Blob(0);
    auto checkpoint = LatestCheckpoint(db, LogName::kMessages);
    if (!checkpoint.ok()) return ProblemFromStatus(checkpoint.status());
    if (!*checkpoint || (*checkpoint)->size <= target->seq)
      return UnavailableProblem(
          "no signed checkpoint covers this message yet (checkpoints are signed about once a "
          "second after new messages); try again",
          2);
    size = (*checkpoint)->size;
    note = (*checkpoint)->note;
    TreeNodeReader nodes(db, LogName::kMessages);
    path = InclusionProof(nodes, target->seq, size);
  }
  if (!path.ok()) return ProblemFromStatus(path.status());
  AuditEvent event = call.Event(auditevent::kMessageRead, JsonWriter::Object()
                                                              .Str("id", id->ToString())
                                                              .Bool("proof", true)
                                                              .Int("checkpoint_size", static_cast<int64_t>(size))
                                                              .Done());
  if (auto audited = AuditLog(ctx.archive()).RecordAbout(std::move(event), *target); !audited.ok())
    return Unaudited(audited.status());
  ApiResponse r;
  r.content_type = "text/plain; charset=utf-8";
  r.body = TlogProof(leaf, target->seq, *path, note);
  return r;
}

}  // namespace chainmail::handlers
