#include "archive/database.h"

#include <chrono>
#include <mutex>
#include <thread>

namespace chainmail {
namespace {

// SQLite's own busy timeout sleeps 1, 2, 5, 10 ms... between tries for a lock another
// connection holds: the writer, meeting the checkpointer's one-row transaction (well under
// a millisecond), lost at least a millisecond, and every commit waiting behind it with
// it. Here the first tries come 100 us apart, then one every millisecond.
constexpr int kQuickTries = 20;
constexpr auto kQuickWait = std::chrono::microseconds(100);
constexpr auto kSlowWait = std::chrono::microseconds(1000);

}  // namespace

Statement::~Statement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Statement& Statement::Bind(int i, int64_t v) {
  if (stmt_) sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Statement& Statement::Bind(int i, std::string_view text) {
  if (stmt_) sqlite3_bind_text64(stmt_, i, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}
Statement& Statement::BindBlob(int i, std::string_view b) {
  // An empty blob must still be a BLOB, not NULL: pass a non-null pointer.
  if (stmt_) sqlite3_bind_blob64(stmt_, i, b.empty() ? "" : b.data(), b.size(), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::BindNull(int i) {
  if (stmt_) sqlite3_bind_null(stmt_, i);
  return *this;
}
Statement& Statement::BindDouble(int i, double v) {
  if (stmt_) sqlite3_bind_double(stmt_, i, v);
  return *this;
}

bool Statement::Step() {
  if (stmt_ == nullptr) {
    if (status_.ok()) status_ = Status::IoError("statement failed to prepare");
    return false;
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) status_ = db_->StatusFromCode(rc, "step");
  return false;
}

Status Statement::Run() {
  while (Step()) {
  }
  return status_;
}

std::string_view Statement::Text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string_view(p, sqlite3_column_bytes(stmt_, col)) : std::string_view();
}

std::string_view Statement::Blob(int col) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
  return p ? std::string_view(p, sqlite3_column_bytes(stmt_, col)) : std::string_view();
}

void ConfigureSqliteOnce() {
  static std::once_flag once;
  // SQLITE_MISUSE if SQLite was initialized already (by code that did not call this):
  // the statistics then stay on, which costs speed only.
  std::call_once(once, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& path, Mode mode) {
  ConfigureSqliteOnce();
  sqlite3* raw = nullptr;
  int flags = mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY
                                      : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  flags |= SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close(raw);
    return Status::IoError("cannot open database " + path + ": " + msg);
  }
  std::unique_ptr<Database> db(new Database(raw, path));
  db->SetLockWait(kDefaultLockWait);
  sqlite3_extended_result_codes(raw, 1);
  // journal_mode needs write access; a read-only open relies on the writer having set it.
  const char* pragmas = mode == Mode::kReadOnly
      ? "PRAGMA foreign_keys=ON; PRAGMA query_only=ON;"
      : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;";
  if (Status s = db->Exec(pragmas); !s.ok()) return s;
  return db;
}

int Database::WaitForLock(void* self, int tries_so_far) {
  auto* db = static_cast<Database*>(self);
  const auto now = std::chrono::steady_clock::now();
  if (tries_so_far == 0) db->lock_wait_began_ = now;
  if (now - db->lock_wait_began_ >= db->lock_wait_) return 0;  // SQLITE_BUSY to the caller
  std::this_thread::sleep_for(tries_so_far < kQuickTries ? kQuickWait : kSlowWait);
  return 1;
}

void Database::SetLockWait(std::chrono::milliseconds wait) {
  lock_wait_ = wait;
  sqlite3_busy_handler(db_, wait.count() > 0 ? WaitForLock : nullptr, this);
}

Database::~Database() {
  for (auto& [key, stmt] : cache_) sqlite3_finalize(stmt);
  for (auto& [key, stmt] : shaped_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Status Database::StatusFromCode(int rc, std::string_view what) const {
  std::string msg = std::string(what) + ": " + sqlite3_errmsg(db_);
  switch (rc & 0xff) {
    case SQLITE_FULL: return Status::NoSpace(msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Status::Unavailable(msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return Status::Corruption(msg);
    case SQLITE_CONSTRAINT: return Status::InvalidArgument(msg);
    default: return Status::IoError(msg);
  }
}

Status Database::Exec(std::string_view sql) {
  char* err = nullptr;
  std::string text(sql);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string msg = err ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  Status s = StatusFromCode(rc, "exec");
  return Status(s.code() == Status::Code::kNoSpace ? Status::NoSpace(msg)
                : s.code() == Status::Code::kUnavailable ? Status::Unavailable(msg)
                                                         : Status::IoError(msg));
}

Statement Database::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return Statement(this, it->second);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return Statement(this, nullptr);
  }
  cache_[sql] = stmt;
  return Statement(this, stmt);
}

std::string Database::directory() const {
  const size_t slash = path_.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path_.substr(0, slash);
}

Statement Database::PrepareShaped(const std::string& sql) {
  auto it = shaped_index_.find(sql);
  if (it != shaped_index_.end()) {
    shaped_.splice(shaped_.begin(), shaped_, it->second);
    return Statement(this, it->second->second);
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return Statement(this, nullptr);
  }
  if (shaped_.size() == kShapedStatements) {
    shaped_index_.erase(shaped_.back().first);
    sqlite3_finalize(shaped_.back().second);
    shaped_.pop_back();
  }
  shaped_.emplace_front(sql, stmt);
  shaped_index_[shaped_.front().first] = shaped_.begin();
  return Statement(this, stmt);
}

Result<int64_t> Database::QueryInt(const char* sql) {
  Statement st = Prepare(sql);
  if (!st.Step()) {
    if (!st.status().ok()) return st.status();
    return Status::NotFound(std::string("no row: ") + sql);
  }
  return st.Int(0);
}

// BEGIN, COMMIT and ROLLBACK are cached statements: every search and every group commit
// runs one, and sqlite3_exec would parse the text each time.
Transaction::Transaction(Database& db, Kind kind) : db_(db) {
  status_ = db_.Prepare(kind == Kind::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED").Run();
  open_ = status_.ok();
}

Transaction::~Transaction() {
  if (open_) db_.Prepare("ROLLBACK").Run();
}

Status Transaction::Commit() {
  if (!open_) return status_.ok() ? Status::IoError("transaction not open") : status_;
  Status s = db_.Prepare("COMMIT").Run();
  if (s.ok()) open_ = false;  // on failure the destructor rolls back
  return s;
}

}  // namespace chainmail
