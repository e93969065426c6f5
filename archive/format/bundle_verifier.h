// The offline check of an evidence bundle (docs/bundle.md; INTEGRITY.md "The offline
// verifier"), shared by chainmail-verify and, later, the daemon. Needs only the bundle's
// bytes, the verifier keys the auditor pinned and the checkpoints the auditor holds.
//
// Checks in this order, one report item each: the container and manifest; per log, the
// end checkpoint's signature under a pinned key named after the log's origin (a key in
// the bundle is never trusted), every leaf (version, record type, log_id, consecutive
// seq, chain links, non-decreasing time), the root recomputed from the compact range and
// the leaves against the end checkpoint, the latest checkpoint and its consistency with
// the end; MANIFEST.note, the manifest signed under every log's origin by a pinned key
// (without it a record or audit event could be taken out and the manifest rebuilt; a
// bundle older than v2 has none: INVALID, or not checked when `allow_v1`); each held
// checkpoint (consistent = valid; a different root at its size or a
// size beyond the latest = INVALID; no proof in the bundle = not checked, never valid);
// each record (commitment, strict TLV parse, bounded decompression, raw hash and length,
// the .eml equal to the verified body); audit.jsonl / audit.csv equal to the listing
// re-rendered from the verified audit payloads; every audit target ref that names a leaf
// in the bundle names exactly that leaf's hash; and no file the layout does not name.
//
// Pure function of its inputs; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "archive/format/verifier_key.h"

namespace chainmail {

struct BundleItem {
  enum class Verdict { kValid, kInvalid, kNotChecked };
  std::string what;    // e.g. "messages: root at size 13"
  Verdict verdict = Verdict::kValid;
  std::string reason;  // empty when valid
};

struct BundleReport {
  std::vector<BundleItem> items;
  size_t Count(BundleItem::Verdict v) const;
  bool ok() const { return Count(BundleItem::Verdict::kInvalid) == 0; }
  // "<what>: valid" / "<what>: INVALID: <reason>" / "<what>: not checked: <reason>", printable
  // ASCII: other bytes (and \) as \xHH, since `what` and `reason` may quote the bundle.
  static std::string Line(const BundleItem& item);
};

// `known_notes` are the checkpoint notes the auditor holds, as the files hold them.
// `allow_v1` accepts a bundle without MANIFEST.note (written before bundle v2) with that
// item not checked; anyone can strip the note from a newer bundle, so it is opt-in.
BundleReport VerifyBundle(std::string_view tar, const std::vector<VerifierKey>& pinned,
                          const std::vector<std::string>& known_notes, bool allow_v1 = false);

}  // namespace chainmail
