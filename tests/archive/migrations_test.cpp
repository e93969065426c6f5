#include "archive/migrations.h"

#include <gtest/gtest.h>

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
