#include "archive/format/bundle_verifier.h"

#include "archive/format/bundle_verifier_parts.h"
#include "archive/format/checkpoint.h"
#include "archive/format/merkle_compact_range.h"
#include "archive/format/merkle_verify.h"
#include "archive/format/signed_note.h"

namespace chainmail {
namespace {

using bundle_check::CheckedLog;
using bundle_check::Reporter;
using bundle_check::SeenPaths;
using bundle_check::Take;

void CheckManifest(const TarFiles& files, Reporter& out, SeenPaths& seen) {
  const std::string what(bundle::kManifest);
  const Bytes* manifest = Take(files, what, seen);
  if (!manifest) return out.Invalid(what, "missing");
  const std::string expected = bundle::BuildManifest(files);
  if (*manifest == expected) return out.Valid(what);
  // Name the first line that differs.
  size_t i = 0;
  while (i < manifest->size() && i < expected.size() && (*manifest)[i] == expected[i]) ++i;
  const size_t line_start = expected.rfind('\n', i == 0 ? 0 : i - 1);
  const size_t from = (line_start == std::string::npos || i == 0) ? 0 : line_start + 1;
  const size_t path_at = from + 66;
  const std::string path = path_at < expected.size() ? expected.substr(path_at, expected.find('\n', path_at) - path_at) : "";
  out.Invalid(what, path.empty() ? "does not list exactly the files of the bundle"
                                 : "does not match the bundle at " + path + " (hash, or a file added or removed)");
}

// MANIFEST.note: the manifest (and so every file it lists: the records, the ranges) signed
// under the origin of every log the bundle holds, by a pinned key. Without it, records or
// audit events could be removed from a bundle and its manifest rebuilt unnoticed.
void CheckManifestNote(const TarFiles& files, const std::vector<CheckedLog>& logs,
                       const std::vector<VerifierKey>& pinned, bool allow_v1, Reporter& out, SeenPaths& seen) {
  const std::string what(bundle::kManifestNote);
  const Bytes* note = Take(files, what, seen);
  if (!note && allow_v1) {
    return out.NotChecked(what, "absent (a v1 bundle, accepted with --allow-v1): what it holds is not signed, "
                                "so records or audit events taken out of it cannot be ruled out");
  }
  if (!note) {
    return out.Invalid(what, "missing: what the bundle holds is not signed, so records or audit events taken out "
                             "of it would go unnoticed (a bundle older than v2: export it again, or accept it "
                             "knowingly with --allow-v1)");
  }
  const Bytes* manifest = files.count(std::string(bundle::kManifest)) ? &files.at(std::string(bundle::kManifest)) : nullptr;
  auto opened = OpenNote(*note, pinned);
  if (!opened.ok()) return out.Invalid(what, "not signed by a pinned key: " + opened.status().message());
  if (!manifest || opened->body != bundle::ManifestNoteBody(*manifest))
    return out.Invalid(what, "signs another manifest: files were added, removed or changed after the export");
  for (const CheckedLog& log : logs) {
    if (log.origin.empty()) continue;  // its checkpoint did not open: already INVALID
    bool signed_by_log = false;
    for (const VerifierKey& key : opened->verified_by) signed_by_log = signed_by_log || key.name() == log.origin;
    if (!signed_by_log) return out.Invalid(what, "not signed under " + log.origin + " by a pinned key");
  }
  out.Valid(what + " (the manifest, signed by a pinned key)");
}

// The end checkpoint: signed by a pinned key named after the log's origin.
Result<Checkpoint> OpenLogCheckpoint(const Bytes* note, const std::string& log, const std::vector<VerifierKey>& pinned) {
  if (!note) return Status::Corruption("missing");
  auto peek = bundle::PeekCheckpoint(*note);
  if (!peek.ok()) return peek.status();
  if (!peek->origin.ends_with("/" + log)) return Status::Corruption("origin '" + peek->origin + "' is not a " + log + " log");
  return OpenCheckpoint(*note, pinned, peek->origin);
}

// Decodes and checks every leaf; on success fills log.leaves and log.leaf_hashes.
Status CheckLeaves(const Bytes& bytes, CheckedLog& log) {
  const uint64_t count = log.range.end - log.range.first;
  if (bytes.size() != count * kLeafSize)
    return Status::Corruption("leaves.bin holds " + std::to_string(bytes.size()) + " bytes, not " +
                              std::to_string(count) + " leaves of 132");
  for (uint64_t i = 0; i < count; ++i) {
    const std::string_view raw = std::string_view(bytes).substr(i * kLeafSize, kLeafSize);
    const uint64_t seq = log.range.first + i;
    auto leaf = Leaf::Decode(raw);
    const std::string at = "leaf " + std::to_string(seq) + ": ";
    if (!leaf.ok()) return Status::Corruption(at + leaf.status().message());
    if (leaf->record_type != log.type) return Status::Corruption(at + "record type of the other log");
    if (leaf->log_id != log.log_id) return Status::Corruption(at + "log_id is not SHA-256 of " + log.origin);
    if (leaf->seq != seq) return Status::Corruption(at + "seq " + std::to_string(leaf->seq) + " out of place (dropped, duplicated or swapped)");
    if (i > 0 && leaf->prev_leaf_hash != log.leaf_hashes.back()) return Status::Corruption(at + "chain link broken: prev_leaf_hash is not the previous leaf's hash");
    if (seq == 0 && leaf->prev_leaf_hash != Hash32{}) return Status::Corruption(at + "first leaf's prev_leaf_hash is not zero");
    if (i > 0 && leaf->commit_time_us < log.leaves.back().commit_time_us) return Status::Corruption(at + "commit time goes backwards");
    log.leaves.push_back(*leaf);
    log.leaf_hashes.push_back(LeafHash(raw));
  }
  return Status::Ok();
}

// The held checkpoints of this log: consistent, INVALID, or not checked.
void CheckKnown(const TarFiles& files, const CheckedLog& log, const std::vector<Hash32>& roots,
                const Checkpoint& latest, const Checkpoint& held, Reporter& out, SeenPaths& seen) {
  const std::string what = log.name + ": held checkpoint at size " + std::to_string(held.size);
  if (held.size > latest.size)
    return out.Invalid(what, "larger than the log's latest checkpoint (size " + std::to_string(latest.size) + "): rollback or fork");
  if (held.size == latest.size)
    return held.root == latest.root ? out.Valid(what) : out.Invalid(what, "different root at its size: fork");
  if (!roots.empty() && held.size >= log.range.first && held.size <= log.range.end && held.size > 0) {
    if (roots[held.size - log.range.first] == held.root) return out.Valid(what);
    return out.Invalid(what, "different root at its size than the leaves recompute: fork");
  }
  const Bytes* text = Take(files, bundle::KnownPath(log.name, held.size), seen);
  if (!text) return out.NotChecked(what, "the bundle carries no proof for it");
  auto known = bundle::ParseKnownProof(*text);
  if (!known.ok()) return out.Invalid(what, "known/" + std::to_string(held.size) + ".txt: " + known.status().message());
  if (known->root != held.root) {
    // The export was handed another checkpoint of this size. Proof that the log's root at
    // this size is that other one proves the held root a fork (a split view); anything
    // else the file says is about the other checkpoint, not the held one.
    if (known->status == "consistent" && VerifyConsistency(held.size, latest.size, known->root, latest.root, known->proof))
      return out.Invalid(what, "the log's root at its size is another one, proven consistent with the latest "
                               "checkpoint: fork");
    return out.NotChecked(what, "the bundle's proof is for another checkpoint at this size");
  }
  if (known->status != "consistent") return out.Invalid(what, "the exporter reports a " + known->status);
  if (VerifyConsistency(held.size, latest.size, held.root, latest.root, known->proof)) return out.Valid(what);
  out.Invalid(what, "its consistency proof to the latest checkpoint does not verify");
}

// All per-log checks; returns what later checks may rely on.
CheckedLog CheckLog(const TarFiles& files, const std::string& name, const std::vector<VerifierKey>& pinned,
                    const std::vector<Checkpoint>& held, Reporter& out, SeenPaths& seen) {
  CheckedLog log;
  log.name = name;
  log.type = name == bundle::kMessagesLog ? RecordType::kMessage : RecordType::kAuditEvent;
  const Bytes* range_text = Take(files, bundle::RangePath(name), seen);
  auto range = range_text ? bundle::ParseRange(*range_text) : Result<bundle::Range>(Status::Corruption("missing"));
  if (!range.ok()) return out.Invalid(name + ": range.txt", range.status().message()), log;
  log.range = *range;

  auto end = OpenLogCheckpoint(Take(files, bundle::CheckpointEndPath(name), seen), name, pinned);
  const std::string end_what = name + ": checkpoint at range end";
  if (!end.ok()) return out.Invalid(end_what, end.status().message()), log;
  if (end->size != log.range.end) return out.Invalid(end_what, "its size is not the range end"), log;
  out.Valid(end_what + " (size " + std::to_string(end->size) + ", signed by a pinned key)");
  log.origin = end->origin;
  log.log_id = LogIdForOrigin(log.origin);

  const std::string leaves_what = name + ": leaves [" + std::to_string(log.range.first) + ", " + std::to_string(log.range.end) + ")";
  const Bytes* leaves = Take(files, bundle::LeavesPath(name), seen);
  Status leaves_ok = leaves ? CheckLeaves(*leaves, log) : Status::Corruption("leaves.bin missing");
  if (!leaves_ok.ok()) {
    log.leaves.clear();
    return out.Invalid(leaves_what, leaves_ok.message()), log;
  }
  out.Valid(leaves_what);

  // Roots of every size in [first, end] from the compact range left of the range.
  const std::string root_what = name + ": root recomputed at size " + std::to_string(log.range.end);
  const Bytes* compact_text = Take(files, bundle::CompactRangePath(name), seen);
  auto hashes = compact_text ? bundle::ParseHashLines(*compact_text) : Result<std::vector<Hash32>>(Status::Corruption("compact-range.txt missing"));
  auto compact = hashes.ok() ? CompactRange::FromHashes(log.range.first, *hashes) : Result<CompactRange>(hashes.status());
  if (!compact.ok()) return out.Invalid(root_what, compact.status().message()), log;
  std::vector<Hash32> roots{compact->Root()};
  for (const Hash32& h : log.leaf_hashes) {
    if (!compact->Append(h).ok()) return out.Invalid(root_what, "tree too large"), log;
    roots.push_back(compact->Root());
  }
  if (roots.back() != end->root) return out.Invalid(root_what, "does not equal the signed root of the end checkpoint"), log;
  out.Valid(root_what);
  log.trusted = true;

  const std::string latest_what = name + ": latest checkpoint consistent with the range end";
  auto latest = OpenLogCheckpoint(Take(files, bundle::CheckpointLatestPath(name), seen), name, pinned);
  const Bytes* proof_text = Take(files, bundle::ConsistencyEndLatestPath(name), seen);
  auto proof = proof_text ? bundle::ParseHashLines(*proof_text) : Result<std::vector<Hash32>>(Status::Corruption("proof missing"));
  if (!latest.ok()) {
    out.Invalid(latest_what, "checkpoint-latest.txt: " + latest.status().message());
  } else if (latest->origin != log.origin) {
    out.Invalid(latest_what, "checkpoint of another origin");
  } else if (!proof.ok()) {
    out.Invalid(latest_what, "consistency-end-latest.txt: " + proof.status().message());
  } else if (!VerifyConsistency(end->size, latest->size, end->root, latest->root, *proof)) {
    out.Invalid(latest_what, latest->size < end->size ? "latest is smaller than the end: rollback"
                                                      : "the consistency proof does not verify");
  } else {
    out.Valid(latest_what + " (size " + std::to_string(latest->size) + ")");
  }
  for (const Checkpoint& h : held)
    if (h.origin == log.origin) {
      if (latest.ok()) CheckKnown(files, log, roots, *latest, h, out, seen);
      else out.NotChecked(name + ": held checkpoint at size " + std::to_string(h.size), "no valid latest checkpoint");
    }
  return log;
}

}  // namespace

size_t BundleReport::Count(BundleItem::Verdict v) const {
  size_t n = 0;
  for (const auto& i : items) n += i.verdict == v;
  return n;
}

std::string BundleReport::Line(const BundleItem& item) {
  // Items quote the bundle's own bytes (an origin, a line that is not a hash): escaped, so
  // that no terminal control in them can redraw the report.
  const std::string what = EscapeNonPrintable(item.what);
  const std::string reason = EscapeNonPrintable(item.reason);
  switch (item.verdict) {
    case BundleItem::Verdict::kValid: return what + ": valid";
    case BundleItem::Verdict::kInvalid: return what + ": INVALID: " + reason;
    case BundleItem::Verdict::kNotChecked: return what + ": not checked: " + reason;
  }
  return what;
}

BundleReport VerifyBundle(std::string_view tar, const std::vector<VerifierKey>& pinned,
                          const std::vector<std::string>& known_notes, bool allow_v1) {
  BundleReport report;
  Reporter out(report);
  auto files = ReadUstar(tar);
  if (!files.ok()) return out.Invalid("bundle", files.status().message()), report;
  SeenPaths seen;
  CheckManifest(*files, out, seen);

  // The auditor's held checkpoints, each opened under the pinned keys.
  std::vector<Checkpoint> held;
  for (size_t i = 0; i < known_notes.size(); ++i) {
    const std::string what = "held checkpoint #" + std::to_string(i + 1);
    auto peek = bundle::PeekCheckpoint(known_notes[i]);
    auto opened = peek.ok() ? OpenCheckpoint(known_notes[i], pinned, peek->origin) : Result<Checkpoint>(peek.status());
    if (!opened.ok()) {
      out.Invalid(what, "not a checkpoint signed by a pinned key: " + opened.status().message());
      continue;
    }
    const bool exported = (files->count(bundle::RangePath(bundle::kMessagesLog)) && opened->origin.ends_with("/messages")) ||
                          (files->count(bundle::RangePath(bundle::kAuditLog)) && opened->origin.ends_with("/audit"));
    if (!exported) out.NotChecked(what, "the bundle holds no log of origin " + opened->origin);
    else held.push_back(*opened);
  }

  std::vector<CheckedLog> logs;
  for (std::string_view name : {bundle::kMessagesLog, bundle::kAuditLog})
    if (files->count(bundle::RangePath(name)))
      logs.push_back(CheckLog(*files, std::string(name), pinned, held, out, seen));
  if (logs.empty()) out.Invalid("bundle", "holds no log (no messages/range.txt or audit/range.txt)");
  CheckManifestNote(*files, logs, pinned, allow_v1, out, seen);
  for (const Checkpoint& h : held) {
    bool matched = false;
    for (const CheckedLog& log : logs) matched = matched || (log.origin == h.origin && log.trusted);
    if (!matched) out.NotChecked("held checkpoint of " + h.origin + " at size " + std::to_string(h.size),
                                 "no verified log of that origin in the bundle");
  }

  bundle_check::CheckRecords(*files, logs, out, seen);
  // Informational files: read by people, never trusted.
  for (const auto& [path, data] : *files)
    if (path == bundle::kVerifyText || path.starts_with("keys/") ||
        path.starts_with(bundle::KnownPrefix(bundle::kMessagesLog)) || path.starts_with(bundle::KnownPrefix(bundle::kAuditLog)))
      seen.insert(path);  // known/ proofs matter only for the held checkpoints given
  for (const auto& [path, data] : *files)
    if (!seen.count(path)) out.Invalid("'" + path + "'", "a file the bundle layout does not name");  // quoted: any name
  return report;
}

}  // namespace chainmail
