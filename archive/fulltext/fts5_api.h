// The FTS5 extension interface of a connection (fts5_api), through which the tokenizer
// (cjk_tokenizer.h) and the snippet function (fulltext_snippet.h) are registered.
//
// Per connection; one thread per connection.
#pragma once

#include <sqlite3.h>

#include "archive/format/status.h"

namespace chainmail {

// The fts5_api of connection `db` (SELECT fts5(?1), as the FTS5 documentation shows),
// version 2 or later. IoError when this SQLite has no FTS5. Owned by the connection.
Result<fts5_api*> FetchFts5Api(sqlite3* db);

}  // namespace chainmail
