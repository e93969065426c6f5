// Evidence bundle v2: the paths and small text formats inside the ustar container, the
// single definition shared by the exporter (archive/, audit/) and the verifier
// (bundle_verifier.h). docs/bundle.md is its prose twin.
//
// Text formats: hash lists are lower-case hex, one hash per line, each line ending "\n";
// range.txt is "first <F>\nend <E>\n"; MANIFEST.sha256 is sha256sum's "<hex>  <path>\n"
// in path order, over every file but itself and MANIFEST.note; MANIFEST.note is a signed
// note (signed_note.h) whose body is ManifestNoteBody(MANIFEST.sha256), signed by the
// archive's key under the origin of each exported log, so that what the bundle holds (its
// records, ranges and every other file) is signed, not only the logs' checkpoints. Parsers
// are strict: they accept exactly what the builders produce.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "archive/format/bytes.h"
#include "archive/format/checkpoint.h"
#include "archive/format/status.h"
#include "archive/format/ustar.h"

namespace chainmail::bundle {

inline constexpr std::string_view kManifest = "MANIFEST.sha256";
inline constexpr std::string_view kManifestNote = "MANIFEST.note";
inline constexpr std::string_view kVerifyText = "VERIFY.txt";
inline constexpr std::string_view kAuditJsonl = "audit.jsonl";
inline constexpr std::string_view kAuditCsv = "audit.csv";
inline constexpr std::string_view kMessagesLog = "messages";
inline constexpr std::string_view kAuditLog = "audit";

// Per log (`log` is kMessagesLog or kAuditLog).
std::string KeyPath(std::string_view log);               // keys/<log>.vkey
std::string RangePath(std::string_view log);             // <log>/range.txt
std::string LeavesPath(std::string_view log);            // <log>/leaves.bin
std::string CompactRangePath(std::string_view log);      // <log>/compact-range.txt
std::string CheckpointEndPath(std::string_view log);     // <log>/checkpoint-end.txt
std::string CheckpointLatestPath(std::string_view log);  // <log>/checkpoint-latest.txt
std::string ConsistencyEndLatestPath(std::string_view log);
std::string KnownPath(std::string_view log, uint64_t size);  // <log>/known/<size>.txt
std::string KnownPrefix(std::string_view log);               // <log>/known/

// Per record; `id` is the canonical UUID text.
std::string PayloadPath(std::string_view id);  // records/<id>/payload.bin
std::string SaltPath(std::string_view id);     // records/<id>/salt.bin
std::string BodyPath(std::string_view id);     // records/<id>/body.zst
std::string EmlPath(std::string_view id);      // eml/<id>.eml
inline constexpr std::string_view kRecordsPrefix = "records/";

struct Range {
  uint64_t first = 0;
  uint64_t end = 0;
};
std::string FormatRange(const Range& r);
Result<Range> ParseRange(std::string_view text);

std::string FormatHashLines(const std::vector<Hash32>& hashes);
Result<std::vector<Hash32>> ParseHashLines(std::string_view text);

// What the exporter found for one held checkpoint (docs/bundle.md, known/<S>.txt).
struct KnownProof {
  Hash32 root{};
  std::string status;            // "consistent", "rollback" or "fork"
  std::vector<Hash32> proof;     // to the latest checkpoint; empty unless consistent
};
std::string FormatKnownProof(const KnownProof& k);
Result<KnownProof> ParseKnownProof(std::string_view text);

// The checkpoint body of a signed note, WITHOUT checking any signature: only to route a
// note to its log by origin. Trust comes from OpenCheckpoint with pinned keys.
Result<Checkpoint> PeekCheckpoint(std::string_view note);

// The manifest of every file in `files` except the manifest and its note.
std::string BuildManifest(const TarFiles& files);
// What MANIFEST.note signs: "chainmail evidence bundle v2\nmanifest <sha256 hex of
// `manifest`>\n".
std::string ManifestNoteBody(std::string_view manifest);

}  // namespace chainmail::bundle
