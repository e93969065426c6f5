// Database: a thin RAII wrapper over one SQLite connection, with a prepared-statement
// cache and a small bounded one for statements built per query shape. Statement: a
// cached prepared statement, reset on scope exit.
//
// A Database is used by one thread at a time (the writer owns one; each reader owns one).
// Errors are Status values; SQLITE_FULL maps to kNoSpace, SQLITE_BUSY to kUnavailable.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <list>
#include <unordered_map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "archive/format/status.h"

namespace chainmail {

class Database;

// A prepared statement borrowed from a Database's cache. Bind with 1-based indexes.
class Statement {
 public:
  Statement(Database* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(Statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int i, int64_t v);
  Statement& Bind(int i, std::string_view text);   // TEXT
  Statement& BindBlob(int i, std::string_view b);  // BLOB
  Statement& BindNull(int i);
  Statement& BindDouble(int i, double v);  // REAL (not an overload of Bind: Bind(i, 1) stays unambiguous)

  // Steps once: true when a row is available, false when done; errors in status().
  bool Step();
  // Steps to completion (for statements without rows).
  Status Run();
  const Status& status() const { return status_; }

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double Double(int col) const { return sqlite3_column_double(stmt_, col); }
  std::string_view Text(int col) const;
  std::string_view Blob(int col) const;
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  Database* db_;
  sqlite3_stmt* stmt_;
  Status status_;
};

// Process-wide SQLite settings, applied once before SQLite initializes (every later call
// is a no-op): memory statistics off, since chainmail reads none of them and with them on
// every SQLite allocation in the process takes one global mutex. Database::Open calls it;
// so must anything that initializes SQLite before the first Open.
void ConfigureSqliteOnce();

class Database {
 public:
  enum class Mode { kReadWrite, kReadOnly };
  // Opens (creating when kReadWrite) with WAL, synchronous=FULL (the writer lowers its own
  // to NORMAL and syncs itself: wal_syncer.h), foreign_keys=ON and kDefaultLockWait for a
  // lock another connection holds, so that the daemon and CLI processes share the file.
  static Result<std::unique_ptr<Database>> Open(const std::string& path, Mode mode);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // How long a statement waits for a lock another connection holds before it fails with
  // SQLITE_BUSY (kDefaultLockWait from Open), polled finely; zero: it fails at once.
  static constexpr std::chrono::milliseconds kDefaultLockWait{10000};
  void SetLockWait(std::chrono::milliseconds wait);

  // Runs one or more statements without parameters.
  Status Exec(std::string_view sql);
  // A statement from the cache, keyed by its text (prepared on first use). Throws nothing;
  // a prepare error leaves the statement in an error state reported by Step()/Run().
  // A statement must not be prepared again while a borrowed copy is still in use.
  Statement Prepare(const std::string& sql);
  // A statement whose text is built per query from the filters present (a search): from
  // a least-recently-used cache of its own that holds at most kShapedStatements, since
  // the shapes are many and clients choose them. Same contract as Prepare otherwise;
  // a borrowed statement stays valid until kShapedStatements other shapes are prepared.
  Statement PrepareShaped(const std::string& sql);
  static constexpr size_t kShapedStatements = 32;
  // One integer from a query without parameters, e.g. "PRAGMA user_version".
  Result<int64_t> QueryInt(const char* sql);

  Status StatusFromCode(int rc, std::string_view what) const;
  sqlite3* handle() { return db_; }
  const std::string& path() const { return path_; }
  // The directory of the file, where the derived index files live ("." for a bare name).
  std::string directory() const;

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  static int WaitForLock(void* self, int tries_so_far);  // SQLite's busy handler
  sqlite3* db_;
  std::string path_;
  std::chrono::milliseconds lock_wait_{0};
  std::chrono::steady_clock::time_point lock_wait_began_{};
  std::unordered_map<std::string, sqlite3_stmt*> cache_;  // keyed by SQL text
  // Most recently used first; the map points into the list.
  std::list<std::pair<std::string, sqlite3_stmt*>> shaped_;
  std::unordered_map<std::string_view, std::list<std::pair<std::string, sqlite3_stmt*>>::iterator> shaped_index_;
};

// RAII transaction: BEGIN IMMEDIATE (or DEFERRED for reads); rolls back unless committed.
class Transaction {
 public:
  enum class Kind { kImmediate, kDeferred };
  Transaction(Database& db, Kind kind);
  ~Transaction();
  const Status& status() const { return status_; }
  Status Commit();

 private:
  Database& db_;
  Status status_;
  bool open_ = false;
};

}  // namespace chainmail
