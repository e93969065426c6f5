// Searching the audit log (GET /api/v1/audit/events): events filtered by type, actor,
// event-time range and target leaf, in event-time order (ties broken by seq), one page
// at a time, through the indexes of schema/002 (audit_events_by_type / _by_actor /
// _by_time, audit_event_targets_by_leaf) and, for the searches that listed a target, the
// listing index (listing_index.h) plus the listings it has not reached yet.
//
// Pages are keyed, never offset: a page continues strictly after the (event time, seq)
// of the previous page's last event. Every page of one listing is also bounded by the
// same snapshot — the audit log's size when the listing began — so events appended while
// a caller pages (among them the audit.read events the paging itself records) neither
// shift the pages nor make the listing endless.
//
// The index row selects; the event's payload (the committed truth) supplies what is
// shown. Functions over a caller-owned Database; one thread per Database.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "archive/database.h"
#include "archive/format/audit_payload.h"
#include "archive/format/record_id.h"
#include "archive/log_head.h"

namespace chainmail {

// A leaf of one of the archive's logs.
struct LeafPosition {
  LogName log = LogName::kMessages;
  uint64_t seq = 0;
};

struct AuditFilter {
  std::vector<uint16_t> types;            // any of these codes; empty: every type
  std::optional<std::string> actor;       // exactly this actor
  std::optional<int64_t> from_us, to_us;  // event time, inclusive
  std::optional<LeafPosition> target;     // events whose target refs name this leaf
};

// A place in the listing's order.
struct AuditKey {
  int64_t event_us = 0;
  uint64_t seq = 0;
};

struct AuditPageRequest {
  uint64_t snapshot_size = 0;      // only events with seq below this
  bool newest_first = true;
  std::optional<AuditKey> after;   // continue strictly after this place
  uint32_t limit = 50;             // 1..500
  // When the query must give up (LimitExceeded): it runs no longer than the caller allows.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

// A target ref of an event, resolved against this archive's logs where it can be.
struct AuditTarget {
  TargetRef ref;
  std::optional<LogName> log;         // the log ref.log_id names, if it is one of ours
  std::optional<RecordId> record_id;  // the record at that seq, if the leaf exists
};

struct AuditEventRow {
  uint64_t seq = 0;
  RecordId record_id;
  uint16_t type = 0;
  int64_t event_us = 0;
  Hash32 leaf_hash{};
  std::optional<AuditPayload> payload;  // nullopt: missing or not decodable (see problem)
  std::string payload_problem;          // why payload is nullopt; `chainmail verify` names it too
  std::vector<AuditTarget> targets;
};

struct AuditPage {
  std::vector<AuditEventRow> events;
  bool more = false;  // events beyond this page exist within the snapshot
};

// A listing's opaque continuation: its snapshot, where the last page ended, and a
// fingerprint of its filter and order, so it cannot be replayed with other filters.
struct AuditCursor {
  uint64_t snapshot = 0;
  AuditKey after;
  std::string fingerprint;  // AuditListingFingerprint()
};
std::string AuditListingFingerprint(const AuditFilter& filter, bool newest_first);
// base64url text, safe in a query string without escaping.
std::string EncodeAuditCursor(const AuditCursor& cursor);
// nullopt for anything EncodeAuditCursor did not produce.
std::optional<AuditCursor> DecodeAuditCursor(std::string_view text);

Result<AuditPage> QueryAuditEvents(Database& db, const AuditFilter& filter, const AuditPageRequest& page);

// The leaf of the record `id` in either log; NotFound when no record has that id.
Result<LeafPosition> LeafOfRecord(Database& db, const RecordId& id);

}  // namespace chainmail
