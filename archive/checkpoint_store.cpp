#include "archive/checkpoint_store.h"

#include "archive/format/checkpoint.h"

namespace chainmail {
namespace {

StoredCheckpoint FromRow(Statement& st, LogName log) {
  return StoredCheckpoint{log, static_cast<uint64_t>(st.Int(0)), Hash32FromBytes(st.Blob(1)),
                          std::string(st.Text(2)), st.Int(3)};
}

}  // namespace

Result<std::string> SignCheckpointNote(const NoteSigner& signer, const std::string& origin, uint64_t size,
                                       const Hash32& root) {
  Result<std::string> body = SignableBody(Checkpoint{origin, size, root, {}});
  if (!body.ok()) return body.status();
  return signer(*body, origin);
}

Status StoreCheckpoint(Database& db, const StoredCheckpoint& c) {
  Statement st = db.Prepare(
      "INSERT OR IGNORE INTO checkpoints(log, size, root, note, signed_us) VALUES (?, ?, ?, ?, ?)");
  return st.Bind(1, static_cast<int64_t>(c.log)).Bind(2, static_cast<int64_t>(c.size))
      .BindBlob(3, AsView(c.root)).Bind(4, c.note).Bind(5, c.signed_us).Run();
}

Result<std::vector<StoredCheckpoint>> ListCheckpoints(Database& db, LogName log) {
  Statement st = db.Prepare("SELECT size, root, note, signed_us FROM checkpoints WHERE log = ? ORDER BY size");
  st.Bind(1, static_cast<int64_t>(log));
  std::vector<StoredCheckpoint> out;
  while (st.Step()) out.push_back(FromRow(st, log));
  if (!st.status().ok()) return st.status();
  return out;
}

Result<std::optional<StoredCheckpoint>> LatestCheckpoint(Database& db, LogName log) {
  Statement st = db.Prepare(
      "SELECT size, root, note, signed_us FROM checkpoints WHERE log = ? ORDER BY size DESC LIMIT 1");
  st.Bind(1, static_cast<int64_t>(log));
  if (st.Step()) return std::optional<StoredCheckpoint>(FromRow(st, log));
  if (!st.status().ok()) return st.status();
  return std::optional<StoredCheckpoint>();
}

Result<uint64_t> ThinCheckpoints(Database& db, int64_t now_us, uint32_t keep_days) {
  const int64_t cutoff = now_us - static_cast<int64_t>(keep_days) * 86400LL * 1000000LL;
  const int64_t hour = 3600LL * 1000000LL;
  Statement st = db.Prepare(
      "DELETE FROM checkpoints WHERE signed_us < ? AND size NOT IN ("
      "  SELECT max(size) FROM checkpoints c2 WHERE c2.log = checkpoints.log AND c2.signed_us < ? "
      "  GROUP BY c2.signed_us / ?)");
  Status s = st.Bind(1, cutoff).Bind(2, cutoff).Bind(3, hour).Run();
  if (!s.ok()) return s;
  return static_cast<uint64_t>(sqlite3_changes(db.handle()));
}

}  // namespace chainmail
