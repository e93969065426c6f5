#include "archive/fulltext/fulltext_schema.h"

#include <sys/stat.h>

#include "archive/fulltext/cjk_tokenizer.h"
#include "archive/fulltext/fulltext_snippet.h"

namespace chainmail {
namespace {

constexpr char kVersion1[] = R"sql(
CREATE TABLE fulltext_state (
  key   TEXT PRIMARY KEY,
  value ANY
) STRICT;
INSERT INTO fulltext_state(key, value) VALUES ('indexed_through_seq', -1), ('documents', 0), ('archive_origin', '');

CREATE TABLE fulltext_docs (
  seq         INTEGER PRIMARY KEY,
  record_id   BLOB NOT NULL CHECK (length(record_id) = 16),
  subject     TEXT NOT NULL,
  body        TEXT NOT NULL,
  attachments TEXT NOT NULL,
  addresses   TEXT NOT NULL
) STRICT;

CREATE VIRTUAL TABLE fulltext_index USING fts5(
  subject, body, attachments, addresses,
  content = 'fulltext_docs', content_rowid = 'seq', tokenize = 'chainmail_cjk');

CREATE TABLE record_recipients (
  seq           INTEGER NOT NULL,
  position      INTEGER NOT NULL,
  record_id     BLOB NOT NULL CHECK (length(record_id) = 16),
  address       TEXT NOT NULL COLLATE NOCASE,
  source        TEXT NOT NULL,
  expanded_from TEXT NOT NULL,
  PRIMARY KEY (seq, position)
) STRICT, WITHOUT ROWID;
CREATE INDEX record_recipients_by_address ON record_recipients(address, record_id);
)sql";

// A file name as an SQLite URI path: '%', '?' and '#' (and anything not printable ASCII)
// percent-encoded.
std::string UriPath(const std::string& path) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F || c == '%' || c == '?' || c == '#') {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

Status Run(sqlite3* db, const std::string& sql, const std::string& bound, std::string_view what) {
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
  if (rc == SQLITE_OK && !bound.empty()) sqlite3_bind_text(st, 1, bound.c_str(), -1, SQLITE_TRANSIENT);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return Status::Ok();
  return Status::IoError(std::string(what) + ": " + sqlite3_errmsg(db));
}

}  // namespace

std::string FulltextPath(const std::string& data_dir) { return data_dir + "/fulltext.sqlite"; }

const std::vector<const char*>& FulltextMigrations() {
  static const std::vector<const char*> kMigrations = {kVersion1};
  return kMigrations;
}

bool IsFulltextAttached(sqlite3* db) { return sqlite3_db_filename(db, kFulltextSchema) != nullptr; }

Status AttachFulltext(sqlite3* db, const std::string& data_dir) {
  if (IsFulltextAttached(db)) return Status::Ok();
  const std::string path = FulltextPath(data_dir);
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return Status::NotFound("there is no full-text index (" + path + ")");
  if (Status s = RegisterFulltextTokenizer(db); !s.ok()) return s;
  if (Status s = RegisterFulltextSnippet(db); !s.ok()) return s;
  // mode=ro: this connection only reads the index, even when it may write the archive.
  if (Status s = Run(db, std::string("ATTACH DATABASE ?1 AS ") + kFulltextSchema, "file:" + UriPath(path) + "?mode=ro",
                     "cannot open the full-text index");
      !s.ok())
    return s;
  sqlite3_stmt* version = nullptr;
  int64_t v = -1;
  if (sqlite3_prepare_v2(db, "PRAGMA fulltext.user_version", -1, &version, nullptr) == SQLITE_OK &&
      sqlite3_step(version) == SQLITE_ROW)
    v = sqlite3_column_int64(version, 0);
  sqlite3_finalize(version);
  if (v != kFulltextSchemaVersion) {
    Run(db, std::string("DETACH DATABASE ") + kFulltextSchema, "", "detach");
    if (v > kFulltextSchemaVersion)
      return Status::Unavailable("the full-text index was made by a newer chainmail (version " + std::to_string(v) + ")");
    return Status::Unavailable("the full-text index is not created yet");
  }
  // Its own page cache: the index's pages are not the archive's.
  return Run(db, "PRAGMA fulltext.cache_size=-16384", "", "full-text cache size");
}

}  // namespace chainmail
