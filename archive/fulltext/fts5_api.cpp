#include "archive/fulltext/fts5_api.h"

#include <string>

namespace chainmail {

Result<fts5_api*> FetchFts5Api(sqlite3* db) {
  fts5_api* api = nullptr;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, nullptr) != SQLITE_OK) {
    sqlite3_finalize(st);
    return Status::IoError(std::string("this SQLite has no FTS5: ") + sqlite3_errmsg(db));
  }
  sqlite3_bind_pointer(st, 1, &api, "fts5_api_ptr", nullptr);
  sqlite3_step(st);
  sqlite3_finalize(st);
  if (api == nullptr || api->iVersion < 2) return Status::IoError("FTS5 did not hand out its API");
  return api;
}

}  // namespace chainmail
