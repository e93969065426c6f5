#include "audit/listing_index.h"

#include <sys/stat.h>

#include <algorithm>
#include <compare>
#include <cstdio>

#include "archive/log_head.h"
#include "archive/thread_name.h"
#include "audit/audit_event.h"

namespace chainmail {
namespace {

constexpr int64_t kIndexVersion = 1;

// The background indexer's transactions. Each lands on index pages all over the file (a
// search lists messages of any age), so it pays per page touched, not per row: fewer,
// larger transactions put more rows on each page written (a 50-message page of search
// results is 50 rows). Bounded by rows too, so memory and the WAL stay bounded.
constexpr size_t kListingsPerTransaction = 5000;
constexpr size_t kListedRowsPerTransaction = 250000;
// How often a transaction under way asks whether to stop.
constexpr size_t kRowsBetweenStopChecks = 10000;

// `progress` has one row: how far the index got, and whose audit log it indexes.
constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS listed (log INTEGER NOT NULL, seq INTEGER NOT NULL, event_seq INTEGER NOT NULL, "
    "  PRIMARY KEY (log, seq, event_seq)) STRICT, WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS progress (one INTEGER PRIMARY KEY CHECK (one = 1), audit_log_id BLOB NOT NULL, "
    "  next INTEGER NOT NULL) STRICT;";

struct Progress {
  Hash32 audit_log_id{};
  uint64_t next = 0;
};

Result<std::optional<Progress>> ReadProgress(Database& index) {
  Statement st = index.Prepare("SELECT audit_log_id, next FROM progress WHERE one = 1");
  if (!st.Step()) {
    if (!st.status().ok()) return st.status();
    return std::optional<Progress>();
  }
  if (st.Blob(0).size() != 32) return std::optional<Progress>();
  return std::optional<Progress>(Progress{Hash32FromBytes(st.Blob(0)), static_cast<uint64_t>(st.Int(1))});
}

// One past the last listing's event seq (0 when there is none).
Result<uint64_t> ListingsEnd(Database& archive) {
  Statement st = archive.Prepare("SELECT coalesce(max(event_seq) + 1, 0) FROM audit_listings");
  if (!st.Step()) return st.status().ok() ? Status::IoError("no max(event_seq)") : st.status();
  return static_cast<uint64_t>(st.Int(0));
}

// Empties the index and starts it over for `audit_log_id`.
Status Reset(Database& index, const Hash32& audit_log_id) {
  Transaction tx(index, Transaction::Kind::kImmediate);
  if (!tx.status().ok()) return tx.status();
  if (Status s = index.Exec("DELETE FROM listed; DELETE FROM progress"); !s.ok()) return s;
  Statement st = index.Prepare("INSERT INTO progress(one, audit_log_id, next) VALUES (1, ?, 0)");
  if (Status s = st.BindBlob(1, AsView(audit_log_id)).Run(); !s.ok()) return s;
  return tx.Commit();
}

}  // namespace

std::string ListingIndexPath(const std::string& data_dir) { return data_dir + "/audit-listings.sqlite"; }

ListedBy LookupListings(const std::string& data_dir, const Hash32& audit_log_id, int log, uint64_t seq) {
  ListedBy out;
  const std::string path = ListingIndexPath(data_dir);
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return out;
  auto index = Database::Open(path, Database::Mode::kReadOnly);
  if (!index.ok()) return out;
  Transaction read(**index, Transaction::Kind::kDeferred);  // `next` and the rows of one snapshot
  if (!read.status().ok()) return out;
  auto version = (*index)->QueryInt("PRAGMA user_version");
  auto progress = ReadProgress(**index);
  if (!version.ok() || *version != kIndexVersion || !progress.ok() || !*progress ||
      (*progress)->audit_log_id != audit_log_id)
    return out;
  Statement rows = (*index)->Prepare("SELECT event_seq FROM listed WHERE log = ? AND seq = ? ORDER BY event_seq");
  rows.Bind(1, log).Bind(2, static_cast<int64_t>(seq));
  std::vector<uint64_t> seqs;
  while (rows.Step()) seqs.push_back(static_cast<uint64_t>(rows.Int(0)));
  if (!rows.status().ok()) return out;
  out.next = (*progress)->next;
  out.event_seqs = std::move(seqs);
  return out;
}

namespace {

// Opens the index file as it is; an error when it is not a readable index of any version.
Result<std::unique_ptr<Database>> OpenAsIs(const std::string& data_dir, Database& archive, const Hash32& audit_log_id) {
  auto index = Database::Open(ListingIndexPath(data_dir), Database::Mode::kReadWrite);
  if (!index.ok()) return index.status();
  Database& db = **index;
  // Derived and rebuildable: a crash may lose its last transactions, never the archive's.
  if (Status s = db.Exec("PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536"); !s.ok()) return s;
  auto version = db.QueryInt("PRAGMA user_version");
  if (!version.ok()) return version.status();
  if (*version != kIndexVersion) {  // new, or of another version: start over
    if (Status s = db.Exec("DROP TABLE IF EXISTS listed; DROP TABLE IF EXISTS progress"); !s.ok()) return s;
    if (Status s = db.Exec(kSchema); !s.ok()) return s;
    if (Status s = db.Exec("PRAGMA user_version=" + std::to_string(kIndexVersion)); !s.ok()) return s;
  }
  auto progress = ReadProgress(db);
  if (!progress.ok()) return progress.status();
  auto end = ListingsEnd(archive);
  if (!end.ok()) return end.status();
  // Another archive's index, or one ahead of this archive (restored from a backup): rebuild.
  if (!*progress || (*progress)->audit_log_id != audit_log_id || (*progress)->next > *end)
    if (Status s = Reset(db, audit_log_id); !s.ok()) return s;
  return index;
}

}  // namespace

Result<std::unique_ptr<Database>> OpenListingIndex(const std::string& data_dir, Database& archive,
                                                   const Hash32& audit_log_id) {
  auto index = OpenAsIs(data_dir, archive, audit_log_id);
  if (index.ok()) return index;
  // Not a database, or damaged: it is derived, so start it over (the archive's own read
  // errors are not the file's fault: those are returned).
  if (index.status().code() != Status::Code::kIoError && index.status().code() != Status::Code::kCorruption)
    return index.status();
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((ListingIndexPath(data_dir) + suffix).c_str());
  return OpenAsIs(data_dir, archive, audit_log_id);
}

Result<uint64_t> IndexListings(Database& archive, Database& index, size_t batch, size_t max_rows,
                               const std::function<bool()>& cancelled) {
  uint64_t indexed = 0;
  for (;;) {
    if (cancelled && cancelled()) return indexed;
    auto progress = ReadProgress(index);
    if (!progress.ok()) return progress.status();
    if (!*progress) return Status::InvalidArgument("the listing index is not open for this archive");
    struct Listing {
      uint64_t event_seq;
      int64_t log;
      std::vector<uint64_t> seqs;
    };
    std::vector<Listing> listings;
    size_t rows_read = 0;
    {
      Transaction read(archive, Transaction::Kind::kDeferred);
      if (!read.status().ok()) return read.status();
      Statement st = archive.Prepare("SELECT event_seq, log, seqs FROM audit_listings WHERE event_seq >= ? "
                                     "ORDER BY event_seq LIMIT ?");
      st.Bind(1, static_cast<int64_t>((*progress)->next)).Bind(2, static_cast<int64_t>(batch));
      while (rows_read < max_rows && st.Step()) {
        auto seqs = ParseListingText(st.Text(2));
        if (!seqs) return Status::Corruption("audit listing of event " + std::to_string(st.Int(0)) + " does not parse");
        rows_read += seqs->size();
        listings.push_back({static_cast<uint64_t>(st.Int(0)), st.Int(1), std::move(*seqs)});
      }
      if (!st.status().ok()) return st.status();
    }
    if (listings.empty()) return indexed;
    Transaction tx(index, Transaction::Kind::kImmediate);
    if (!tx.status().ok()) return tx.status();
    // In key order: a batch's rows land on each index page once, in one sweep, where in
    // event order each was a jump to a random page (a search lists messages from all over).
    struct Row {
      int64_t log;
      uint64_t seq;
      uint64_t event_seq;
      auto operator<=>(const Row&) const = default;
    };
    std::vector<Row> rows;
    for (const Listing& l : listings)
      for (uint64_t seq : l.seqs) rows.push_back({l.log, seq, l.event_seq});
    std::sort(rows.begin(), rows.end());
    for (size_t i = 0; i < rows.size(); ++i) {
      // A stop does not wait for a large transaction: it is rolled back (this return ends
      // `tx`) and its listings are indexed again at the next start.
      if (cancelled && i % kRowsBetweenStopChecks == kRowsBetweenStopChecks - 1 && cancelled()) return indexed;
      const Row& r = rows[i];
      if (Status s = index.Prepare("INSERT OR IGNORE INTO listed(log, seq, event_seq) VALUES (?, ?, ?)")
                         .Bind(1, r.log)
                         .Bind(2, static_cast<int64_t>(r.seq))
                         .Bind(3, static_cast<int64_t>(r.event_seq))
                         .Run();
          !s.ok())
        return s;
    }
    Statement done = index.Prepare("UPDATE progress SET next = ? WHERE one = 1");
    if (Status s = done.Bind(1, static_cast<int64_t>(listings.back().event_seq + 1)).Run(); !s.ok()) return s;
    if (Status s = tx.Commit(); !s.ok()) return s;
    indexed += listings.size();
    if (listings.size() < batch && rows_read < max_rows) return indexed;
  }
}

Result<std::unique_ptr<ListingIndexer>> ListingIndexer::Start(const std::string& data_dir,
                                                              std::chrono::milliseconds interval) {
  auto archive = Database::Open(data_dir + "/chainmail.db", Database::Mode::kReadOnly);
  if (!archive.ok()) return archive.status();
  auto audit = ReadLogIdentity(**archive, LogName::kAudit);
  if (!audit.ok()) return audit.status();
  auto index = OpenListingIndex(data_dir, **archive, audit->log_id);
  if (!index.ok()) return index.status();
  return std::unique_ptr<ListingIndexer>(new ListingIndexer(std::move(*archive), std::move(*index), interval));
}

ListingIndexer::ListingIndexer(std::unique_ptr<Database> archive, std::unique_ptr<Database> index,
                               std::chrono::milliseconds interval)
    : archive_(std::move(archive)), index_(std::move(index)), interval_(interval) {
  thread_ = NamedThread("cm-listing", [this] { Run(); });
}

ListingIndexer::~ListingIndexer() { Stop(); }

void ListingIndexer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

ListingIndexerStatus ListingIndexer::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

void ListingIndexer::Run() {
  for (;;) {
    auto indexed = IndexListings(*archive_, *index_, kListingsPerTransaction, kListedRowsPerTransaction,
                                 [this] { return stopping_.load(); });
    auto progress = ReadProgress(*index_);
    {
      std::unique_lock<std::mutex> lock(mu_);
      status_.last_error = indexed.ok() ? Status::Ok() : indexed.status();
      if (indexed.ok()) status_.indexed += *indexed;
      if (progress.ok() && *progress) status_.next = (*progress)->next;
      if (wake_.wait_for(lock, interval_, [&] { return stopping_.load(); })) return;
    }
  }
}

}  // namespace chainmail
