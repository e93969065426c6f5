// Exporting one log into an evidence bundle (docs/bundle.md): the range of seqs a time
// window covers, and the per-log files — every leaf of the range, the compact range left
// of it, the checkpoint at its end (signed on demand when none is kept there), the latest
// checkpoint with the consistency proof to it, and the proofs for held checkpoints.
// Log-agnostic: the messages and the audit log export the same way.
//
// Functions over a caller-owned Database, which should hold one read transaction across
// every call of an export so all files describe one state. One thread per Database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "archive/checkpoint_store.h"
#include "archive/database.h"
#include "archive/format/bundle_layout.h"
#include "archive/format/leaf.h"
#include "archive/log_head.h"
#include "archive/signed_heads.h"

namespace chainmail {

// The bundle directory name of a log: "messages" or "audit".
std::string_view BundleLogName(LogName log);

// The seq range covering the records whose time lies within [from_us, to_us] (either end
// open when absent): received time for messages, event time for audit events; the whole
// log without bounds. NotFound when no record matches or the log is empty.
Result<bundle::Range> RangeForTimes(Database& db, LogName log, std::optional<int64_t> from_us,
                                    std::optional<int64_t> to_us);

// The leaves with seq in [range.first, range.end), decoded, in order.
Result<std::vector<Leaf>> ReadLeaves(Database& db, LogName log, const bundle::Range& range);

struct LogExport {
  LogName log = LogName::kMessages;
  bundle::Range range;
  std::string origin;
  // Held checkpoint notes whose origin is this log's (others are the caller's to route).
  std::vector<std::string> known_notes;
  // Checked before the end checkpoint is signed on demand (signed_heads.h); null: not kept.
  const SignedHeads* signed_heads = nullptr;
};

// Adds <log>/range.txt, leaves.bin, compact-range.txt, checkpoint-end.txt,
// checkpoint-latest.txt, consistency-end-latest.txt and known/<S>.txt to `files`.
// `signer` signs the end checkpoint when none is kept at exactly range.end; without one
// that is InvalidArgument. A held note that does not parse is InvalidArgument.
Status AddLogFiles(Database& db, const LogExport& request, const NoteSigner& signer, TarFiles& files);

}  // namespace chainmail
