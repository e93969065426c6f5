// Database (archive/database.h): the bounded cache of statements built per query shape,
// and transactions over cached BEGIN/COMMIT/ROLLBACK statements.
#include "archive/database.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/archive/archive_test_util.h"

namespace chainmail::testing {
namespace {

std::unique_ptr<Database> Scratch(const TempDir& dir) {
  auto db = Database::Open(dir.path() + "/scratch.db", Database::Mode::kReadWrite);
  EXPECT_TRUE(db.ok());
  EXPECT_TRUE((*db)->Exec("CREATE TABLE t (x INTEGER)").ok());
  return std::move(*db);
}

int64_t Prepared(Database& db) {  // statements SQLite holds for this connection
  int64_t n = 0;
  for (sqlite3_stmt* st = sqlite3_next_stmt(db.handle(), nullptr); st; st = sqlite3_next_stmt(db.handle(), st)) ++n;
  return n;
}

TEST(Database, ShapedStatementsStayBoundedWhateverShapesClientsTry) {
  TempDir dir;
  auto db = Scratch(dir);
  const int64_t before = Prepared(*db);
  for (int i = 0; i < 500; ++i) {
    Statement st = db->PrepareShaped("SELECT count(*) FROM t WHERE x > ? AND " + std::to_string(i) + " = " +
                                     std::to_string(i));
    ASSERT_TRUE(st.Bind(1, 0).Step()) << i;
    EXPECT_EQ(st.Int(0), 0);
  }
  EXPECT_EQ(Prepared(*db) - before, static_cast<int64_t>(Database::kShapedStatements));
}

TEST(Database, AShapeUsedAgainIsReusedAndKeptWhileOthersComeAndGo) {
  TempDir dir;
  auto db = Scratch(dir);
  const std::string hot = "SELECT count(*) FROM t WHERE x = ?";
  sqlite3_stmt* first = nullptr;
  {
    Statement st = db->PrepareShaped(hot);
    first = sqlite3_next_stmt(db->handle(), nullptr);
  }
  for (int i = 0; i < 100; ++i) {
    { Statement other = db->PrepareShaped("SELECT " + std::to_string(i)); }
    Statement again = db->PrepareShaped(hot);  // most recently used: never the one forgotten
    ASSERT_TRUE(again.Bind(1, 1).Step());
  }
  bool still_there = false;
  for (sqlite3_stmt* st = sqlite3_next_stmt(db->handle(), nullptr); st; st = sqlite3_next_stmt(db->handle(), st))
    still_there = still_there || st == first;
  EXPECT_TRUE(still_there);
}

TEST(Database, ABadShapeFailsItsStepWithoutPoisoningTheCache) {
  TempDir dir;
  auto db = Scratch(dir);
  Statement bad = db->PrepareShaped("SELECT nope FROM nowhere");
  EXPECT_FALSE(bad.Step());
  EXPECT_FALSE(bad.status().ok());
  Statement good = db->PrepareShaped("SELECT 1");
  EXPECT_TRUE(good.Step());
}

TEST(Database, TransactionsCommitOrRollBackThroughCachedStatements) {
  TempDir dir;
  auto db = Scratch(dir);
  {
    Transaction tx(*db, Transaction::Kind::kImmediate);
    ASSERT_TRUE(tx.status().ok());
    ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (1)").ok());
  }  // not committed: rolled back
  EXPECT_EQ(*db->QueryInt("SELECT count(*) FROM t"), 0);
  for (int i = 0; i < 3; ++i) {
    Transaction tx(*db, Transaction::Kind::kImmediate);
    ASSERT_TRUE(tx.status().ok());
    ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (1)").ok());
    ASSERT_TRUE(tx.Commit().ok());
    EXPECT_FALSE(tx.Commit().ok()) << "committed once";
  }
  EXPECT_EQ(*db->QueryInt("SELECT count(*) FROM t"), 3);
  Transaction outer(*db, Transaction::Kind::kDeferred);
  Transaction inner(*db, Transaction::Kind::kDeferred);
  EXPECT_FALSE(inner.status().ok()) << "no nested BEGIN";
  EXPECT_TRUE(outer.Commit().ok());
}

// Another connection's write lock: waited for while it is held, taken once it is released.
TEST(Database, AWriteLockHeldElsewhereIsWaitedForThenTaken) {
  TempDir dir;
  auto holder = Scratch(dir);
  auto waiter = Database::Open(dir.path() + "/scratch.db", Database::Mode::kReadWrite);
  ASSERT_TRUE(waiter.ok());
  auto held = std::make_unique<Transaction>(*holder, Transaction::Kind::kImmediate);
  ASSERT_TRUE(held->status().ok());
  const auto start = std::chrono::steady_clock::now();
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    EXPECT_TRUE(held->Commit().ok());
  });
  Transaction tx(**waiter, Transaction::Kind::kImmediate);
  release.join();
  EXPECT_TRUE(tx.status().ok()) << tx.status().message();
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(60));
}

TEST(Database, ALockWaitEndsInBusyAfterItsTimeAndZeroMeansAtOnce) {
  TempDir dir;
  auto holder = Scratch(dir);
  auto waiter = Database::Open(dir.path() + "/scratch.db", Database::Mode::kReadWrite);
  ASSERT_TRUE(waiter.ok());
  Transaction held(*holder, Transaction::Kind::kImmediate);
  ASSERT_TRUE(held.status().ok());
  for (const auto wait : {std::chrono::milliseconds(0), std::chrono::milliseconds(80)}) {
    (*waiter)->SetLockWait(wait);
    const auto start = std::chrono::steady_clock::now();
    Transaction tx(**waiter, Transaction::Kind::kImmediate);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(tx.status().code(), Status::Code::kUnavailable) << tx.status().message();
    EXPECT_GE(took, wait);
    if (wait.count() == 0) {
      EXPECT_LT(took, std::chrono::milliseconds(50)) << "no wait means none";
    }
  }
}

TEST(Database, DirectoryIsWhereTheFileIs) {
  TempDir dir;
  auto db = Scratch(dir);
  EXPECT_EQ(db->directory(), dir.path());
}

}  // namespace
}  // namespace chainmail::testing
