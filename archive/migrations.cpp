#include "archive/migrations.h"

#include <map>
#include <string>

namespace chainmail {

int LatestSchemaVersion() { return Migrations().empty() ? 0 : Migrations().back().version; }

Status ApplyMigrations(Database& db) { return ApplyMigrations(db, Migrations()); }

namespace {

// The references that do not resolve, counted by (child table, parent table, foreign key).
// A WITHOUT ROWID child has no rowid to name its rows by, so they are counted, not listed.
Result<std::map<std::string, int64_t>> BrokenReferences(Database& db) {
  Statement st = db.Prepare("PRAGMA foreign_key_check");
  std::map<std::string, int64_t> out;
  while (st.Step())
    ++out[std::string(st.Text(0)) + " -> " + std::string(st.Text(2)) + " (foreign key " + std::to_string(st.Int(3)) + ")"];
  if (!st.status().ok()) return st.status();
  return out;
}

// What the migrations broke: references unresolved after them beyond those before (an
// archive damaged beforehand still migrates; verify reports its damage).
std::string NewlyBroken(const std::map<std::string, int64_t>& before, const std::map<std::string, int64_t>& after) {
  std::string out;
  for (const auto& [what, count] : after) {
    auto it = before.find(what);
    const int64_t added = count - (it == before.end() ? 0 : it->second);
    if (added > 0) out += (out.empty() ? "" : "; ") + std::to_string(added) + " in " + what;
  }
  return out;
}

Status RunSql(Database& db, const std::vector<Migration>& migrations, int64_t current) {
  for (const Migration& m : migrations) {
    if (m.version <= current) continue;
    if (Status s = db.Exec(m.sql); !s.ok())
      return Status::IoError(std::string("migration ") + m.name + " failed: " + s.message());
  }
  return Status::Ok();
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
  if (Status s = db.Exec("SAVEPOINT migrations"); !s.ok()) return s;
  if (Status s = RunSql(db, migrations, *current); !s.ok()) return s;
  // One scan of every reference (about 20 s at 1,000,000 messages) where all resolve. Where
  // some do not, the migrations are undone to count what was broken before them, and
  // applied again unless they broke more themselves.
  auto after = BrokenReferences(db);
  if (!after.ok()) return after.status();
  if (!after->empty()) {
    if (Status s = db.Exec("ROLLBACK TO migrations"); !s.ok()) return s;
    auto before = BrokenReferences(db);
    if (!before.ok()) return before.status();
    if (std::string broken = NewlyBroken(*before, *after); !broken.empty())
      return Status::Corruption("database " + db.path() + ": the migrations would leave references that do not "
                                "resolve (" + broken + "); nothing was changed");
    if (Status s = RunSql(db, migrations, *current); !s.ok()) return s;
  }
  if (Status s = db.Exec("RELEASE migrations; PRAGMA user_version=" + std::to_string(latest)); !s.ok()) return s;
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
