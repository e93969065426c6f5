// AuditPayload: what an audit event record commits to (INTEGRITY.md "Audit payload"), and
// its encoding to and strict decoding from the payload TLV (payload_tags.h, audittag).
// The event type code is the leaf's subtype, not part of the payload.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "archive/format/bytes.h"
#include "archive/format/status.h"

namespace chainmail {

// A reference from an audit event to a leaf of some log: log_id[32] || u64 seq || leaf_hash[32].
struct TargetRef {
  Hash32 log_id{};
  uint64_t seq = 0;
  Hash32 leaf_hash{};

  Bytes Encode() const;  // 72 bytes
  static Result<TargetRef> Decode(std::string_view b);
  bool operator==(const TargetRef& o) const {
    return log_id == o.log_id && seq == o.seq && leaf_hash == o.leaf_hash;
  }
};

struct AuditPayload {
  std::string actor;                 // token name, local user, or "system"
  std::string auth_method;           // "token", "local-user", "system"
  std::string source_address;        // optional
  std::string request_id;            // optional
  std::vector<TargetRef> targets;    // optional
  std::optional<Bytes> before;       // exact stored bytes before a change
  std::optional<Bytes> after;        // exact stored bytes after a change
  std::string outcome;               // "ok", "denied", "error: ..."
  std::string detail;                // verbatim JSON ("" when none)
  uint64_t event_time_us = 0;

  Bytes Encode() const;
  // Strict: unknown tags, missing required tags, malformed target refs are Corruption.
  static Result<AuditPayload> Decode(std::string_view payload);
};

}  // namespace chainmail
