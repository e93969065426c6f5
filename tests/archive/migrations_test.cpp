#include "archive/migrations.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "archive/archive.h"
#include "archive/archive_verifier.h"
#include "tests/archive/archive_test_util.h"

namespace chainmail::testing {
namespace {

// The migrations up to `version`, not including it: the schema an older release left.
std::vector<Migration> MigrationsBefore(int version) {
  std::vector<Migration> out;
  for (const Migration& m : Migrations())
    if (m.version < version) out.push_back(m);
  return out;
}

TEST(Migrations, FreshDatabaseReachesTheLatestVersion) {
  TempDir dir;
  auto a = OpenArchive(dir.path());
  auto db = OpenDb(dir.path());
  EXPECT_EQ(*db->QueryInt("PRAGMA user_version"), LatestSchemaVersion());
  EXPECT_GE(LatestSchemaVersion(), 1);
}

TEST(Migrations, ApplyingTwiceIsHarmless) {
  TempDir dir;
  auto db = OpenDb(dir.path());
  ASSERT_TRUE(ApplyMigrations(*db).ok());
  ASSERT_TRUE(ApplyMigrations(*db).ok());
}

TEST(Migrations, NewerDatabaseIsRefusedWithAClearMessage) {
  TempDir dir;
  {
    auto db = OpenDb(dir.path());
    ASSERT_TRUE(db->Exec("PRAGMA user_version = 9999").ok());
  }
  ArchiveOptions o;
  o.data_dir = dir.path();
  auto a = Archive::Open(o);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("newer than this chainmail"), std::string::npos) << a.status().message();
}

// 007 re-keys tree_nodes by the last leaf each subtree covers: every node of an archive
// from before keeps its level, index and hash, and the tree still verifies.
TEST(Migrations, TreeNodesKeepEveryNodeWhenReKeyed) {
  TempDir made, old;
  {
    auto a = OpenArchive(made.path());
    for (int i = 0; i < 13; ++i) Ingest(*a, SampleMessage(i));
  }
  auto nodes_of = [](Database& db) {
    std::vector<std::tuple<int64_t, int64_t, int64_t, std::string>> out;
    Statement st = db.Prepare("SELECT log, level, idx, hash FROM tree_nodes ORDER BY log, level, idx");
    while (st.Step()) out.emplace_back(st.Int(0), st.Int(1), st.Int(2), std::string(st.Blob(3)));
    return out;
  };
  auto made_db = OpenDb(made.path());
  const auto nodes = nodes_of(*made_db);
  ASSERT_GE(nodes.size(), 13u + 6 + 3 + 1);  // the messages log's 13 leaves and the subtrees above them

  auto db = OpenDb(old.path());
  ASSERT_TRUE(ApplyMigrations(*db, MigrationsBefore(7)).ok());
  ASSERT_TRUE(db->Exec("PRAGMA foreign_keys = OFF").ok());
  {  // the logs the nodes belong to
    Statement logs = made_db->Prepare("SELECT id, name, origin, log_id FROM logs");
    while (logs.Step()) {
      Statement st = db->Prepare("INSERT INTO logs(id, name, origin, log_id) VALUES (?, ?, ?, ?)");
      ASSERT_TRUE(st.Bind(1, logs.Int(0)).Bind(2, logs.Text(1)).Bind(3, logs.Text(2)).BindBlob(4, logs.Blob(3)).Run().ok());
    }
  }
  for (const auto& [log, level, idx, hash] : nodes) {
    Statement st = db->Prepare("INSERT INTO tree_nodes(log, level, idx, hash) VALUES (?, ?, ?, ?)");
    ASSERT_TRUE(st.Bind(1, log).Bind(2, level).Bind(3, idx).BindBlob(4, hash).Run().ok());
  }
  ASSERT_TRUE(ApplyMigrations(*db).ok());
  EXPECT_EQ(nodes_of(*db), nodes);
  auto misplaced = db->QueryInt("SELECT count(*) FROM tree_nodes WHERE last_leaf != ((idx + 1) << level) - 1");
  ASSERT_TRUE(misplaced.ok());
  EXPECT_EQ(*misplaced, 0);
  // The triggers came back with the table.
  EXPECT_FALSE(db->Exec("DELETE FROM tree_nodes").ok());
  EXPECT_FALSE(db->Exec("UPDATE tree_nodes SET hash = zeroblob(32)").ok());
}

// Rows 002 allowed but no log can have (level 63, an index past 2^63 leaves): 007 keeps
// them aside as found, re-keys the rest, and the upgrade goes through.
TEST(Migrations, TreeNodesNoLogCanHaveAreKeptAsideAtTheUpgrade) {
  TempDir dir;
  auto db = OpenDb(dir.path());
  ASSERT_TRUE(ApplyMigrations(*db, MigrationsBefore(7)).ok());
  ASSERT_TRUE(db->Exec("PRAGMA foreign_keys = OFF").ok());
  ASSERT_TRUE(db->Exec("INSERT INTO tree_nodes(log, level, idx, hash) VALUES "
                       "(1, 0, 0, zeroblob(32)), (1, 0, 1, zeroblob(32)), (1, 1, 0, zeroblob(32)), "
                       "(1, 63, 0, zeroblob(32)), (1, 1, 4611686018427387903, zeroblob(32)), "
                       "(2, 62, 0, zeroblob(32)), (2, 0, 9223372036854775807, zeroblob(32))")
                  .ok());
  ASSERT_TRUE(ApplyMigrations(*db).ok());
  auto kept = db->QueryInt("SELECT count(*) FROM tree_nodes");
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(*kept, 4);  // the three of a two-leaf tree, and level 62 (leaves 0 .. 2^62 - 1)
  std::vector<std::tuple<int64_t, int64_t, int64_t>> aside;
  Statement st = db->Prepare("SELECT log, level, idx FROM tree_nodes_unmapped ORDER BY log, level");
  while (st.Step()) aside.emplace_back(st.Int(0), st.Int(1), st.Int(2));
  EXPECT_EQ(aside, (std::vector<std::tuple<int64_t, int64_t, int64_t>>{
                       {1, 1, 4611686018427387903}, {1, 63, 0}, {2, 0, 9223372036854775807}}));
  EXPECT_FALSE(db->Exec("DELETE FROM tree_nodes_unmapped").ok());
}

// 008 rebuilds `messages` as a rowid table keyed by seq: an archive with the layout of
// before keeps every row as it was, its references (addresses, labels) and its triggers,
// and verifies.
TEST(Migrations, MessagesKeepEveryRowWhenKeyedBySeq) {
  TempDir dir;
  {
    auto a = OpenArchive(dir.path());
    for (int i = 0; i < 9; ++i) Ingest(*a, SampleMessage(i));
  }
  auto rows_of = [](Database& db) {
    std::vector<std::string> out;
    Statement st = db.Prepare(
        "SELECT quote(record_id), quote(seq), quote(received_us), quote(source), quote(mail_from), "
        "quote(client_address), quote(tls_protocol), quote(raw_sha256), quote(raw_length), quote(flags), "
        "quote(message_id), quote(date_header), quote(date_us), quote(from_header), quote(sender_header), "
        "quote(to_header), quote(cc_header), quote(subject) FROM messages ORDER BY seq");
    while (st.Step()) {
      std::string row;
      for (int c = 0; c < 18; ++c) row += std::string(st.Text(c)) + "|";
      out.push_back(row);
    }
    return out;
  };
  std::vector<std::string> before;
  {  // back to the layout of schema 007: WITHOUT ROWID, keyed by record_id
    auto db = OpenDb(dir.path());
    ASSERT_TRUE(db->Exec("PRAGMA foreign_keys = OFF").ok());
    ASSERT_TRUE(db->Exec(
        "BEGIN; DROP TRIGGER messages_append_only_u; DROP TRIGGER messages_append_only_d;"
        "CREATE TABLE old_messages (record_id BLOB PRIMARY KEY CHECK (length(record_id) = 16), seq INTEGER NOT NULL "
        "UNIQUE, received_us INTEGER NOT NULL, source INTEGER NOT NULL, mail_from TEXT NOT NULL COLLATE NOCASE, "
        "client_address TEXT NOT NULL, tls_protocol TEXT NOT NULL, raw_sha256 BLOB NOT NULL REFERENCES blobs(sha256), "
        "raw_length INTEGER NOT NULL, flags INTEGER NOT NULL, message_id TEXT NOT NULL, date_header TEXT NOT NULL, "
        "date_us INTEGER, from_header TEXT NOT NULL, sender_header TEXT NOT NULL, to_header TEXT NOT NULL, "
        "cc_header TEXT NOT NULL, subject TEXT NOT NULL) STRICT, WITHOUT ROWID;"
        "INSERT INTO old_messages SELECT * FROM messages; DROP TABLE messages;"
        "ALTER TABLE old_messages RENAME TO messages;"
        "CREATE INDEX messages_by_message_id ON messages(message_id);"
        "CREATE INDEX messages_by_received_seq ON messages(received_us, seq);"
        "CREATE INDEX messages_by_mail_from_received ON messages(mail_from, received_us, seq);"
        "CREATE INDEX messages_by_date ON messages(date_us); CREATE INDEX messages_by_size ON messages(raw_length);"
        "CREATE TRIGGER messages_append_only_u BEFORE UPDATE ON messages BEGIN SELECT RAISE(ABORT, 'no'); END;"
        "CREATE TRIGGER messages_append_only_d BEFORE DELETE ON messages BEGIN SELECT RAISE(ABORT, 'no'); END;"
        "PRAGMA user_version = 7; COMMIT;").ok());
    before = rows_of(*db);
    ASSERT_EQ(before.size(), 9u);
  }
  {
    auto a = OpenArchive(dir.path());  // migrates
    Ingest(*a, SampleMessage(99));
  }
  auto db = OpenDb(dir.path());
  EXPECT_EQ(*db->QueryInt("PRAGMA user_version"), LatestSchemaVersion());
  auto after = rows_of(*db);
  ASSERT_EQ(after.size(), 10u);
  after.pop_back();
  EXPECT_EQ(after, before);
  auto without_rowid = db->QueryInt("SELECT count(*) FROM sqlite_schema WHERE name = 'messages' AND sql LIKE '%WITHOUT ROWID%'");
  EXPECT_EQ(*without_rowid, 0);
  auto broken = db->QueryInt("SELECT count(*) FROM pragma_foreign_key_check");
  EXPECT_EQ(*broken, 0);
  EXPECT_FALSE(db->Exec("DELETE FROM messages WHERE seq = 0").ok());
  EXPECT_FALSE(db->Exec("UPDATE messages SET subject = 'x' WHERE seq = 0").ok());
  auto report = VerifyArchive(dir.path(), {});
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(report->problems.empty()) << report->problems.front().what;
}

// A migration that would leave a reference unresolved (foreign keys are not enforced while
// migrations run) is refused whole: nothing of it stays.
TEST(Migrations, OneThatBreaksAReferenceIsRefusedWhole) {
  TempDir dir;
  auto db = OpenDb(dir.path());
  ASSERT_TRUE(ApplyMigrations(*db).ok());
  std::vector<Migration> with_broken = Migrations();
  with_broken.push_back({LatestSchemaVersion() + 1, "999_broken",
                         "CREATE TABLE added (x INTEGER);"
                         "INSERT INTO tree_nodes(log, last_leaf, level, hash) VALUES (77, 0, 0, zeroblob(32));"});
  Status s = ApplyMigrations(*db, with_broken);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("1 in tree_nodes -> logs"), std::string::npos) << s.message();
  EXPECT_EQ(*db->QueryInt("PRAGMA user_version"), LatestSchemaVersion());
  EXPECT_EQ(*db->QueryInt("SELECT count(*) FROM sqlite_schema WHERE name = 'added'"), 0);
  EXPECT_EQ(*db->QueryInt("SELECT count(*) FROM tree_nodes"), 0);
  EXPECT_EQ(*db->QueryInt("PRAGMA foreign_keys"), 1);  // enforced again afterwards
}

// Damage from before (here a reference already broken) is verify's to report: it does not
// stop the migrations, which are refused only for what they would break themselves.
TEST(Migrations, ReferencesBrokenBeforeDoNotStopThem) {
  TempDir dir;
  auto db = OpenDb(dir.path());
  std::vector<Migration> first = Migrations();
  first.pop_back();
  ASSERT_TRUE(ApplyMigrations(*db, first).ok());
  ASSERT_TRUE(db->Exec("PRAGMA foreign_keys = OFF").ok());
  ASSERT_TRUE(db->Exec("INSERT INTO tree_nodes(log, last_leaf, level, hash) VALUES (77, 0, 0, zeroblob(32))").ok());
  ASSERT_TRUE(db->Exec("PRAGMA foreign_keys = ON").ok());
  ASSERT_TRUE(ApplyMigrations(*db).ok());
  EXPECT_EQ(*db->QueryInt("PRAGMA user_version"), LatestSchemaVersion());
}

TEST(Migrations, VerifyNamesAnArchiveOfAnotherSchemaVersion) {
  TempDir dir;
  {
    auto a = OpenArchive(dir.path());
    Ingest(*a, SampleMessage(1));
  }
  ASSERT_TRUE(OpenDb(dir.path())->Exec("PRAGMA user_version = 7").ok());
  auto report = VerifyArchive(dir.path(), {});
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("has schema version 7"), std::string::npos) << report.status().message();
  EXPECT_NE(report.status().message().find("migrates the archive"), std::string::npos) << report.status().message();
}

TEST(Migrations, DatabaseIsWalWithFullSync) {
  TempDir dir;
  auto a = OpenArchive(dir.path());
  auto db = OpenDb(dir.path());
  Statement st = db->Prepare("PRAGMA journal_mode");
  ASSERT_TRUE(st.Step());
  EXPECT_EQ(st.Text(0), "wal");
  EXPECT_EQ(*db->QueryInt("PRAGMA synchronous"), 2);  // FULL
}

}  // namespace
}  // namespace chainmail::testing
