// The record-level checks of bundle_verifier.h: each selected record against its leaf,
// the human-readable files against the verified records, and audit target refs.
#include <map>
#include <optional>

#include "archive/format/audit_listing.h"
#include "archive/format/audit_payload.h"
#include "archive/format/bundle_verifier_parts.h"
#include "archive/format/message_payload.h"
#include "archive/format/record_id.h"
#include "archive/format/sha256.h"
#include "archive/format/zstd_bounded.h"

namespace chainmail::bundle_check {
namespace {

struct LeafAt {
  const CheckedLog* log;
  size_t index;  // into log->leaves
};

// The record ids that have files under records/ or eml/, by canonical text. A name that
// is no canonical id is left to the check for files the layout does not name, so that no
// "record <id>" line shows text the bundle chose.
std::set<std::string> RecordDirs(const TarFiles& files) {
  std::set<std::string> ids;
  auto add = [&ids](const std::string& id) {
    const std::optional<RecordId> parsed = RecordId::Parse(id);
    if (parsed && parsed->ToString() == id) ids.insert(id);
  };
  for (const auto& [path, data] : files) {
    if (path.starts_with(bundle::kRecordsPrefix)) {
      const size_t slash = path.find('/', bundle::kRecordsPrefix.size());
      if (slash != std::string::npos) add(path.substr(bundle::kRecordsPrefix.size(), slash - bundle::kRecordsPrefix.size()));
    } else if (path.starts_with("eml/") && path.ends_with(".eml")) {
      add(path.substr(4, path.size() - 8));
    }
  }
  return ids;
}

// Marks the files the layout names for record `id` (body.zst and the .eml only for a
// message, or when the record's log is unknown): the record's own verdict accounts for
// them, whatever it is, so none is reported a second time as a file the layout does not
// name.
void AccountForRecordFiles(const TarFiles& files, const std::string& id, bool message, SeenPaths& seen) {
  for (const std::string& path : {bundle::PayloadPath(id), bundle::SaltPath(id)}) Take(files, path, seen);
  if (message)
    for (const std::string& path : {bundle::BodyPath(id), bundle::EmlPath(id)}) Take(files, path, seen);
}

// Checks one message's body files against its verified payload.
Status CheckMessageBody(const TarFiles& files, const std::string& id, const MessagePayload& p, SeenPaths& seen) {
  const Bytes* body = Take(files, bundle::BodyPath(id), seen);
  const Bytes* eml = Take(files, bundle::EmlPath(id), seen);
  if (!body) return Status::Corruption("body.zst missing");
  auto raw = DecompressBounded(*body, p.raw_length);
  if (!raw.ok()) return Status::Corruption("body.zst: " + raw.status().message());
  if (raw->size() != p.raw_length) return Status::Corruption("body is " + std::to_string(raw->size()) + " bytes, the payload commits to " + std::to_string(p.raw_length));
  if (Sha256::Of(*raw) != p.raw_sha256) return Status::Corruption("body does not hash to the committed raw SHA-256");
  if (!eml) return Status::Corruption(".eml missing");
  if (*eml != *raw) return Status::Corruption(".eml differs from the verified body");
  return Status::Ok();
}

}  // namespace

void CheckRecords(const TarFiles& files, const std::vector<CheckedLog>& logs, Reporter& out, SeenPaths& seen) {
  std::map<std::string, LeafAt> by_id;
  for (const CheckedLog& log : logs)
    for (size_t i = 0; i < log.leaves.size(); ++i) by_id[RecordId(log.leaves[i].record_id).ToString()] = {&log, i};

  std::map<std::pair<const CheckedLog*, size_t>, AuditPayload> audit;  // verified, by leaf
  for (const std::string& id : RecordDirs(files)) {
    const std::string what = "record " + id;
    auto at = by_id.find(id);
    AccountForRecordFiles(files, id, at == by_id.end() || at->second.log->type == RecordType::kMessage, seen);
    if (at == by_id.end() || !at->second.log->trusted) {
      out.Invalid(what, "no verified leaf in the bundle for this record");
      continue;
    }
    const CheckedLog& log = *at->second.log;
    const Leaf& leaf = log.leaves[at->second.index];
    const Bytes* payload = Take(files, bundle::PayloadPath(id), seen);
    const Bytes* salt = Take(files, bundle::SaltPath(id), seen);
    if (!payload || !salt) {
      out.Invalid(what, "payload.bin or salt.bin missing (a purge needs a verified purge event)");
      continue;
    }
    if (salt->size() != kSaltSize) {
      out.Invalid(what, "salt is not 32 bytes");
      continue;
    }
    if (PayloadCommitment(log.type, *salt, *payload) != leaf.payload_commit) {
      out.Invalid(what, "payload and salt do not match the leaf's commitment");
      continue;
    }
    if (log.type == RecordType::kMessage) {
      auto p = MessagePayload::Decode(*payload);
      Status s = p.ok() ? CheckMessageBody(files, id, *p, seen) : p.status();
      if (!s.ok()) {
        out.Invalid(what, s.message());
        continue;
      }
    } else {
      auto p = AuditPayload::Decode(*payload);
      if (!p.ok()) {
        out.Invalid(what, p.status().message());
        continue;
      }
      audit.emplace(std::make_pair(&log, at->second.index), std::move(*p));
    }
    out.Valid(what);
  }

  // An audit export carries every event of its range: none may be left out.
  for (const CheckedLog& log : logs) {
    if (log.type != RecordType::kAuditEvent || !log.trusted) continue;
    for (const Leaf& leaf : log.leaves)
      if (!files.count(bundle::PayloadPath(RecordId(leaf.record_id).ToString())))
        out.Invalid("audit: event " + std::to_string(leaf.seq),
                    "no payload in the bundle (an audit export carries every event of its range)");
  }

  // The listings, re-rendered from the verified audit payloads in seq order.
  const CheckedLog* audit_log = nullptr;
  for (const CheckedLog& log : logs)
    if (log.type == RecordType::kAuditEvent) audit_log = &log;
  if (audit_log) {
    AuditListing listing;
    for (const auto& [key, payload] : audit) listing.Add(key.first->leaves[key.second], payload);
    for (auto [name, expected] : {std::pair{bundle::kAuditJsonl, &listing.jsonl()}, std::pair{bundle::kAuditCsv, &listing.csv()}}) {
      const Bytes* text = Take(files, std::string(name), seen);
      if (!text) out.Invalid(std::string(name), "missing");
      else if (*text != *expected) out.Invalid(std::string(name), "does not agree with the verified audit events");
      else out.Valid(std::string(name));
    }
  }

  // Target refs naming a leaf the bundle holds must name exactly its hash.
  size_t resolved = 0, outside = 0;
  std::optional<std::string> bad;
  for (const auto& [key, payload] : audit) {
    for (const TargetRef& t : payload.targets) {
      const CheckedLog* target = nullptr;
      for (const CheckedLog& log : logs)
        if (log.trusted && log.log_id == t.log_id) target = &log;
      if (!target || t.seq < target->range.first || t.seq >= target->range.end) {
        ++outside;
        continue;
      }
      if (target->leaf_hashes[t.seq - target->range.first] != t.leaf_hash && !bad)
        bad = "audit event " + std::to_string(key.first->leaves[key.second].seq) + " names " + target->name +
              " leaf " + std::to_string(t.seq) + " with a hash that is not that leaf's";
      ++resolved;
    }
  }
  if (!audit.empty()) {
    const std::string what = "audit target refs (" + std::to_string(resolved) + " in the bundle, " +
                             std::to_string(outside) + " outside it)";
    bad ? out.Invalid(what, *bad) : out.Valid(what);
  }
}

}  // namespace chainmail::bundle_check
