#include "archive/migrations.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "archive/archive.h"
#include "tests/archive/archive_test_util.h"

namespace chainmail::testing {
namespace {

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
  std::vector<Migration> before;
  for (const Migration& m : Migrations())
    if (m.version < 7) before.push_back(m);
  ASSERT_TRUE(ApplyMigrations(*db, before).ok());
  ASSERT_TRUE(db->Exec("PRAGMA foreign_keys = OFF").ok());
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
