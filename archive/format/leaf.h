// Leaf v1: the fixed 132-byte record that each log appends, and the hashes built on it.
// The single definition of the format; docs/leaf.md is its prose twin. Writer, in-daemon
// verify and chainmail-verify all use this header.
//
//   off len field
//     0   1 version         0x01
//     1   1 record_type     0x01 message | 0x02 audit event
//     2   2 subtype         audit event type code (0 for messages)
//     4  32 log_id          SHA-256(origin of this log)
//    36   8 seq             == Merkle leaf index, from 0, no gaps
//    44  32 prev_leaf_hash  leaf_hash of seq-1; 32 zero bytes at seq 0
//    76   8 commit_time_us  UTC microseconds at commit; non-decreasing
//    84  16 record_id       UUIDv7 (the public id of the record)
//   100  32 payload_commit  SHA-256("chainmail/v1/payload\0" || record_type || salt32 || payload)
//
// All integers big-endian. Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "archive/format/bytes.h"
#include "archive/format/status.h"

namespace chainmail {

inline constexpr size_t kLeafSize = 132;
inline constexpr uint8_t kLeafVersion = 1;
inline constexpr size_t kSaltSize = 32;

enum class RecordType : uint8_t { kMessage = 0x01, kAuditEvent = 0x02 };

using RecordIdBytes = std::array<uint8_t, 16>;

struct Leaf {
  uint8_t version = kLeafVersion;
  RecordType record_type = RecordType::kMessage;
  uint16_t subtype = 0;
  Hash32 log_id{};
  uint64_t seq = 0;
  Hash32 prev_leaf_hash{};
  uint64_t commit_time_us = 0;
  RecordIdBytes record_id{};
  Hash32 payload_commit{};

  Bytes Encode() const;  // exactly kLeafSize bytes
  // Strict: wrong size, unknown version or record type is Corruption.
  static Result<Leaf> Decode(std::string_view bytes);
};

// RFC 6962 leaf hash: SHA-256(0x00 || leaf bytes).
Hash32 LeafHash(std::string_view leaf_bytes);
// The log's id: SHA-256(origin), e.g. origin "mail.example.com/chainmail-3f9a1c07/messages".
Hash32 LogIdForOrigin(std::string_view origin);
// SHA-256("chainmail/v1/payload\0" || record_type || salt || payload). salt is 32 bytes.
Hash32 PayloadCommitment(RecordType type, std::string_view salt, std::string_view payload);

}  // namespace chainmail
