#include "archive/log_head.h"

#include "archive/format/leaf.h"

namespace chainmail {

Result<LogHead> ReadLogHead(Database& db, LogName log) {
  Statement st = db.Prepare(
      "SELECT seq, leaf, leaf_hash FROM leaves WHERE log = ? ORDER BY seq DESC LIMIT 1");
  st.Bind(1, static_cast<int64_t>(log));
  LogHead head;
  if (!st.Step()) {
    if (!st.status().ok()) return st.status();
    return head;
  }
  auto leaf = Leaf::Decode(st.Blob(1));
  if (!leaf.ok()) return leaf.status();
  head.size = static_cast<uint64_t>(st.Int(0)) + 1;
  head.last_leaf_hash = Hash32FromBytes(st.Blob(2));
  head.last_commit_time_us = leaf->commit_time_us;
  return head;
}

Result<LogIdentity> ReadLogIdentity(Database& db, LogName log) {
  Statement st = db.Prepare("SELECT origin, log_id FROM logs WHERE id = ?");
  st.Bind(1, static_cast<int64_t>(log));
  if (!st.Step()) {
    if (!st.status().ok()) return st.status();
    return Status::NotFound("log " + std::to_string(static_cast<int>(log)) + " is not set up");
  }
  return LogIdentity{std::string(st.Text(0)), Hash32FromBytes(st.Blob(1))};
}

}  // namespace chainmail
