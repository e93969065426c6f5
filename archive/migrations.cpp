#include "archive/migrations.h"

namespace chainmail {

int LatestSchemaVersion() { return Migrations().empty() ? 0 : Migrations().back().version; }

Status ApplyMigrations(Database& db) { return ApplyMigrations(db, Migrations()); }

Status ApplyMigrations(Database& db, const std::vector<Migration>& migrations) {
  Transaction tx(db, Transaction::Kind::kImmediate);
  if (!tx.status().ok()) return tx.status();
  auto current = db.QueryInt("PRAGMA user_version");
  if (!current.ok()) return current.status();
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  if (*current > latest)
    return Status::InvalidArgument(
        "database " + db.path() + " has schema version " + std::to_string(*current) +
        ", newer than this chainmail (" + std::to_string(latest) +
        "); refusing to open it. Run the chainmail release that created it.");
  if (*current == latest) return Status::Ok();
  for (const Migration& m : migrations) {
    if (m.version <= *current) continue;
    if (Status s = db.Exec(m.sql); !s.ok())
      return Status::IoError(std::string("migration ") + m.name + " failed: " + s.message());
  }
  if (Status s = db.Exec("PRAGMA user_version=" + std::to_string(latest)); !s.ok()) return s;
  return tx.Commit();
}

}  // namespace chainmail
