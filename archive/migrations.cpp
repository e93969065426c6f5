#include "archive/migrations.h"

namespace chainmail {

int LatestSchemaVersion() { return Migrations().empty() ? 0 : Migrations().back().version; }

Status ApplyMigrations(Database& db) { return ApplyMigrations(db, Migrations()); }

namespace {

// Every reference that does not resolve, as "table row R -> parent"; empty when none.
Result<std::string> BrokenReferences(Database& db) {
  Statement st = db.Prepare("PRAGMA foreign_key_check");
  std::string out;
  int shown = 0;
  while (st.Step()) {
    if (++shown > 5) continue;
    out += (out.empty() ? "" : "; ") + std::string(st.Text(0)) + " row " + std::to_string(st.Int(1)) + " -> " +
           std::string(st.Text(2));
  }
  if (!st.status().ok()) return st.status();
  if (shown > 5) out += "; and " + std::to_string(shown - 5) + " more";
  return out;
}

Status ApplyInTransaction(Database& db, const std::vector<Migration>& migrations) {
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
  auto broken = BrokenReferences(db);
  if (!broken.ok()) return broken.status();
  if (!broken->empty())
    return Status::Corruption("database " + db.path() + ": the migrations would leave references that do not "
                              "resolve (" + *broken + "); nothing was changed");
  if (Status s = db.Exec("PRAGMA user_version=" + std::to_string(latest)); !s.ok()) return s;
  return tx.Commit();
}

}  // namespace

// A migration may rebuild a table others refer to (create the new shape, copy, drop, rename):
// SQLite's documented procedure runs it with foreign key enforcement off, which cannot change
// inside a transaction, and checks every reference before the commit.
Status ApplyMigrations(Database& db, const std::vector<Migration>& migrations) {
  auto enforced = db.QueryInt("PRAGMA foreign_keys");
  if (!enforced.ok()) return enforced.status();
  if (*enforced)
    if (Status s = db.Exec("PRAGMA foreign_keys=OFF"); !s.ok()) return s;
  Status applied = ApplyInTransaction(db, migrations);
  if (*enforced)
    if (Status s = db.Exec("PRAGMA foreign_keys=ON"); !s.ok() && applied.ok()) return s;
  return applied;
}

}  // namespace chainmail
