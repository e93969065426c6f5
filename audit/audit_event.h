// AuditEvent: one entry of the audit log — a type code (the leaf subtype, see
// archive/format/payload_tags.h) and its payload — and how it becomes a writer request
// whose index rows (audit_events, and audit_event_targets or, for a search's listing,
// audit_listings) commit with its leaf.
// Plain values; thread-safe to build.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "archive/format/audit_payload.h"
#include "archive/group_commit_writer.h"
#include "archive/record_mint.h"

namespace chainmail {

struct AuditEvent {
  uint16_t type = 0;
  AuditPayload payload;
  // Earlier records of the same writer submission (by position) that this event names
  // as targets, e.g. the message a policy decision is about. Resolved inside the
  // transaction to (log_id, seq, leaf_hash) and appended after payload.targets.
  std::vector<size_t> same_submission_targets;
};

// The actor fields for work the daemon does by itself.
AuditEvent SystemEvent(uint16_t type, std::string outcome, std::string detail_json);
// The actor fields for a command run on the host: actor = the local user's name.
AuditEvent LocalUserEvent(uint16_t type, std::string outcome, std::string detail_json);

// A writer request for `event`. Its record id, salt and event time come from `mint` when
// the request is built: pass the archive's (Archive::mint()) so that an archive built with
// a fixed mint is reproducible; the default is the system's.
AppendRequest AuditAppendRequest(AuditEvent event, RecordMint& mint = *SystemMint());

// The audit_events index row, as derived from a payload (the writer stores it; verify
// derives it again and compares).
struct AuditIndexRow {
  uint64_t seq = 0;
  uint16_t type = 0;
  int64_t event_us = 0;
  std::string actor, outcome;
  std::vector<std::pair<int, uint64_t>> targets;  // (log number, seq); log 0 when unknown
};
// A search event's targets (all of one log) are written as one audit_listings row, every
// other event's as audit_event_targets rows; ReadAuditIndexRow reads either back.
Status WriteAuditIndexRow(Database& db, const RecordId& id, const AuditIndexRow& row);
Result<AuditIndexRow> ReadAuditIndexRow(Database& db, const RecordId& id);
AuditIndexRow BuildAuditIndexRow(Database& db, uint64_t seq, uint16_t type, const AuditPayload& p);

// An audit_listings row's seqs: "[7,3,12]". nullopt when the text is anything else.
std::optional<std::vector<uint64_t>> ParseListingText(std::string_view text);

}  // namespace chainmail
