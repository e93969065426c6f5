#include "archive/wal_write_gather.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "tests/archive/archive_test_util.h"

namespace chainmail::testing {
namespace {

// A raw connection through the default VFS (the gathering one once installed).
class Connection {
 public:
  explicit Connection(const std::string& path) {
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
              SQLITE_OK);
  }
  ~Connection() { sqlite3_close(db_); }
  int TryExec(const std::string& sql) { return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr); }
  void Exec(const std::string& sql) {
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << sql << ": " << (error ? error : "");
    sqlite3_free(error);
  }
  std::string Text(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
    std::string out;
    if (st != nullptr && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != nullptr)
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
  }
  sqlite3* handle() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

class WalWriteGather : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InstallWalWriteGather().ok()); }
  TempDir dir_;
  std::string path_ = dir_.path() + "/gather.db";
};

TEST_F(WalWriteGather, IsTheDefaultVfsAndWrapsEveryConnection) {
  EXPECT_STREQ(sqlite3_vfs_find(nullptr)->zName, kWalWriteGatherVfs);
  ASSERT_TRUE(InstallWalWriteGather().ok());  // idempotent
  Connection c(path_);
  const char* name = nullptr;
  ASSERT_EQ(sqlite3_file_control(c.handle(), "main", SQLITE_FCNTL_VFSNAME, &name), SQLITE_OK);
  ASSERT_NE(name, nullptr);
  sqlite3_free(const_cast<char*>(name));
}

// synchronous=NORMAL never syncs the WAL at commit: the frames must still reach the file
// before the commit is published to other connections (the shared-memory barrier).
TEST_F(WalWriteGather, CommitWithoutSyncIsVisibleToAnotherConnectionAtOnce) {
  Connection writer(path_);
  writer.Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT)");
  Connection reader(path_);
  for (int round = 0; round < 50; ++round) {
    writer.Exec("BEGIN; INSERT INTO t(v) VALUES (hex(randomblob(3000))); INSERT INTO t(v) VALUES ('r" +
                std::to_string(round) + "'); COMMIT");
    EXPECT_EQ(reader.Text("SELECT v FROM t ORDER BY k DESC LIMIT 1"), "r" + std::to_string(round));
    EXPECT_EQ(reader.Text("SELECT count(*) FROM t"), std::to_string(2 * (round + 1)));
  }
  EXPECT_EQ(reader.Text("PRAGMA integrity_check"), "ok");
}

// One commit far larger than both a single write to the unix VFS (0x1ffff bytes at most)
// and the gathering bound: split runs must land at the right offsets.
TEST_F(WalWriteGather, CommitOfManyMegabytesReadsBackExactly) {
  {
    Connection writer(path_);
    writer.Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB)");
    writer.Exec("BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
                "INSERT INTO t(k, v) SELECT i, randomblob(3100) FROM n; COMMIT");
    writer.Exec("CREATE TABLE sums AS SELECT sum(length(v)) AS bytes, count(*) AS n FROM t");
  }
  Connection fresh(path_);  // recovers the WAL from the file alone
  EXPECT_EQ(fresh.Text("SELECT n FROM sums"), "3000");
  EXPECT_EQ(fresh.Text("SELECT bytes FROM sums"), std::to_string(3000 * 3100));
  EXPECT_EQ(fresh.Text("PRAGMA integrity_check"), "ok");
}

// A cache too small for the transaction spills pages into the WAL before the commit and
// reads them back: each read must see the gathered writes.
TEST_F(WalWriteGather, SpilledPagesReadBackInsideTheTransaction) {
  Connection writer(path_);
  writer.Exec("PRAGMA journal_mode=WAL; PRAGMA cache_size=10; CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT)");
  writer.Exec("BEGIN");
  for (int i = 0; i < 2000; ++i)
    writer.Exec("INSERT INTO t(k, v) VALUES (" + std::to_string(i) + ", printf('%0500d', " + std::to_string(i) + "))");
  EXPECT_EQ(writer.Text("SELECT sum(CAST(v AS INTEGER)) FROM t"), std::to_string(1999 * 2000 / 2));
  writer.Exec("COMMIT");
  Connection reader(path_);
  EXPECT_EQ(reader.Text("SELECT count(*) FROM t"), "2000");
  EXPECT_EQ(reader.Text("PRAGMA integrity_check"), "ok");
}

// After a checkpoint the WAL restarts from its first byte; later commits overwrite it.
TEST_F(WalWriteGather, WalRestartAfterCheckpointKeepsEveryCommit) {
  Connection writer(path_);
  writer.Exec("PRAGMA journal_mode=WAL; PRAGMA journal_size_limit=0; CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT)");
  Connection reader(path_);
  for (int round = 0; round < 20; ++round) {
    writer.Exec("INSERT INTO t(v) VALUES (hex(randomblob(2000)))");
    if (round % 5 == 4) writer.Exec(round % 10 == 4 ? "PRAGMA wal_checkpoint(TRUNCATE)" : "PRAGMA wal_checkpoint(RESTART)");
    EXPECT_EQ(reader.Text("SELECT count(*) FROM t"), std::to_string(round + 1));
  }
  EXPECT_EQ(reader.Text("PRAGMA integrity_check"), "ok");
}


std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// What a crash right after COMMIT returns leaves: the files as the kernel has them. A
// copy of them taken then holds the commit (synchronous=NORMAL: no sync, no barrier help).
TEST_F(WalWriteGather, EveryFrameIsInTheFileWhenCommitReturns) {
  Connection writer(path_);
  writer.Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0; "
              "CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB)");
  for (int round = 1; round <= 5; ++round) {
    writer.Exec("BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40) "
                "INSERT INTO t(v) SELECT randomblob(3000) FROM n; COMMIT");
    const std::string copy = dir_.path() + "/copy" + std::to_string(round) + ".db";
    WriteFile(copy, ReadFile(path_));
    WriteFile(copy + "-wal", ReadFile(path_ + "-wal"));
    Connection recovered(copy);
    EXPECT_EQ(recovered.Text("SELECT count(*) FROM t"), std::to_string(40 * round));
    EXPECT_EQ(recovered.Text("PRAGMA integrity_check"), "ok");
  }
}

// Write failures are real here: the process may not grow a file past RLIMIT_FSIZE (EFBIG;
// SIGXFSZ ignored). The limit is put back after each test.
class WalWriteFailure : public WalWriteGather {
 protected:
  void SetUp() override {
    WalWriteGather::SetUp();
    ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved_), 0);
    old_handler_ = signal(SIGXFSZ, SIG_IGN);
  }
  void TearDown() override {
    setrlimit(RLIMIT_FSIZE, &saved_);
    signal(SIGXFSZ, old_handler_);
  }
  // Files may grow to `extra` bytes past the WAL's current size.
  void LimitGrowth(off_t extra) {
    struct stat st {};
    ASSERT_EQ(stat((path_ + "-wal").c_str(), &st), 0);
    rlimit limit = saved_;
    limit.rlim_cur = static_cast<rlim_t>(st.st_size + extra);
    ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &limit), 0);
  }
  void Unlimit() { ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &saved_), 0); }

  rlimit saved_{};
  sighandler_t old_handler_ = SIG_DFL;
};

constexpr char kBigInsert[] =
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) "
    "INSERT INTO t(v) SELECT randomblob(3000) FROM n";

// The frames of a commit are gathered; the write that fails is the run's, at the commit
// frame. COMMIT must report it, and the transaction must be gone, as without gathering.
TEST_F(WalWriteFailure, CommitWhoseFramesCannotBeWrittenFailsAndLeavesNothing) {
  Connection writer(path_);
  writer.Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0; "
              "CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB); INSERT INTO t(v) VALUES ('before')");
  LimitGrowth(64 * 1024);
  writer.Exec("BEGIN");
  writer.Exec(kBigInsert);
  EXPECT_NE(writer.TryExec("COMMIT"), SQLITE_OK);
  (void)writer.TryExec("ROLLBACK");
  Unlimit();
  // The connection works again once the failed transaction has ended.
  writer.Exec("INSERT INTO t(v) VALUES ('after')");
  EXPECT_EQ(writer.Text("SELECT group_concat(v, ',') FROM t"), "before,after");
  Connection fresh(path_);
  EXPECT_EQ(fresh.Text("SELECT group_concat(v, ',') FROM t"), "before,after");
  EXPECT_EQ(fresh.Text("PRAGMA integrity_check"), "ok");
}

// A cache too small for the transaction spills frames before the commit; when their write
// fails in a call that gathered them, nothing of that transaction may ever commit.
TEST_F(WalWriteFailure, TransactionWhoseSpilledFramesWereLostNeverCommits) {
  Connection writer(path_);
  writer.Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0; "
              "PRAGMA cache_size=10; CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB); "
              "INSERT INTO t(v) VALUES ('before')");
  LimitGrowth(16 * 1024);
  writer.Exec("BEGIN");
  int failures = 0;
  for (int i = 0; i < 20; ++i) failures += writer.TryExec(kBigInsert) != SQLITE_OK;
  Unlimit();
  const int commit = writer.TryExec("COMMIT");
  EXPECT_TRUE(failures > 0 || commit != SQLITE_OK);
  if (commit != SQLITE_OK) (void)writer.TryExec("ROLLBACK");
  Connection fresh(path_);
  EXPECT_EQ(fresh.Text("PRAGMA integrity_check"), "ok");
  const std::string rows = fresh.Text("SELECT count(*) FROM t");
  // Either SQLite gave up the whole transaction, or (a statement failed and was undone)
  // it committed only statements whose frames all reached the file: whole inserts.
  EXPECT_EQ((std::stoi(rows) - 1) % 100, 0) << rows;
  writer.Exec("INSERT INTO t(v) VALUES ('after')");
  EXPECT_EQ(fresh.Text("SELECT v FROM t ORDER BY k DESC LIMIT 1"), "after");
}

}  // namespace
}  // namespace chainmail::testing
