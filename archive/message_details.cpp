#include "archive/message_details.h"

#include "archive/format/audit_payload.h"
#include "archive/format/payload_tags.h"

namespace chainmail {
namespace {

// Per entry beyond its strings: the list node, the hash map node and bucket.
constexpr size_t kEntryOverhead = 96;

size_t EntryBytes(const FixedMessageDetails& d) {
  size_t n = sizeof(FixedMessageDetails) + kEntryOverhead + d.decision.capacity();
  for (const std::string& r : d.rcpt_to) n += sizeof(std::string) + r.capacity();
  return n;
}

// The seqs as a JSON array, bound to `... IN (SELECT value FROM json_each(?))`: one
// statement text (prepared once, cached) for a page of any size.
std::string JsonSeqs(const std::vector<uint64_t>& seqs) {
  std::string out = "[";
  for (uint64_t s : seqs) {
    if (out.size() > 1) out += ',';
    out += std::to_string(s);
  }
  return out + "]";
}

// The string value of top-level member `key` in the deterministic JSON the policy
// decision event writes ({"action":"…",…}); nullopt when absent or not a plain string.
std::optional<std::string> JsonStringMember(std::string_view json, std::string_view key) {
  const std::string needle = "\"" + std::string(key) + "\":\"";
  const size_t at = json.find(needle);
  if (at == std::string_view::npos) return std::nullopt;
  std::string out;
  for (size_t i = at + needle.size(); i < json.size(); ++i) {
    const char c = json[i];
    if (c == '"') return out;
    if (c == '\\') {
      if (i + 1 >= json.size()) return std::nullopt;
      const char e = json[++i];
      if (e != '"' && e != '\\' && e != '/') return std::nullopt;
      out += e;
      continue;
    }
    out += c;
  }
  return std::nullopt;
}

// The fixed details of `seqs` from the database: leaf hashes, recipients, decisions.
Result<std::map<uint64_t, FixedMessageDetails>> ReadFixedDetails(Database& db, const std::vector<uint64_t>& seqs) {
  std::map<uint64_t, FixedMessageDetails> out;
  const std::string json = JsonSeqs(seqs);
  Statement leaf =
      db.Prepare("SELECT seq, leaf_hash FROM leaves WHERE log = 1 AND seq IN (SELECT value FROM json_each(?))");
  leaf.Bind(1, json);
  while (leaf.Step()) out[static_cast<uint64_t>(leaf.Int(0))].leaf_hash = Hash32FromBytes(leaf.Blob(1));
  if (!leaf.status().ok()) return leaf.status();
  for (uint64_t s : seqs)
    if (!out.count(s)) return Status::Corruption("message " + std::to_string(s) + " has no leaf");
  // The address kinds are message_index.h's AddressKind: 0 is an envelope recipient.
  Statement rcpt = db.Prepare(
      "SELECT m.seq, a.address FROM messages m JOIN message_addresses a ON a.record_id = m.record_id AND a.kind = 0 "
      "WHERE m.seq IN (SELECT value FROM json_each(?)) ORDER BY m.seq, a.position");
  rcpt.Bind(1, json);
  while (rcpt.Step()) out[static_cast<uint64_t>(rcpt.Int(0))].rcpt_to.emplace_back(rcpt.Text(1));
  if (!rcpt.status().ok()) return rcpt.status();
  auto decisions = ReadRecordedDecisions(db, seqs);
  if (!decisions.ok()) return decisions.status();
  for (auto& [seq, d] : *decisions) out[seq].decision = std::move(d.action);
  return out;
}

}  // namespace

std::map<uint64_t, FixedMessageDetails> MessageDetailCache::Find(const std::vector<uint64_t>& seqs) {
  std::map<uint64_t, FixedMessageDetails> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (uint64_t s : seqs) {
    auto it = by_seq_.find(s);
    if (it == by_seq_.end()) continue;
    lru_.splice(lru_.begin(), lru_, it->second);
    out.emplace(s, it->second->details);
  }
  return out;
}

void MessageDetailCache::Keep(uint64_t seq, const FixedMessageDetails& details) {
  const size_t bytes = EntryBytes(details);
  if (bytes > max_bytes_) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_seq_.find(seq);
  if (it != by_seq_.end()) {  // another search read it meanwhile: the same details
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  lru_.push_front(Entry{seq, details, bytes});
  by_seq_[seq] = lru_.begin();
  bytes_ += bytes;
  while (bytes_ > max_bytes_) {
    const Entry& last = lru_.back();
    bytes_ -= last.bytes;
    by_seq_.erase(last.seq);
    lru_.pop_back();
  }
}

size_t MessageDetailCache::entries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return by_seq_.size();
}

size_t MessageDetailCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

Status AddMessageDetails(Database& db, std::vector<MessageSummary>& messages, MessageDetailCache* cache) {
  if (messages.empty()) return Status::Ok();
  std::vector<uint64_t> seqs;
  for (const MessageSummary& m : messages) seqs.push_back(m.seq);
  std::map<uint64_t, FixedMessageDetails> fixed;
  if (cache) fixed = cache->Find(seqs);
  std::vector<uint64_t> missing;
  for (uint64_t s : seqs)
    if (!fixed.count(s)) missing.push_back(s);
  if (!missing.empty()) {
    auto read = ReadFixedDetails(db, missing);
    if (!read.ok()) return read.status();
    for (auto& [seq, d] : *read) {
      // Only a recorded decision is final; none may yet be recorded by a later event.
      if (cache && !d.decision.empty()) cache->Keep(seq, d);
      fixed[seq] = std::move(d);
    }
  }
  Statement labels = db.Prepare(
      "SELECT message_seq, label FROM message_labels WHERE message_seq IN (SELECT value FROM json_each(?)) "
      "ORDER BY message_seq, label");
  labels.Bind(1, JsonSeqs(seqs));
  std::map<uint64_t, std::vector<std::string>> by_seq;
  while (labels.Step()) by_seq[static_cast<uint64_t>(labels.Int(0))].emplace_back(labels.Text(1));
  if (!labels.status().ok()) return labels.status();
  for (MessageSummary& m : messages) {
    FixedMessageDetails& d = fixed[m.seq];
    m.leaf_hash = d.leaf_hash;
    m.rcpt_to = d.rcpt_to;
    m.decision = d.decision;
    m.labels = std::move(by_seq[m.seq]);
  }
  return Status::Ok();
}

Result<std::map<uint64_t, RecordedDecision>> ReadRecordedDecisions(Database& db, const std::vector<uint64_t>& seqs) {
  Statement st = db.Prepare(
      "SELECT d.message_seq, d.event_seq, p.payload FROM message_decisions d "
      "JOIN payloads p ON p.record_id = d.event_record_id WHERE d.message_seq IN (SELECT value FROM json_each(?))");
  st.Bind(1, JsonSeqs(seqs));
  std::map<uint64_t, RecordedDecision> out;
  while (st.Step()) {
    RecordedDecision d;
    d.event_seq = static_cast<uint64_t>(st.Int(1));
    auto payload = AuditPayload::Decode(st.Blob(2));
    if (!payload.ok()) return payload.status();
    auto action = JsonStringMember(payload->detail, "action");
    if (!action) return Status::Corruption("policy decision " + std::to_string(d.event_seq) + " names no action");
    d.action = std::move(*action);
    d.policy = JsonStringMember(payload->detail, "policy").value_or("");
    out.emplace(static_cast<uint64_t>(st.Int(0)), std::move(d));
  }
  if (!st.status().ok()) return st.status();
  return out;
}

}  // namespace chainmail
