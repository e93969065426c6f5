// Schema migrations compiled in from schema/NNN_name.sql (see schema/embed.cmake).
// ApplyMigrations runs the missing ones in one transaction, tracked by PRAGMA
// user_version; a database newer than this binary is refused.
#pragma once

#include <string>
#include <vector>

#include "archive/database.h"

namespace chainmail {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

const std::vector<Migration>& Migrations();  // generated, ascending versions
int LatestSchemaVersion();
Status ApplyMigrations(Database& db);
// The same for another database file with its own list (ascending versions), e.g. the
// full-text index (archive/fulltext/fulltext_schema.h).
Status ApplyMigrations(Database& db, const std::vector<Migration>& migrations);

}  // namespace chainmail
