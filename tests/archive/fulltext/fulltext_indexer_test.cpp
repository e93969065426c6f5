// FulltextIndexer over a real Archive: fed in commit order through the hand-off, caught up
// from the archive after a restart, with a queue too small to hold anything, and for an
// archive made before full-text search existed; its lag figures; ingest never waiting
// for it; its thread's low priority.
#include "archive/fulltext/fulltext_indexer.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "archive/fulltext/fulltext_schema.h"
#include "tests/archive/fulltext/fulltext_test_util.h"

namespace chainmail::testing {
namespace {

std::string Message(int i, const std::string& words) {
  return "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: note " + std::to_string(i) +
         "\r\nMessage-ID: <n" + std::to_string(i) + "@example.com>\r\nDate: Fri, 27 Nov 2026 11:48:30 +0000\r\n\r\n" +
         words + " marker" + std::to_string(i) + "\r\n";
}

TEST(FulltextIndexer, ConcurrentSessionsAreIndexedInCommitOrderFromTheHandOff) {
  FulltextIndexerOptions o;
  o.reorder_wait = std::chrono::seconds(5);  // every offer arrives in time, however slow the machine
  FulltextArchive a(o);
  std::vector<std::thread> sessions;
  for (int t = 0; t < 4; ++t)
    sessions.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) a.Ingest(Message(t * 10 + i, "pangolin"));
    });
  for (auto& s : sessions) s.join();
  a.WaitIndexed();
  const FulltextIndexerStatus s = a.indexer().status();
  EXPECT_EQ(s.indexed_through_seq, 39);
  EXPECT_EQ(s.committed_seq, 39);
  EXPECT_EQ(s.indexed_total, 40u);
  EXPECT_EQ(s.from_handoff, 40u);
  EXPECT_EQ(s.from_archive, 0u);
  EXPECT_EQ(s.lag_messages, 0u);
  EXPECT_EQ(s.lag_seconds, 0);
  EXPECT_GT(s.docs_per_second, 0);
  EXPECT_FALSE(s.backfilling);
  EXPECT_EQ(a.Find("pangolin").size(), 40u);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(a.Find("marker" + std::to_string(i)).size(), 1u) << i;
}

TEST(FulltextIndexer, CatchesUpFromTheArchiveAfterARestart) {
  FulltextArchive a;
  for (int i = 0; i < 10; ++i) a.Ingest(Message(i, "capybara"));
  a.WaitIndexed();
  a.StopIndexer();
  for (int i = 10; i < 25; ++i) a.Ingest(Message(i, "capybara"));
  EXPECT_EQ(a.Find("capybara").size(), 10u);  // the rest is not indexed yet
  a.StartIndexer();
  a.WaitIndexed();
  const FulltextIndexerStatus s = a.indexer().status();
  EXPECT_EQ(s.from_archive, 15u);
  EXPECT_EQ(s.indexed_total, 25u);
  EXPECT_EQ(a.Find("capybara").size(), 25u);
  EXPECT_EQ(a.Find("marker17"), (std::vector<uint64_t>{17}));
}

TEST(FulltextIndexer, AQueueTooSmallForAnyOfferReadsEverythingBack) {
  FulltextIndexerOptions o;
  o.queue_bytes = 1;
  FulltextArchive a(o);
  for (int i = 0; i < 20; ++i) a.Ingest(Message(i, "axolotl"));
  a.WaitIndexed();
  const FulltextIndexerStatus s = a.indexer().status();
  EXPECT_EQ(s.dropped_offers, 20u);
  EXPECT_EQ(s.from_archive, 20u);
  EXPECT_EQ(s.from_handoff, 0u);
  EXPECT_EQ(a.Find("axolotl").size(), 20u);
}

// A backlog that never went through the hand-off (a burst that overflowed the queue, a
// restart) is read back at most batch_bytes per index transaction: Gather counts only
// hand-off bytes, so the whole backlog was once read into one batch.
TEST(FulltextIndexer, ReadsABacklogBackNoMoreThanBatchBytesAtATime) {
  FulltextArchive a({}, /*start_indexer=*/false);
  std::string words;
  for (int w = 0; w < 250; ++w) words += "numbat ";  // ~1,750 bytes of text per message
  for (int i = 0; i < 12; ++i) a.Ingest(Message(i, words));
  FulltextIndexerOptions o;
  o.queue_bytes = 1;
  o.batch_bytes = 5000;  // about three of these documents
  a.StartIndexer(o);
  a.WaitIndexed();
  const FulltextIndexerStatus s = a.indexer().status();
  EXPECT_EQ(s.from_archive, 12u);
  EXPECT_GE(s.batches, 3u) << "the backlog was read back in too few batches";
  EXPECT_LE(s.batches, 6u);
  EXPECT_EQ(a.Find("numbat").size(), 12u);
}

TEST(FulltextIndexer, DisabledArchiveStartsNoIndexerAndMakesNoFile) {
  FulltextArchive a({}, /*start_indexer=*/false, /*enabled=*/false);
  auto indexer = StartFulltextIndexer(a.archive());
  ASSERT_TRUE(indexer.ok());
  EXPECT_EQ(*indexer, nullptr);
  a.Ingest(Message(0, "quokka"));
  EXPECT_FALSE(std::filesystem::exists(FulltextPath(a.dir())));
}

// Holds the index file's write lock: the indexer can read and gather but not write.
class IndexWriteLock {
 public:
  explicit IndexWriteLock(const std::string& dir) {
    auto db = Database::Open(FulltextPath(dir), Database::Mode::kReadWrite);
    EXPECT_TRUE(db.ok());
    db_ = std::move(*db);
    EXPECT_TRUE(db_->Exec("BEGIN IMMEDIATE").ok());
  }
  ~IndexWriteLock() { Release(); }
  void Release() {
    if (db_) db_->Exec("ROLLBACK");
    db_.reset();
  }

 private:
  std::unique_ptr<Database> db_;
};

TEST(FulltextIndexer, BackfillsAnArchiveMadeBeforeFullTextSearchWithProgress) {
  FulltextArchive a({}, /*start_indexer=*/false, /*enabled=*/false);
  for (int i = 0; i < 30; ++i) a.Ingest(Message(i, "wombat"));
  a.Reopen(/*enabled=*/true);  // the upgrade
  {
    // The index file exists (an earlier start made it) but cannot be written for now.
    auto store = FulltextStore::Open(a.dir());
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Reset(a.archive().identity().base_origin).ok());
  }
  IndexWriteLock lock(a.dir());
  FulltextIndexerOptions o;
  o.batch_messages = 4;
  a.StartIndexer(o, ClockAhead(3'600'000'000));
  ASSERT_TRUE(Eventually([&] { return a.indexer().status().backfilling; }));
  FulltextIndexerStatus s = a.indexer().status();
  EXPECT_EQ(s.indexed_through_seq, -1);
  EXPECT_EQ(s.committed_seq, 29);  // progress: indexed_through_seq + 1 of committed_seq + 1
  EXPECT_EQ(s.lag_messages, 30u);
  EXPECT_GE(s.lag_seconds, 3600);
  EXPECT_LT(s.lag_seconds, 3700);
  // Ingest goes on meanwhile, unhindered.
  const uint64_t seq = a.Ingest(Message(30, "wombat"));
  EXPECT_EQ(seq, 30u);
  lock.Release();
  a.WaitIndexed();
  s = a.indexer().status();
  EXPECT_FALSE(s.backfilling);
  EXPECT_EQ(s.indexed_through_seq, 30);
  EXPECT_EQ(s.indexed_total, 31u);
  EXPECT_GE(s.from_archive, 30u);
  EXPECT_EQ(s.lag_messages, 0u);
  EXPECT_EQ(s.lag_seconds, 0);
  EXPECT_EQ(a.Find("wombat").size(), 31u);
}

TEST(FulltextIndexer, IngestNeverWaitsForAStuckIndex) {
  FulltextArchive a;
  a.Ingest(Message(0, "numbat"));
  a.WaitIndexed();
  IndexWriteLock lock(a.dir());
  const auto start = std::chrono::steady_clock::now();
  for (int i = 1; i <= 20; ++i) a.Ingest(Message(i, "numbat"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ASSERT_TRUE(Eventually([&] { return a.indexer().status().committed_seq == 20; }));
  const FulltextIndexerStatus s = a.indexer().status();
  EXPECT_EQ(s.indexed_through_seq, 0);
  EXPECT_EQ(s.lag_messages, 20u);
  lock.Release();
  a.WaitIndexed();
  EXPECT_EQ(a.Find("numbat").size(), 21u);
}

TEST(FulltextIndexer, AnIndexOfAnotherArchiveIsStartedOver) {
  FulltextArchive a;
  a.Ingest(Message(0, "dugong"));
  a.WaitIndexed();
  a.StopIndexer();
  {
    auto store = FulltextStore::Open(a.dir());
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Reset("elsewhere.example/chainmail-00000000").ok());
    FulltextDocument stray;
    stray.seq = 0;
    stray.record_id = RecordId::FromBytes(std::string(16, '\x09'));
    stray.body = "stray";
    ASSERT_TRUE((*store)->Write({stray}, 5).ok());  // "ahead" of this archive, and not its own
  }
  a.StartIndexer();
  a.WaitIndexed();
  EXPECT_TRUE(a.Find("stray").empty());
  EXPECT_EQ(a.Find("dugong").size(), 1u);
  EXPECT_EQ(a.indexer().status().indexed_total, 1u);
}

TEST(FulltextIndexer, StopDropsTheQueueAndLaterOffersAreIgnored) {
  FulltextArchive a;
  a.indexer().Stop();
  a.Ingest(Message(0, "tapir"));  // offered to a stopped indexer: returns at once
  EXPECT_EQ(a.indexer().status().indexed_through_seq, -1);
  a.StopIndexer();
  a.StartIndexer();
  a.WaitIndexed();
  EXPECT_EQ(a.Find("tapir").size(), 1u);
}

// The nice value of each thread of this process, by thread id (/proc/self/task/*/stat).
std::map<pid_t, int> NiceByThread() {
  std::map<pid_t, int> out;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream in(task.path() / "stat");
    std::string stat;
    std::getline(in, stat);
    // After "pid (comm) ": state is field 3; nice is field 19.
    const size_t paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream fields(stat.substr(paren + 2));
    std::string field;
    for (int i = 3; i <= 19 && fields >> field; ++i)
      if (i == 19) out[static_cast<pid_t>(std::stol(task.path().filename().string()))] = std::stoi(field);
  }
  return out;
}

// While the indexer lingers for a fuller batch, offers that do not fill it leave it asleep:
// woken by each, it rose and slept again once per message, two context switches of the
// ingest path's CPU per message. The batch is indexed when the linger ends, as before.
TEST(FulltextIndexer, LingeringIndexerSleepsThroughOffersThatDoNotFillTheBatch) {
  FulltextIndexerOptions o;
  o.linger = std::chrono::seconds(4);
  o.batch_messages = 1000;
  FulltextArchive a(o);
  a.Ingest(Message(0, "tapir"));  // ends the idle wait: the indexer now lingers
  ASSERT_TRUE(Eventually([&] { return ThreadSleeps("cm-fulltext") >= 0; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let it reach the linger wait
  const long before = ThreadSleeps("cm-fulltext");
  const auto start = std::chrono::steady_clock::now();
  for (int i = 1; i <= 40; ++i) a.Ingest(Message(i, "tapir"));
  const long after = ThreadSleeps("cm-fulltext");
  if (std::chrono::steady_clock::now() - start < std::chrono::seconds(3)) {  // all inside the linger
    EXPECT_LE(after - before, 3) << "the indexer woke for offers that could not end its wait";
  }
  a.WaitIndexed();
  EXPECT_EQ(a.Find("tapir").size(), 41u);
  EXPECT_EQ(a.indexer().status().from_handoff, 41u);
}

TEST(FulltextIndexer, IndexesAtItsOwnLowPriorityLeavingTheSessionsAlone) {
  FulltextArchive a({}, /*start_indexer=*/false);
  const std::map<pid_t, int> before = NiceByThread();
  FulltextIndexerOptions o;
  o.nice = 13;
  a.StartIndexer(o);
  a.Ingest(Message(0, "okapi"));
  a.WaitIndexed();  // the thread has run, so it has set its priority
  int lowered = 0;
  for (const auto& [tid, nice] : NiceByThread()) {
    if (before.count(tid)) {
      EXPECT_EQ(nice, before.at(tid)) << "thread " << tid << " was not the indexer's";
    } else if (nice == 13) {
      ++lowered;
    }
  }
  EXPECT_EQ(lowered, 1);
  EXPECT_EQ(getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())), before.at(gettid()));
  EXPECT_EQ(a.Find("okapi").size(), 1u);
}


// A peak: messages arrive faster than defer_above_msgs_per_s. The indexer leaves them the
// CPU, says so, and catches up once the rate drops.
TEST(FulltextIndexer, DefersDuringAPeakOfIngestAndCatchesUpWhenItEnds) {
  FulltextIndexerOptions o;
  o.defer_above_msgs_per_s = 5;
  o.max_deferral = std::chrono::minutes(10);
  FulltextArchive a(o);
  int sent = 0;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!a.indexer().status().deferring && std::chrono::steady_clock::now() < give_up) {
    a.Ingest(Message(sent++, "tapir"));  // as fast as commits go: far above 5 a second
  }
  const FulltextIndexerStatus peak = a.indexer().status();
  ASSERT_TRUE(peak.deferring);
  for (int i = 0; i < 20; ++i) a.Ingest(Message(sent++, "tapir"));  // still deferring: none indexed
  EXPECT_LE(a.indexer().status().indexed_total, peak.indexed_total + 0u);
  EXPECT_GT(a.indexer().status().lag_messages, 20u);
  a.WaitIndexed();  // the rate falls below 5 a second within the one-second window
  const FulltextIndexerStatus after = a.indexer().status();
  EXPECT_FALSE(after.deferring);
  EXPECT_EQ(after.indexed_total, static_cast<uint64_t>(sent));
  for (int i : {0, sent / 2, sent - 1}) EXPECT_EQ(a.Find("marker" + std::to_string(i)).size(), 1u) << i;
}

// A peak that does not end: once the oldest waiting message has waited max_deferral, the
// indexer runs anyway, so the lag stays bounded by about max_deferral.
TEST(FulltextIndexer, ASustainedPeakDefersIndexingNoLongerThanMaxDeferral) {
  FulltextIndexerOptions o;
  o.defer_above_msgs_per_s = 5;
  o.max_deferral = std::chrono::milliseconds(300);
  FulltextArchive a(o);
  int sent = 0;
  bool deferred = false;
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(2500);
  while (std::chrono::steady_clock::now() < end) {
    a.Ingest(Message(sent++, "quokka"));
    deferred = deferred || a.indexer().status().deferring;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // ~50 a second: a peak throughout
  }
  const FulltextIndexerStatus s = a.indexer().status();
  EXPECT_TRUE(deferred);
  EXPECT_GT(s.indexed_total, 0u) << "the indexer waited out the whole peak";
  EXPECT_LT(s.lag_seconds, 2.0);
  a.WaitIndexed();
  EXPECT_EQ(a.indexer().status().indexed_total, static_cast<uint64_t>(sent));
  for (int i : {0, sent / 2, sent - 1}) EXPECT_EQ(a.Find("marker" + std::to_string(i)).size(), 1u) << i;
}

}  // namespace
}  // namespace chainmail::testing
