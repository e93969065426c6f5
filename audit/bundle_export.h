// ExportBundle: `chainmail export` — writes an evidence bundle (docs/bundle.md) of the
// messages log, the audit log or both, and records the export in the audit log.
//
// The export is itself evidence: the bundle is built from one read snapshot, written to
// "<out>.partial" and synced, then a `message.export` and/or `audit.export` event carrying
// the manifest's SHA-256 is committed, and only then is the file renamed to <out>. If the
// event cannot be committed, the partial file is removed and no bundle appears.
//
// Deterministic: the same archive state and request give the same bytes.
// Thread-safe as far as the Archive is (it opens its own read connection).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "archive/archive.h"
#include "archive/format/record_id.h"
#include "archive/format/ustar.h"
#include "archive/format/verifier_key.h"
#include "audit/audit_event.h"

namespace chainmail {

struct ExportRequest {
  bool messages = false;
  std::optional<std::vector<RecordId>> message_ids;  // nullopt: every message in the range
  bool audit = false;
  std::optional<int64_t> from_us, to_us;             // inclusive; absent = open
  std::vector<std::string> known_notes;              // checkpoints the auditor holds
  std::vector<VerifierKey> keys;                     // shipped as keys/ (informational)
  std::function<void(uint64_t done, uint64_t total)> progress;  // may be empty
};

// Every file of the bundle, manifest included, from one read snapshot of `db`.
// MANIFEST.note for `manifest`: its note body (bundle_layout.h) signed under each of
// `origins`, one signature line each, so every exported log's pinned key vouches for what
// the bundle holds. InvalidArgument without a signer.
Result<std::string> SignManifest(const NoteSigner& signer, const std::string& manifest,
                                 const std::vector<std::string>& origins);

// `signed_heads` (null: not kept) is checked before an end checkpoint is signed on demand.
Result<TarFiles> BuildBundleFiles(Database& db, const Identity& identity, const NoteSigner& signer,
                                  const ExportRequest& request, const SignedHeads* signed_heads = nullptr);

struct ExportResult {
  std::string manifest_sha256;  // hex
  uint64_t records = 0;         // selected records
};

// Builds the bundle, records the export with `actor`'s actor fields (its type, outcome and
// detail are filled in here), and puts the bundle at `out_path`.
Result<ExportResult> ExportBundle(Archive& archive, const ExportRequest& request,
                                  const AuditEvent& actor, const std::string& out_path);

}  // namespace chainmail
