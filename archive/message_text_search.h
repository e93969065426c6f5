// The full-text side of the message search (message_search.h): turning the filter's q=
// into an FTS5 MATCH expression, attaching the index file to the search's connection,
// reading how far the index lags, and turning the snippet function's output
// (fulltext_snippet.h) into highlight ranges.
// The SQL that joins the index to the metadata stays in message_search.cpp, with the
// rest of the search statement.
//
// Functions over a caller-owned Database; one thread per Database.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "archive/database.h"
#include "archive/message_search.h"

namespace chainmail {

// The full-text part of a search: the MATCH expression (set when the filter has text) and
// whether the index file is attached (then rcpt_to also reads recipients of record).
struct TextSearch {
  std::optional<std::string> match;
  bool attached = false;
};

// Translates the filter's text (InvalidArgument for bad syntax) and, when the filter has
// text or rcpt_to, attaches the index file that sits beside the archive database. Must
// run outside a transaction. Unavailable when the filter has text and there is no index.
Result<TextSearch> PrepareTextSearch(Database& db, const MessageFilter& filter);

// How far the attached index lags the messages log, in the caller's transaction.
Result<FulltextLag> ReadFulltextLag(Database& db);

// The snippet function's output, its matches marked with fulltext_schema.h's
// kSnippetOpen/Close, as plain text with highlight ranges.
SearchSnippet ParseSnippet(std::string_view marked);

}  // namespace chainmail
