// Test helpers for full-text search: an archive in a temporary directory with its
// indexer, real messages ingested with chosen envelopes, and searches run the way the
// REST API runs them (a read-only connection of their own).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "archive/archive.h"
#include "archive/fulltext/fulltext_indexer.h"
#include "archive/message_search.h"
#include "tests/archive/archive_test_util.h"

namespace chainmail::testing {

class FulltextArchive {
 public:
  // An archive with full-text search on and its indexer started (when `start_indexer`).
  explicit FulltextArchive(FulltextIndexerOptions options = {}, bool start_indexer = true, bool enabled = true);
  ~FulltextArchive();

  Archive& archive() { return *archive_; }
  FulltextIndexer& indexer() { return *indexer_; }
  const std::string& dir() const { return dir_.path(); }

  // Ingests `bytes` with the envelope given; returns its seq.
  uint64_t Ingest(const std::string& bytes, const std::string& mail_from = "<sender@example.com>",
                  const std::vector<std::string>& rcpt = {"<j@archive.test>"});
  // Waits (at most 10 s, else fails the test) until everything ingested is indexed.
  void WaitIndexed();

  void StartIndexer(FulltextIndexerOptions options = {}, std::shared_ptr<RecordMint> clock = nullptr);
  void StopIndexer();
  // Closes and opens the archive again (the indexer is stopped first).
  void Reopen(bool enabled = true);

  Result<SearchPage> Search(MessageFilter filter, const std::optional<SearchPosition>& after = std::nullopt,
                            uint32_t limit = 50);
  // The seqs a text search for `q` finds, newest first.
  std::vector<uint64_t> Find(const std::string& q);

 private:
  TempDir dir_;
  std::unique_ptr<Archive> archive_;
  std::shared_ptr<FulltextIndexer> indexer_;
  std::unique_ptr<Database> reader_;
  int64_t last_seq_ = -1;
};

// Polls `done` every 5 ms until it holds (true) or `timeout` passes (false).
bool Eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A clock `offset_us` ahead of the system clock (lag figures against a known offset).
std::shared_ptr<RecordMint> ClockAhead(int64_t offset_us);

}  // namespace chainmail::testing
