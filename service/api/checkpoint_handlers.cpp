// The logs' signed checkpoints and consistency proofs (auditor):
//   GET /api/v1/checkpoints/{log}/latest      the newest kept checkpoint
//   GET /api/v1/checkpoints/{log}?size=N      the checkpoint at size N, kept or signed now
//   GET /api/v1/logs/{log}/consistency?from=M&to=N
// A checkpoint is the C2SP signed note exactly as stored (or as the checkpointer would
// sign it); a proof is RFC 9162 with INTEGRITY.md's edges, in the form
// `chainmail-verify consistency` takes. Each commits an audit.read event before it
// answers (503 when it cannot).
#include <cstdint>

#include "archive/checkpoint_store.h"
#include "archive/format/merkle_proofs.h"
#include "archive/tree_store.h"
#include "service/api/evidence_common.h"
#include "service/api/handlers.h"
#include "service/api/json_writer.h"
#include "service/api/problem.h"
#include "service/api/query_params.h"

namespace chainmail::handlers {
namespace {

Checked<LogName> LogFromPath(const Call& call) {
  if (auto log = ParseLog(call.path.at("log"))) return *log;
  return NotFoundProblem("no such log: the logs are 'messages' and 'audit'");
}

Status BeyondLog(LogName log, uint64_t size, uint64_t wanted) {
  return Status::NotFound("the " + std::string(LogText(log)) + " log has " + std::to_string(size) + " leaves; size " +
                          std::to_string(wanted) + " does not exist yet");
}

struct Note {
  std::string text;
  uint64_t size = 0;
  bool kept = false;  // a stored checkpoint; false: signed now
};

// The checkpoint of `log` at `size`, or the latest kept one when `size` is 0: the kept
// note, else one signed now over the tree's root at that size (INTEGRITY.md: every node is
// stored, so a checkpoint of any past size is consistent by construction). NotFound for a
// size the log has not reached, and for the empty log.
Result<Note> NoteAt(ApiContext& ctx, LogName log, uint64_t size) {
  auto reader = ctx.readers().Acquire();
  if (!reader.ok()) return reader.status();
  Database& db = **reader;
  Transaction snapshot(db, Transaction::Kind::kDeferred);
  if (!snapshot.status().ok()) return snapshot.status();
  auto head = ReadLogHead(db, log);
  if (!head.ok()) return head.status();
  if (size == 0) {
    auto latest = LatestCheckpoint(db, log);
    if (!latest.ok()) return latest.status();
    if (*latest) return Note{(*latest)->note, (*latest)->size, true};
    // None kept yet (the checkpointer signs about once a second after commits): sign the head.
    if (head->size == 0)
      return Status::NotFound("the " + std::string(LogText(log)) + " log is empty; the empty log has no checkpoint");
    size = head->size;
  }
  if (size > head->size) return BeyondLog(log, head->size, size);
  Statement st = db.Prepare("SELECT note FROM checkpoints WHERE log = ? AND size = ?");
  st.Bind(1, static_cast<int64_t>(log)).Bind(2, static_cast<int64_t>(size));
  if (st.Step()) return Note{std::string(st.Text(0)), size, true};
  if (!st.status().ok()) return st.status();
  const NoteSigner& signer = ctx.archive().options().checkpoint_signer;
  if (!signer) return Status::Unavailable("this archive has no signing key; no checkpoint can be signed");
  TreeNodeReader nodes(db, log);
  auto root = RootAt(nodes, size);
  if (!root.ok()) return root.status();
  if (const auto& heads = ctx.archive().options().signed_heads)
    if (Status s = heads->Check(db, log, OriginOf(ctx, log), size, *root); !s.ok())
      return Status::Unavailable("no checkpoint is signed: " + s.message());
  auto note = SignCheckpointNote(signer, OriginOf(ctx, log), size, *root);
  if (!note.ok()) return note.status();
  if (const auto& heads = ctx.archive().options().signed_heads)  // recorded before it leaves
    if (Status s = heads->Record(OriginOf(ctx, log), size, *root); !s.ok()) return s;
  return Note{*note, size, false};
}

// Records the read, then answers with the note.
Checked<ApiResponse> ServeNote(ApiContext& ctx, const Call& call, LogName log, const Result<Note>& note, bool latest) {
  if (!note.ok()) return ProblemFromStatus(note.status());
  if (auto e = RecordAuditRead(ctx, call, JsonWriter::Object()
                                              .Str("read", "checkpoint")
                                              .Str("log", LogText(log))
                                              .Bool("latest", latest)
                                              .Int("size", static_cast<int64_t>(note->size))
                                              .Bool("kept", note->kept)
                                              .Done()))
    return *e;
  ApiResponse r;
  r.content_type = "text/plain; charset=utf-8";
  r.body = note->text;
  r.Header("Chainmail-Checkpoint", note->kept ? "kept" : "signed-on-demand");
  return r;
}

struct Consistency {
  Hash32 root1{}, root2{};
  std::vector<Hash32> proof;
};

// The roots at both sizes and the proof between them, from one snapshot.
Result<Consistency> ProveConsistency(ApiContext& ctx, LogName log, uint64_t size1, uint64_t size2) {
  auto reader = ctx.readers().Acquire();
  if (!reader.ok()) return reader.status();
  Database& db = **reader;
  Transaction snapshot(db, Transaction::Kind::kDeferred);
  if (!snapshot.status().ok()) return snapshot.status();
  auto head = ReadLogHead(db, log);
  if (!head.ok()) return head.status();
  if (size2 > head->size) return BeyondLog(log, head->size, size2);
  TreeNodeReader nodes(db, log);
  Consistency c;
  auto root1 = RootAt(nodes, size1);
  if (!root1.ok()) return root1.status();
  auto root2 = RootAt(nodes, size2);
  if (!root2.ok()) return root2.status();
  auto proof = ConsistencyProof(nodes, size1, size2);
  if (!proof.ok()) return proof.status();
  return Consistency{*root1, *root2, std::move(*proof)};
}

}  // namespace

Checked<ApiResponse> GetLatestCheckpoint(ApiContext& ctx, const Call& call) {
  if (auto e = NoQueryParams(call.request)) return *e;
  auto log = LogFromPath(call);
  if (!log.ok()) return log.error();
  return ServeNote(ctx, call, *log, NoteAt(ctx, *log, 0), true);
}

Checked<ApiResponse> GetCheckpoint(ApiContext& ctx, const Call& call) {
  auto q = QueryParams::Parse(call.request, {"size"});
  if (!q.ok()) return q.error();
  auto log = LogFromPath(call);
  if (!log.ok()) return log.error();
  auto size = q->Int("size", 0, INT64_MAX);
  if (!size.ok()) return size.error();
  if (!*size) return BadParameter("size", "size is required (or ask for /latest)");
  if (**size == 0) return BadParameter("size", "size must be at least 1: the empty log has no checkpoint");
  return ServeNote(ctx, call, *log, NoteAt(ctx, *log, static_cast<uint64_t>(**size)), false);
}

Checked<ApiResponse> GetConsistencyProof(ApiContext& ctx, const Call& call) {
  auto q = QueryParams::Parse(call.request, {"from", "to"});
  if (!q.ok()) return q.error();
  auto log = LogFromPath(call);
  if (!log.ok()) return log.error();
  auto from = q->Int("from", 0, INT64_MAX);
  if (!from.ok()) return from.error();
  auto to = q->Int("to", 0, INT64_MAX);
  if (!to.ok()) return to.error();
  if (!*from) return BadParameter("from", "from (the smaller tree size) is required");
  if (!*to) return BadParameter("to", "to (the larger tree size) is required");
  if (**from == 0)
    return BadParameter("from", "from must be at least 1: nothing is consistent with the empty tree (INTEGRITY.md, Proofs)");
  if (**to < **from)
    return BadParameter("to", "to is smaller than from: a log never shrinks, so no proof exists (that would be a rollback)");
  const uint64_t size1 = static_cast<uint64_t>(**from), size2 = static_cast<uint64_t>(**to);
  auto c = ProveConsistency(ctx, *log, size1, size2);
  if (!c.ok()) return ProblemFromStatus(c.status());
  if (auto e = RecordAuditRead(ctx, call, JsonWriter::Object()
                                              .Str("read", "consistency")
                                              .Str("log", LogText(*log))
                                              .Int("from", static_cast<int64_t>(size1))
                                              .Int("to", static_cast<int64_t>(size2))
                                              .Done()))
    return *e;
  std::string proof;
  for (const Hash32& h : c->proof) proof += (proof.empty() ? "" : ",") + ToHex(h);
  return JsonResponse(200, JsonWriter::Object()
                               .Str("log", LogText(*log))
                               .Str("origin", OriginOf(ctx, *log))
                               .Int("size1", static_cast<int64_t>(size1))
                               .Int("size2", static_cast<int64_t>(size2))
                               .Str("root1", ToHex(c->root1))
                               .Str("root2", ToHex(c->root2))
                               .Str("proof", proof)
                               .Done());
}

}  // namespace chainmail::handlers
