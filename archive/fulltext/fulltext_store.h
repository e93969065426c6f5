// FulltextStore: the writer of the full-text index file (fulltext_schema.h). Open creates
// or migrates <data_dir>/fulltext.sqlite (WAL, synchronous=NORMAL: derived data, see the
// schema header) with the tokenizer registered on its connection. Every change is one
// transaction that also moves the bookkeeping in fulltext_state, so the index and its
// position never disagree, whatever instant a crash hits.
//
// One thread at a time (the indexer's); readers use their own connections (AttachFulltext).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "archive/database.h"
#include "archive/fulltext/fulltext_document.h"

namespace chainmail {

struct FulltextState {
  int64_t indexed_through_seq = -1;  // every message seq <= this is indexed
  uint64_t documents = 0;
  std::string archive_origin;        // "" until Reset names it
};

class FulltextStore {
 public:
  // A newer schema than this binary knows is refused (InvalidArgument).
  static Result<std::unique_ptr<FulltextStore>> Open(const std::string& data_dir);

  Result<FulltextState> ReadState();
  // Adds `docs` (ascending seqs above indexed_through_seq) and sets indexed_through_seq to
  // `through` (at least the last doc's seq: seqs in between without a message, e.g.
  // purged ones, are passed over), in one transaction. `cancelled`, asked before each
  // document, abandons the batch (Unavailable, nothing written): a shutdown does not wait
  // for a large batch to be tokenized.
  Status Write(const std::vector<FulltextDocument>& docs, int64_t through,
               const std::function<bool()>& cancelled = nullptr);
  // Removes message `seq` (a purge): its FTS entries (FTS5 'delete' with the stored
  // values), its content row and its recipients of record. NotFound when not indexed.
  Status Remove(uint64_t seq);
  // Rebuilds the FTS index from the content table (FTS5 'rebuild'), e.g. after a
  // tokenizer change.
  Status Rebuild();
  // Empties the index and names the archive it will hold: indexed_through_seq -1.
  Status Reset(const std::string& archive_origin);
  // FTS5 'integrity-check': the index agrees with the content table. Corruption if not.
  Status Check();

  Database& db() { return *db_; }

 private:
  explicit FulltextStore(std::unique_ptr<Database> db) : db_(std::move(db)) {}
  Status SetState(const char* key, int64_t value);
  std::unique_ptr<Database> db_;
};

}  // namespace chainmail
