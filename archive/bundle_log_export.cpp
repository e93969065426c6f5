#include "archive/bundle_log_export.h"

#include "archive/format/merkle_compact_range.h"
#include "archive/format/merkle_proofs.h"
#include "archive/tree_store.h"

namespace chainmail {
namespace {

Result<std::optional<std::string>> KeptNoteAt(Database& db, LogName log, uint64_t size) {
  Statement st = db.Prepare("SELECT note FROM checkpoints WHERE log = ? AND size = ?");
  st.Bind(1, static_cast<int>(log)).Bind(2, static_cast<int64_t>(size));
  if (st.Step()) return std::optional<std::string>(std::string(st.Text(0)));
  if (!st.status().ok()) return st.status();
  return std::optional<std::string>();
}

// What the log says about a held checkpoint, with the proof from it to `latest_size`.
Result<bundle::KnownProof> ProveKnown(NodeReader& nodes, const Checkpoint& held, uint64_t latest_size) {
  bundle::KnownProof k;
  k.root = held.root;
  if (held.size > latest_size) {
    k.status = "rollback";
    return k;
  }
  auto root = RootAt(nodes, held.size);
  if (!root.ok()) return root.status();
  if (*root != held.root || held.size == 0) {
    k.status = "fork";
    return k;
  }
  auto proof = ConsistencyProof(nodes, held.size, latest_size);
  if (!proof.ok()) return proof.status();
  k.status = "consistent";
  k.proof = std::move(*proof);
  return k;
}

}  // namespace

std::string_view BundleLogName(LogName log) {
  return log == LogName::kMessages ? bundle::kMessagesLog : bundle::kAuditLog;
}

Result<bundle::Range> RangeForTimes(Database& db, LogName log, std::optional<int64_t> from_us,
                                    std::optional<int64_t> to_us) {
  auto head = ReadLogHead(db, log);
  if (!head.ok()) return head.status();
  if (head->size == 0) return Status::NotFound(std::string(BundleLogName(log)) + " log is empty");
  if (!from_us && !to_us) return bundle::Range{0, head->size};
  const std::string sql = log == LogName::kMessages
      ? "SELECT MIN(seq), MAX(seq) FROM messages WHERE received_us >= ? AND received_us <= ?"
      : "SELECT MIN(seq), MAX(seq) FROM audit_events WHERE event_us >= ? AND event_us <= ?";
  Statement st = db.Prepare(sql);
  st.Bind(1, from_us.value_or(INT64_MIN)).Bind(2, to_us.value_or(INT64_MAX));
  if (!st.Step()) return st.status().ok() ? Status::IoError("no row from MIN/MAX") : st.status();
  if (st.IsNull(0)) return Status::NotFound("no " + std::string(BundleLogName(log)) + " records in the time range");
  return bundle::Range{static_cast<uint64_t>(st.Int(0)), static_cast<uint64_t>(st.Int(1)) + 1};
}

Result<std::vector<Leaf>> ReadLeaves(Database& db, LogName log, const bundle::Range& range) {
  Statement st = db.Prepare("SELECT seq, leaf FROM leaves WHERE log = ? AND seq >= ? AND seq < ? ORDER BY seq");
  st.Bind(1, static_cast<int>(log)).Bind(2, static_cast<int64_t>(range.first)).Bind(3, static_cast<int64_t>(range.end));
  std::vector<Leaf> out;
  while (st.Step()) {
    auto leaf = Leaf::Decode(st.Blob(1));
    if (!leaf.ok()) return leaf.status();
    out.push_back(*leaf);
  }
  if (!st.status().ok()) return st.status();
  if (out.size() != range.end - range.first) return Status::Corruption("leaves missing from the exported range");
  return out;
}

Status AddLogFiles(Database& db, const LogExport& request, const NoteSigner& signer, TarFiles& files) {
  const std::string_view name = BundleLogName(request.log);
  const bundle::Range& range = request.range;
  TreeNodeReader nodes(db, request.log);

  auto leaves = ReadLeaves(db, request.log, range);
  if (!leaves.ok()) return leaves.status();
  Bytes& leaf_bytes = files[bundle::LeavesPath(name)];
  leaf_bytes.reserve(leaves->size() * kLeafSize);
  for (const Leaf& leaf : *leaves) leaf_bytes += leaf.Encode();
  files[bundle::RangePath(name)] = bundle::FormatRange(range);

  auto compact = CompactRange::Read(nodes, range.first);
  if (!compact.ok()) return compact.status();
  files[bundle::CompactRangePath(name)] = bundle::FormatHashLines(compact->hashes());

  auto end_note = KeptNoteAt(db, request.log, range.end);
  if (!end_note.ok()) return end_note.status();
  if (!end_note->has_value()) {
    if (!signer) return Status::InvalidArgument("no signing key: cannot sign a checkpoint at the range end");
    auto root = RootAt(nodes, range.end);
    if (!root.ok()) return root.status();
    if (request.signed_heads)
      if (Status s = request.signed_heads->Check(db, request.log, request.origin, range.end, *root); !s.ok()) return s;
    auto note = SignCheckpointNote(signer, request.origin, range.end, *root);
    if (!note.ok()) return note.status();
    if (request.signed_heads)  // recorded before it leaves, as the checkpointer's are
      if (Status s = request.signed_heads->Record(request.origin, range.end, *root); !s.ok()) return s;
    *end_note = *note;
  }
  files[bundle::CheckpointEndPath(name)] = **end_note;

  // The latest kept checkpoint; the end one when it is newer (not yet signed past it).
  auto latest = LatestCheckpoint(db, request.log);
  if (!latest.ok()) return latest.status();
  uint64_t latest_size = range.end;
  std::string latest_note = **end_note;
  if (latest->has_value() && (*latest)->size > range.end) {
    latest_size = (*latest)->size;
    latest_note = (*latest)->note;
  }
  files[bundle::CheckpointLatestPath(name)] = latest_note;
  std::vector<Hash32> proof;
  if (latest_size > range.end) {
    auto p = ConsistencyProof(nodes, range.end, latest_size);
    if (!p.ok()) return p.status();
    proof = std::move(*p);
  }
  files[bundle::ConsistencyEndLatestPath(name)] = bundle::FormatHashLines(proof);

  for (const std::string& note : request.known_notes) {
    auto held = bundle::PeekCheckpoint(note);
    if (!held.ok()) return Status::InvalidArgument("held checkpoint: " + held.status().message());
    auto known = ProveKnown(nodes, *held, latest_size);
    if (!known.ok()) return known.status();
    files[bundle::KnownPath(name, held->size)] = bundle::FormatKnownProof(*known);
  }
  return Status::Ok();
}

}  // namespace chainmail
