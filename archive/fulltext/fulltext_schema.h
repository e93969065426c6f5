// The full-text index file: <data_dir>/fulltext.sqlite, beside the archive database. One
// header for the format, included by its writer (fulltext_store.h, the indexer) and its
// reader (archive/message_search.cpp, which attaches the file to archive readers).
//
// It is a separate SQLite file so that indexing never takes the archive's write lock. It
// holds derived data only: everything in it is extracted again from the archived raw
// bytes and the metadata index, so it can be deleted and rebuilt at any time (the indexer
// starts over when the file is missing, belongs to another archive, or is ahead of the
// archive). Hence WAL with synchronous=NORMAL: a power loss may lose the last batches,
// and the indexed_through_seq that counted them goes with them (same transaction), so
// they are simply indexed again.
//
// Tables (user_version 1), all written only by the indexer's store:
//   fulltext_state(key, value)
//     'indexed_through_seq'  every message seq <= this is indexed (-1: none yet)
//     'documents'            rows in fulltext_docs
//     'archive_origin'       the archive's base origin, so a copied file is not trusted
//   fulltext_docs(seq INTEGER PRIMARY KEY, record_id, subject, body, attachments, addresses)
//     the content table; rowid = the message's seq in the messages log. Text columns are
//     UTF-8 without C0 control characters other than TAB and LF (see kSnippetOpen).
//     addresses: envelope sender and recipients, From/Sender/To/Cc of the shown message
//     and the recipients of record, one per line; attachments: names, one per line.
//   fulltext_index: FTS5 over (subject, body, attachments, addresses), external content
//     fulltext_docs (content_rowid = seq), tokenizer chainmail_cjk (cjk_tokenizer.h). A
//     purged message is removed with FTS5's 'delete' command and its content row.
//   record_recipients(seq, position, record_id, address COLLATE NOCASE, source, expanded_from)
//     recipients of record (journal reports, X-Gm-Original-To), indexed by address, so
//     the envelope-recipient filter of the message search matches them too.
//
// Thread-safe (pure functions and constants; AttachFulltext works on the caller's
// connection, which one thread uses at a time).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "archive/format/status.h"

namespace chainmail {

// The name the file is attached under on an archive reader connection.
inline constexpr char kFulltextSchema[] = "fulltext";
inline constexpr int64_t kFulltextSchemaVersion = 1;

// Snippet markers: stored text never contains these two bytes, so the snippet function
// (fulltext_snippet.h) can mark matches with them and the reader turns them into
// highlight ranges unambiguously.
inline constexpr char kSnippetOpen = '\x01';
inline constexpr char kSnippetClose = '\x02';

std::string FulltextPath(const std::string& data_dir);

// Migrations()[i] takes user_version i to i + 1.
const std::vector<const char*>& FulltextMigrations();

// Attaches <data_dir>/fulltext.sqlite read-only to `db` as kFulltextSchema and registers
// the tokenizer and the snippet function (fulltext_snippet.h) on it; nothing when already attached. Must not run inside a transaction.
// NotFound when there is no index file (full-text search disabled or never started);
// Unavailable while the file exists but its schema is not created yet.
Status AttachFulltext(sqlite3* db, const std::string& data_dir);
bool IsFulltextAttached(sqlite3* db);

}  // namespace chainmail
