// The listing index: which searches listed a leaf. It serves the audit query's target
// filter (GET /api/v1/audit/events?target=…) for search events.
//
// A search's listing (the messages on its page) is committed with its event as one
// appended audit_listings row (schema/006), so a search writes no random index pages
// before its answer. This derived index, in its own file <data_dir>/audit-listings.sqlite,
// maps (log, seq) to the event seqs of the searches that listed that leaf. The
// ListingIndexer fills it in the background from audit_listings, in event order and in
// large transactions, with synchronous=NORMAL: it is derived, and it is rebuilt from
// audit_listings when missing, unreadable, of another version or of another archive.
// `next` says how far it got: every listing with event_seq < next is indexed.
//
// A lookup never waits for the indexer: ListedBy gives the indexed event seqs and
// `next`, and the audit query scans the audit_listings rows from `next` on itself
// (audit_query.cpp), so its answer is complete however far behind the index is.
//
// Free functions: one thread per Database. ListingIndexer: thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "archive/database.h"
#include "archive/format/bytes.h"

namespace chainmail {

std::string ListingIndexPath(const std::string& data_dir);

struct ListedBy {
  uint64_t next = 0;                  // listings with event_seq < next are in event_seqs
  std::vector<uint64_t> event_seqs;   // the indexed searches that listed the leaf
};

// What the index of <data_dir> knows about leaf (log, seq) of the archive whose audit log
// has id `audit_log_id`. No index, an unreadable one or one of another archive is not an
// error: next = 0 and nothing listed, so the caller scans every listing.
ListedBy LookupListings(const std::string& data_dir, const Hash32& audit_log_id, int log, uint64_t seq);

// Opens <data_dir>/audit-listings.sqlite for writing, creating it, or emptying it when it
// belongs to another archive (`audit_log_id`) or is ahead of `archive`'s listings.
Result<std::unique_ptr<Database>> OpenListingIndex(const std::string& data_dir, Database& archive,
                                                   const Hash32& audit_log_id);

// Indexes the listings of `archive` from the index's `next` on, at most `batch` events (and
// about `max_rows` listed leaves: a transaction stops taking events once it has that many)
// per transaction, until none is left or `cancelled` says stop. It is asked between
// transactions and every 10,000 rows within one; a transaction stopped mid-way is rolled
// back (its listings are indexed again next time). Returns how many listings it indexed.
Result<uint64_t> IndexListings(Database& archive, Database& index, size_t batch = 1000,
                               size_t max_rows = SIZE_MAX, const std::function<bool()>& cancelled = nullptr);

struct ListingIndexerStatus {
  uint64_t next = 0;     // the index's `next`
  uint64_t indexed = 0;  // listings indexed since start
  Status last_error;     // of the last pass; OK when it succeeded
};

class ListingIndexer {
 public:
  // Opens the archive of `data_dir` read-only and the index for writing, then indexes on its
  // own thread every `interval`.
  static Result<std::unique_ptr<ListingIndexer>> Start(const std::string& data_dir,
                                                       std::chrono::milliseconds interval = std::chrono::milliseconds(1000));
  ~ListingIndexer();  // Stop()
  void Stop();         // ends the pass under way within 10,000 rows (the rest waits for the next start); idempotent
  ListingIndexerStatus status() const;

 private:
  ListingIndexer(std::unique_ptr<Database> archive, std::unique_ptr<Database> index, std::chrono::milliseconds interval);
  void Run();

  std::unique_ptr<Database> archive_;  // indexer thread only
  std::unique_ptr<Database> index_;    // indexer thread only
  const std::chrono::milliseconds interval_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};  // set under mu_; read without it between transactions
  ListingIndexerStatus status_;   // guarded by mu_
  std::thread thread_;
};

}  // namespace chainmail
