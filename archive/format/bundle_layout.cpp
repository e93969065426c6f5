#include "archive/format/bundle_layout.h"

#include <charconv>

#include "archive/format/sha256.h"

namespace chainmail::bundle {
namespace {

std::string Cat(std::string_view a, std::string_view b, std::string_view c = "") {
  std::string out(a);
  out += b;
  out += c;
  return out;
}

// Splits text into lines, each of which must end in "\n".
Result<std::vector<std::string_view>> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    if (nl == std::string_view::npos) return Status::Corruption("a line does not end in a newline");
    out.push_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  return out;
}

// "<key> <canonical decimal>".
Result<uint64_t> KeyedNumber(std::string_view line, std::string_view key) {
  if (line.substr(0, key.size() + 1) != Cat(key, " ")) return Status::Corruption("expected '" + std::string(key) + " N'");
  std::string_view digits = line.substr(key.size() + 1);
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
      (digits.size() > 1 && digits[0] == '0'))
    return Status::Corruption("'" + std::string(key) + "' is not a canonical decimal number");
  return v;
}

Result<Hash32> LowerHexHash(std::string_view s) {
  auto h = Hash32FromHex(s);
  if (!h || ToHex(*h) != s) return Status::Corruption("not a lower-case hex SHA-256: '" + std::string(s.substr(0, 80)) + "'");
  return *h;
}

}  // namespace

std::string KeyPath(std::string_view log) { return Cat("keys/", log, ".vkey"); }
std::string RangePath(std::string_view log) { return Cat(log, "/range.txt"); }
std::string LeavesPath(std::string_view log) { return Cat(log, "/leaves.bin"); }
std::string CompactRangePath(std::string_view log) { return Cat(log, "/compact-range.txt"); }
std::string CheckpointEndPath(std::string_view log) { return Cat(log, "/checkpoint-end.txt"); }
std::string CheckpointLatestPath(std::string_view log) { return Cat(log, "/checkpoint-latest.txt"); }
std::string ConsistencyEndLatestPath(std::string_view log) { return Cat(log, "/consistency-end-latest.txt"); }
std::string KnownPrefix(std::string_view log) { return Cat(log, "/known/"); }
std::string KnownPath(std::string_view log, uint64_t size) {
  return Cat(KnownPrefix(log), std::to_string(size), ".txt");
}
std::string PayloadPath(std::string_view id) { return Cat(kRecordsPrefix, id, "/payload.bin"); }
std::string SaltPath(std::string_view id) { return Cat(kRecordsPrefix, id, "/salt.bin"); }
std::string BodyPath(std::string_view id) { return Cat(kRecordsPrefix, id, "/body.zst"); }
std::string EmlPath(std::string_view id) { return Cat("eml/", id, ".eml"); }

std::string FormatRange(const Range& r) {
  return "first " + std::to_string(r.first) + "\nend " + std::to_string(r.end) + "\n";
}

Result<Range> ParseRange(std::string_view text) {
  auto lines = Lines(text);
  if (!lines.ok()) return lines.status();
  if (lines->size() != 2) return Status::Corruption("range.txt must have two lines");
  auto first = KeyedNumber((*lines)[0], "first");
  auto end = KeyedNumber((*lines)[1], "end");
  if (!first.ok()) return first.status();
  if (!end.ok()) return end.status();
  if (*first > *end) return Status::Corruption("range.txt: first is after end");
  return Range{*first, *end};
}

std::string FormatHashLines(const std::vector<Hash32>& hashes) {
  std::string out;
  for (const auto& h : hashes) out += ToHex(h) + "\n";
  return out;
}

Result<std::vector<Hash32>> ParseHashLines(std::string_view text) {
  auto lines = Lines(text);
  if (!lines.ok()) return lines.status();
  std::vector<Hash32> out;
  for (std::string_view line : *lines) {
    auto h = LowerHexHash(line);
    if (!h.ok()) return h.status();
    out.push_back(*h);
  }
  return out;
}

std::string FormatKnownProof(const KnownProof& k) {
  return "root " + ToHex(k.root) + "\nstatus " + k.status + "\n" + FormatHashLines(k.proof);
}

Result<KnownProof> ParseKnownProof(std::string_view text) {
  auto lines = Lines(text);
  if (!lines.ok()) return lines.status();
  if (lines->size() < 2 || (*lines)[0].substr(0, 5) != "root " || (*lines)[1].substr(0, 7) != "status ")
    return Status::Corruption("a known-checkpoint proof must start with 'root' and 'status' lines");
  KnownProof k;
  auto root = LowerHexHash((*lines)[0].substr(5));
  if (!root.ok()) return root.status();
  k.root = *root;
  k.status = std::string((*lines)[1].substr(7));
  if (k.status != "consistent" && k.status != "rollback" && k.status != "fork")
    return Status::Corruption("unknown known-checkpoint status '" + k.status + "'");
  const size_t header = (*lines)[0].size() + (*lines)[1].size() + 2;
  auto proof = ParseHashLines(text.substr(header));
  if (!proof.ok()) return proof.status();
  if (k.status != "consistent" && !proof->empty()) return Status::Corruption("a " + k.status + " carries no proof");
  k.proof = std::move(*proof);
  return k;
}

Result<Checkpoint> PeekCheckpoint(std::string_view note) {
  const size_t blank = note.find("\n\n");
  if (blank == std::string_view::npos) return Status::Corruption("not a signed note (no blank line)");
  return Checkpoint::ParseBody(note.substr(0, blank + 1));
}

std::string BuildManifest(const TarFiles& files) {
  std::string out;
  for (const auto& [path, data] : files)
    if (path != kManifest && path != kManifestNote) out += ToHex(Sha256::Of(data)) + "  " + path + "\n";
  return out;
}

std::string ManifestNoteBody(std::string_view manifest) {
  return "chainmail evidence bundle v2\nmanifest " + ToHex(Sha256::Of(manifest)) + "\n";
}

}  // namespace chainmail::bundle
