// RecordId: a UUIDv7 (RFC 9562), the public id of every record, the same in SMTP replies,
// REST, the CLI and exports. Generation is thread-safe and monotonic within a process.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "archive/format/leaf.h"

namespace chainmail {

class RecordId {
 public:
  RecordId() = default;
  explicit RecordId(const RecordIdBytes& b) : bytes_(b) {}

  // A new UUIDv7 for `unix_ms` (milliseconds since the epoch) with random low bits.
  static RecordId Generate();
  // Canonical 8-4-4-4-12 lower-case form, or 32 hex digits. Anything else is nullopt.
  static std::optional<RecordId> Parse(std::string_view text);
  static RecordId FromBytes(std::string_view b);  // b.size() must be 16

  std::string ToString() const;  // 8-4-4-4-12, lower case
  std::string_view AsBytes() const {
    return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
  }
  const RecordIdBytes& bytes() const { return bytes_; }
  bool operator==(const RecordId& o) const { return bytes_ == o.bytes_; }

 private:
  RecordIdBytes bytes_{};
};

}  // namespace chainmail
