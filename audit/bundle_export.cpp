#include "audit/bundle_export.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <set>

#include "archive/bundle_log_export.h"
#include "archive/bundle_record_export.h"
#include "archive/format/audit_listing.h"
#include "archive/format/bundle_layout.h"
#include "archive/format/json_text.h"
#include "archive/format/payload_tags.h"
#include "archive/format/sha256.h"

namespace chainmail {
namespace {

constexpr std::string_view kVerifyText =
    "chainmail evidence bundle v2 (layout: docs/bundle.md)\n"
    "\n"
    "Verify it with the verifier keys you obtained from the archive's operator, never with\n"
    "the informational copies under keys/:\n"
    "\n"
    "  chainmail-verify bundle THIS.tar --key MESSAGES_VKEY --key AUDIT_VKEY \\\n"
    "      [--known-checkpoint CHECKPOINT_YOU_HOLD]...\n"
    "\n"
    "Every line reads `valid` or `INVALID: <reason>`; the exit code is 0 only when all is\n"
    "valid. Without chainmail-verify, `sha256sum -c MANIFEST.sha256` checks the manifest,\n"
    "MANIFEST.note carries the archive's signature over the manifest's SHA-256, and a\n"
    "note's Ed25519 signature (over the note text up to the blank line) can be checked\n"
    "with `openssl pkeyutl -verify -rawin`.\n";

bool Exported(const ExportRequest& r, LogName log) { return log == LogName::kMessages ? r.messages : r.audit; }

const std::string& OriginOf(const Identity& identity, LogName log) {
  return log == LogName::kMessages ? identity.messages_origin : identity.audit_origin;
}

struct LogPlan {
  LogName log;
  bundle::Range range;
  std::vector<Leaf> leaves;
};

Result<LogPlan> PlanLog(Database& db, LogName log, const ExportRequest& r) {
  auto range = RangeForTimes(db, log, r.from_us, r.to_us);
  if (!range.ok()) return range.status();
  auto leaves = ReadLeaves(db, log, *range);
  if (!leaves.ok()) return leaves.status();
  return LogPlan{log, *range, std::move(*leaves)};
}

// The selected records of a log plan, in seq order.
Result<std::vector<RecordId>> Selection(const LogPlan& plan, const ExportRequest& r) {
  std::vector<RecordId> all;
  for (const Leaf& leaf : plan.leaves) all.emplace_back(leaf.record_id);
  if (plan.log != LogName::kMessages || !r.message_ids) return all;
  std::vector<RecordId> chosen;
  for (const RecordId& id : *r.message_ids) {
    bool found = false;
    for (const RecordId& a : all) found = found || a == id;
    if (!found) return Status::NotFound("message " + id.ToString() + " is not in the exported range");
    chosen.push_back(id);
  }
  std::set<std::string> wanted;
  for (const RecordId& id : chosen) wanted.insert(std::string(id.AsBytes()));
  std::vector<RecordId> ordered;
  for (const RecordId& a : all)
    if (wanted.count(std::string(a.AsBytes()))) ordered.push_back(a);
  return ordered;
}

// Routes each held note to the exported log whose origin it names.
Result<std::vector<std::string>> NotesFor(const std::string& origin, const ExportRequest& r,
                                          const Identity& identity) {
  std::vector<std::string> out;
  for (const std::string& note : r.known_notes) {
    auto held = bundle::PeekCheckpoint(note);
    if (!held.ok()) return Status::InvalidArgument("held checkpoint: " + held.status().message());
    const bool exported = (held->origin == OriginOf(identity, LogName::kMessages) && r.messages) ||
                          (held->origin == OriginOf(identity, LogName::kAudit) && r.audit);
    if (!exported)
      return Status::InvalidArgument("held checkpoint of '" + held->origin + "' names no log this export includes");
    if (held->origin == origin) out.push_back(note);
  }
  return out;
}

Status WriteFileSynced(const std::string& path, const Bytes& data) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError("cannot create " + path);
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = write(fd, data.data() + off, data.size() - off);
    if (n <= 0) {
      close(fd);
      return Status::IoError("cannot write " + path);
    }
    off += static_cast<size_t>(n);
  }
  const bool synced = fsync(fd) == 0;
  close(fd);
  return synced ? Status::Ok() : Status::IoError("cannot sync " + path);
}

std::string RangeJson(const bundle::Range& r, size_t selected) {
  return "{\"first\":" + std::to_string(r.first) + ",\"end\":" + std::to_string(r.end) +
         ",\"selected\":" + std::to_string(selected) + "}";
}

// How many leaves of the log's exported range carry their record's files.
size_t SelectedIn(const TarFiles& files, std::string_view log) {
  const Bytes& leaves = files.at(bundle::LeavesPath(log));
  size_t n = 0;
  for (size_t off = 0; off + kLeafSize <= leaves.size(); off += kLeafSize) {
    auto leaf = Leaf::Decode(std::string_view(leaves).substr(off, kLeafSize));
    if (leaf.ok() && files.count(bundle::PayloadPath(RecordId(leaf->record_id).ToString()))) ++n;
  }
  return n;
}

}  // namespace

Result<std::string> SignManifest(const NoteSigner& signer, const std::string& manifest,
                                 const std::vector<std::string>& origins) {
  if (!signer) return Status::InvalidArgument("no signing key: cannot sign the bundle's manifest");
  const std::string body = bundle::ManifestNoteBody(manifest);
  std::string note;
  for (const std::string& origin : origins) {
    auto signed_by_one = signer(body, origin);
    if (!signed_by_one.ok()) return signed_by_one.status();
    // Every note is the body, a blank line, then its signature line: keep the first
    // note whole and add only the signature lines of the others.
    note += note.empty() ? *signed_by_one : signed_by_one->substr(body.size() + 1);
  }
  return note;
}

Result<TarFiles> BuildBundleFiles(Database& db, const Identity& identity, const NoteSigner& signer,
                                  const ExportRequest& r, const SignedHeads* signed_heads) {
  if (!r.messages && !r.audit) return Status::InvalidArgument("nothing to export: give --messages or --audit");
  Transaction snapshot(db, Transaction::Kind::kDeferred);
  if (!snapshot.status().ok()) return snapshot.status();
  TarFiles files;
  std::vector<std::pair<LogPlan, std::vector<RecordId>>> plans;
  for (LogName log : {LogName::kMessages, LogName::kAudit}) {
    if (!Exported(r, log)) continue;
    auto plan = PlanLog(db, log, r);
    if (!plan.ok()) return plan.status();
    auto selected = Selection(*plan, r);
    if (!selected.ok()) return selected.status();
    const std::string& origin = OriginOf(identity, log);
    auto notes = NotesFor(origin, r, identity);
    if (!notes.ok()) return notes.status();
    if (Status s = AddLogFiles(db, LogExport{log, plan->range, origin, *notes, signed_heads}, signer, files); !s.ok())
      return s;
    plans.emplace_back(std::move(*plan), std::move(*selected));
  }
  uint64_t total = 0, done = 0;
  for (const auto& [plan, selected] : plans) total += selected.size();
  AuditListing listing;
  for (const auto& [plan, selected] : plans) {
    const RecordType type = plan.log == LogName::kMessages ? RecordType::kMessage : RecordType::kAuditEvent;
    size_t at = 0;  // selected is in seq order: walk the leaves alongside
    for (const RecordId& id : selected) {
      if (Status s = AddRecordFiles(db, id, type, files); !s.ok()) return s;
      if (type == RecordType::kAuditEvent) {
        while (!(RecordId(plan.leaves[at].record_id) == id)) ++at;
        auto payload = AuditPayload::Decode(files[bundle::PayloadPath(id.ToString())]);
        if (!payload.ok()) return payload.status();
        listing.Add(plan.leaves[at], *payload);
      }
      if (r.progress) r.progress(++done, total);
    }
  }
  if (r.audit) {
    files[std::string(bundle::kAuditJsonl)] = listing.jsonl();
    files[std::string(bundle::kAuditCsv)] = listing.csv();
  }
  for (const VerifierKey& key : r.keys)
    for (LogName log : {LogName::kMessages, LogName::kAudit})
      if (key.name() == OriginOf(identity, log) && Exported(r, log))
        files[bundle::KeyPath(BundleLogName(log))] = key.ToString() + "\n";
  files[std::string(bundle::kVerifyText)] = std::string(kVerifyText);
  files[std::string(bundle::kManifest)] = bundle::BuildManifest(files);
  std::vector<std::string> origins;
  for (LogName log : {LogName::kMessages, LogName::kAudit})
    if (Exported(r, log)) origins.push_back(OriginOf(identity, log));
  auto note = SignManifest(signer, files[std::string(bundle::kManifest)], origins);
  if (!note.ok()) return note.status();
  files[std::string(bundle::kManifestNote)] = std::move(*note);
  return files;
}

Result<ExportResult> ExportBundle(Archive& archive, const ExportRequest& r, const AuditEvent& actor,
                                  const std::string& out_path) {
  auto db = Database::Open(DatabasePath(archive.options().data_dir), Database::Mode::kReadOnly);
  if (!db.ok()) return db.status();
  auto files = BuildBundleFiles(**db, archive.identity(), archive.options().checkpoint_signer, r,
                                archive.options().signed_heads.get());
  if (!files.ok()) return files.status();
  auto tar = WriteUstar(*files);
  if (!tar.ok()) return tar.status();
  ExportResult result;
  result.manifest_sha256 = ToHex(Sha256::Of((*files)[std::string(bundle::kManifest)]));
  for (const auto& [path, data] : *files)
    if (path.ends_with("/payload.bin")) ++result.records;

  const std::string partial = out_path + ".partial";
  if (Status s = WriteFileSynced(partial, *tar); !s.ok()) {
    unlink(partial.c_str());
    return s;
  }
  // Audited before it exists: the event commits, then the bundle appears.
  std::string detail = "{\"manifest_sha256\":" + JsonQuote(result.manifest_sha256) +
                       ",\"file\":" + JsonQuote(std::filesystem::path(out_path).filename().string());
  std::vector<AppendRequest> events;
  for (LogName log : {LogName::kMessages, LogName::kAudit}) {
    if (!Exported(r, log)) continue;
    auto range = bundle::ParseRange((*files)[bundle::RangePath(BundleLogName(log))]);
    const size_t selected = SelectedIn(*files, BundleLogName(log));
    AuditEvent e = actor;
    e.type = log == LogName::kMessages ? auditevent::kMessageExport : auditevent::kAuditExport;
    e.payload.outcome = "ok";
    e.payload.detail = detail + ",\"range\":" + RangeJson(*range, selected) + "}";
    events.push_back(AuditAppendRequest(std::move(e), archive.mint()));
  }
  auto appended = archive.Append(std::move(events));
  if (!appended.ok()) {
    unlink(partial.c_str());
    return Status::Unavailable("cannot record the export in the audit log, no bundle written: " +
                               appended.status().message());
  }
  if (std::rename(partial.c_str(), out_path.c_str()) != 0) {
    unlink(partial.c_str());
    return Status::IoError("cannot rename " + partial + " to " + out_path);
  }
  const std::string dir = std::filesystem::path(out_path).parent_path().string();
  if (int fd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
    fsync(fd);
    close(fd);
  }
  return result;
}

}  // namespace chainmail
