// The logs of a deployment and how to read a log's head. The head is always read inside
// the writing transaction, never cached across transactions: another process (the CLI)
// may have appended since.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "archive/database.h"
#include "archive/format/bytes.h"

namespace chainmail {

enum class LogName : int { kMessages = 1, kAudit = 2 };

struct LogHead {
  uint64_t size = 0;             // number of leaves; the next seq
  Hash32 last_leaf_hash{};       // zeros for an empty log
  uint64_t last_commit_time_us = 0;
};

Result<LogHead> ReadLogHead(Database& db, LogName log);
// log_id (SHA-256 of the origin) and origin of a log, from the logs table.
struct LogIdentity {
  std::string origin;
  Hash32 log_id{};
};
Result<LogIdentity> ReadLogIdentity(Database& db, LogName log);

}  // namespace chainmail
