#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>

#include "archive/archive_verifier.h"
#include "archive/blob_store.h"
#include "archive/format/leaf.h"
#include "archive/format/payload_tags.h"
#include "archive/format/sha256.h"
#include "archive/log_head.h"
#include "archive/message_reader.h"
#include "archive/message_search.h"
#include "tests/archive/archive_test_util.h"

namespace chainmail::testing {
namespace {

TEST(Archive, FirstStartCreatesIdentityOnce) {
  TempDir dir;
  std::string origin;
  {
    auto a = OpenArchive(dir.path());
    origin = a->identity().base_origin;
    EXPECT_EQ(origin.rfind("test.example/chainmail-", 0), 0u) << origin;
    EXPECT_EQ(origin.size(), std::string("test.example/chainmail-").size() + 8);
  }
  ArchiveOptions o;
  o.data_dir = dir.path();
  o.origin_name = "renamed.example";  // renaming later changes nothing
  auto again = Archive::Open(o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->identity().base_origin, origin);
}

TEST(Archive, RoundTripIsByteExactForOddBytes) {
  TempDir dir;
  auto a = OpenArchive(dir.path());
  std::string odd = "Subject: odd\r\n\r\nbare\nLF and bare\rCR, NUL \0 and 8-bit \xff\xfe\r\n";
  odd.append(std::string(5000, 'x'));  // a line far over 998
  odd.append("\r\n.\r\n..leading dots kept as given\r\n", 36);
  std::string binary;
  for (int i = 0; i < 70000; ++i) binary.push_back(static_cast<char>(i * 7919 % 256));
  for (const std::string& m : {odd, binary, std::string()}) {
    RecordId id = Ingest(*a, m);
    EXPECT_EQ(ReadRaw(dir.path(), id), m);
  }
}

TEST(Archive, LargeMessageSpansSeveralChunksAndSpillsToDisk) {
  TempDir dir;
  auto a = OpenArchive(dir.path());
  std::string big;
  uint32_t x = 1;
  while (big.size() < (5u << 20)) {  // 5 MiB, poorly compressible
    x = x * 1664525 + 1013904223;
    big.push_back(static_cast<char>(x >> 24));
  }
  RecordId id = Ingest(*a, big);
  EXPECT_EQ(ReadRaw(dir.path(), id), big);
  auto db = OpenDb(dir.path());
  auto info = BlobStore::Info(*db, Sha256::Of(big));
  ASSERT_TRUE(info.ok());
  EXPECT_GE(info->chunk_count, 5);
  EXPECT_EQ(info->raw_length, big.size());
}

TEST(Archive, IdenticalBytesAreStoredOnceAndCounted) {
  TempDir dir;
  auto a = OpenArchive(dir.path());
  std::string m = SampleMessage(1);
  RecordId first = Ingest(*a, m), second = Ingest(*a, m);
  EXPECT_FALSE(first == second);
  auto db = OpenDb(dir.path());
  auto info = BlobStore::Info(*db, Sha256::Of(m));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->refcount, 2);
  EXPECT_EQ(*db->QueryInt("SELECT count(*) FROM blobs"), 1);
}

TEST(Archive, PayloadCarriesEnvelopeHashAndFlags) {
  TempDir dir;
  auto a = OpenArchive(dir.path());
  std::string m = "Subject: =?utf-8?q?caf=C3=A9?=\r\n\r\nbody\n";
  RecordId id = Ingest(*a, m);
  auto db = OpenDb(dir.path());
  auto stored = ReadStoredMessage(*db, id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->payload.mail_from, "<sender@example.com> BODY=8BITMIME");
  EXPECT_EQ(stored->payload.raw_sha256, Sha256::Of(m));
  EXPECT_EQ(stored->payload.raw_length, m.size());
  EXPECT_TRUE(stored->payload.flags & msgflag::kBareLf);
  EXPECT_TRUE(stored->payload.flags & msgflag::kNoMessageId);
  EXPECT_EQ(stored->index.subject, "caf\xc3\xa9");
  EXPECT_EQ(stored->index.mail_from, "sender@example.com");
}

TEST(Archive, ConcurrentSessionsFormOneUnbrokenChain) {
  TempDir dir;
  auto a = OpenArchive(dir.path());
  constexpr int kThreads = 16, kEach = 40;
  std::vector<std::thread> threads;
  std::vector<std::vector<std::pair<RecordId, std::string>>> done(kThreads);
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string m = SampleMessage(t * 1000 + i, 300 + 97 * i);
        done[t].push_back({Ingest(*a, m), m});
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_GT(a->writer_stats().max_batch, 1u) << "group commit never batched";
  auto db = OpenDb(dir.path());
  EXPECT_EQ(*db->QueryInt("SELECT count(*) FROM leaves"), kThreads * kEach);
  for (auto& per : done)
    for (auto& [id, m] : per) EXPECT_EQ(ReadRaw(dir.path(), id), m);
  auto report = VerifyArchive(dir.path(), {});
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems.front().what;
  EXPECT_EQ(report->message_leaves, static_cast<uint64_t>(kThreads * kEach));
}

TEST(Archive, VerifyWhileMessagesArriveFindsNothingWrong) {
  // verify is safe while the daemon runs: it checks the logs as of one snapshot, however
  // many leaves, tree nodes and checkpoints are committed while it reads.
  TempDir dir;
  auto a = OpenArchive(dir.path());
  for (int i = 0; i < 50; ++i) Ingest(*a, SampleMessage(i));
  std::atomic<bool> done{false};
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t)
    senders.emplace_back([&, t] {
      for (int i = 0; !done; ++i) Ingest(*a, SampleMessage(10000 * (t + 1) + i, 200));
    });
  int problems = 0;
  std::string first;
  for (int run = 0; run < 30; ++run) {
    auto report = VerifyArchive(dir.path(), {});
    ASSERT_TRUE(report.ok()) << report.status().message();
    problems += static_cast<int>(report->problems.size());
    if (first.empty() && !report->problems.empty()) first = report->problems.front().what;
  }
  done = true;
  for (auto& t : senders) t.join();
  EXPECT_EQ(problems, 0) << first;
}

TEST(Archive, SecondProcessAppendsContinueTheChain) {
  // Two Archive instances on one file stand for the daemon and a CLI import: each reads
  // the head inside its own transaction, so neither forks the chain.
  TempDir dir;
  auto daemon = OpenArchive(dir.path());
  auto cli = OpenArchive(dir.path());
  for (int i = 0; i < 10; ++i) {
    Ingest(*daemon, SampleMessage(i));
    Ingest(*cli, SampleMessage(100 + i));
  }
  auto report = VerifyArchive(dir.path(), {});
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems.front().what;
  EXPECT_EQ(report->message_leaves, 20u);
}

TEST(Archive, LeavesAreAppendOnly) {
  TempDir dir;
  auto a = OpenArchive(dir.path());
  Ingest(*a, SampleMessage(1));
  auto db = OpenDb(dir.path());
  EXPECT_FALSE(db->Exec("UPDATE leaves SET seq = 5").ok());
  EXPECT_FALSE(db->Exec("DELETE FROM leaves").ok());
  EXPECT_FALSE(db->Exec("DELETE FROM payloads").ok());
  EXPECT_FALSE(db->Exec("UPDATE blob_chunks SET data = x'00'").ok());
  EXPECT_FALSE(db->Exec("DELETE FROM messages").ok());
  EXPECT_FALSE(db->Exec("UPDATE messages SET subject = 'x'").ok());
  EXPECT_EQ(*db->QueryInt("SELECT count(*) FROM leaves"), 1);
}

TEST(Archive, BelowMinimumFreeSpaceNewMessagesAreRefusedAsNoSpace) {
  TempDir dir;
  ArchiveOptions o;
  o.data_dir = dir.path();
  o.min_free_bytes = UINT64_MAX;  // no disk has that much free
  auto a = Archive::Open(o);
  ASSERT_TRUE(a.ok());
  auto spool = (*a)->BeginMessage();
  EXPECT_EQ(spool.status().code(), Status::Code::kNoSpace);
}

TEST(Archive, CommitTimesNeverDecrease) {
  TempDir dir;
  auto a = OpenArchive(dir.path());
  for (int i = 0; i < 50; ++i) Ingest(*a, SampleMessage(i));
  auto db = OpenDb(dir.path());
  Statement st = db->Prepare("SELECT leaf FROM leaves WHERE log = 1 ORDER BY seq");
  uint64_t prev = 0;
  while (st.Step()) {
    auto leaf = Leaf::Decode(st.Blob(0));
    ASSERT_TRUE(leaf.ok());
    EXPECT_GE(leaf->commit_time_us, prev);
    prev = leaf->commit_time_us;
  }
}

// A mint whose clock the test sets; randomness and ids from the system mint.
class SetClockMint : public RecordMint {
 public:
  std::atomic<uint64_t> now_us{1'000'000'000'000'000};
  uint64_t NowUs() override { return now_us.load(); }
  std::string RandomBytes(size_t n) override { return SystemMint()->RandomBytes(n); }
  RecordId NewRecordId() override { return SystemMint()->NewRecordId(); }
};

std::vector<RecordId> OldestFirstOneByOne(const std::string& dir) {
  auto db = OpenDb(dir);
  MessageFilter all;
  all.oldest_first = true;
  std::vector<RecordId> seen;
  std::optional<SearchPosition> after;
  for (;;) {
    auto page = SearchMessages(*db, all, after, 1, std::chrono::seconds(10));
    EXPECT_TRUE(page.ok()) << page.status().message();
    if (!page.ok() || page->messages.empty()) return seen;
    seen.push_back(page->messages.front().id);
    after = SearchPosition{page->messages.front().received_us, page->messages.front().seq, 0};
  }
}

TEST(Archive, MessageCompleteBeforeThePreviousCommitIsReceivedAtThatCommitSoOldestFirstPagingMissesNothing) {
  // B's data was complete (its received time stamped) before A's commit, but B commits
  // after A: another session's message overtook it while it compressed, or the clock
  // stepped back. Stamped as it was, B would sort before A, behind the cursor of a client
  // paging oldest first that has just read A, and that client would never see B.
  TempDir dir;
  auto mint = std::make_shared<SetClockMint>();
  ArchiveOptions o;
  o.data_dir = dir.path();
  o.origin_name = "test.example";
  o.min_free_bytes = 0;
  o.mint = mint;
  auto a = Archive::Open(o);
  ASSERT_TRUE(a.ok()) << a.status().message();
  const uint64_t t = mint->now_us;
  const RecordId first = Ingest(**a, SampleMessage(1));
  mint->now_us = t - 5'000'000;
  const RecordId second = Ingest(**a, SampleMessage(2));
  mint->now_us = t + 1'000'000;
  const RecordId third = Ingest(**a, SampleMessage(3));

  auto db = OpenDb(dir.path());
  Statement st = db->Prepare("SELECT received_us FROM messages ORDER BY seq");
  std::vector<int64_t> received;
  while (st.Step()) received.push_back(st.Int(0));
  ASSERT_EQ(received.size(), 3u);
  EXPECT_EQ(received[0], static_cast<int64_t>(t));
  EXPECT_EQ(received[1], static_cast<int64_t>(t)) << "the previous leaf's commit time, not the earlier stamp";
  EXPECT_EQ(received[2], static_cast<int64_t>(t + 1'000'000)) << "a stamp after the previous commit is kept";
  EXPECT_EQ(OldestFirstOneByOne(dir.path()), (std::vector<RecordId>{first, second, third}));
  a->reset();
  auto report = VerifyArchive(dir.path(), {});
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems.front().what;
}

TEST(Archive, ReceivedTimesNeverDecreaseAlongTheLogWhileSessionsOvertakeEachOther) {
  // Large incompressible messages compress for milliseconds while small ones from other
  // sessions commit past them; a reader pages oldest first all the while.
  TempDir dir;
  auto a = OpenArchive(dir.path());
  constexpr int kThreads = 6, kEach = 12;
  std::atomic<bool> done{false};
  std::vector<RecordId> paged;
  std::thread reader([&] {
    auto db = OpenDb(dir.path());
    MessageFilter all;
    all.oldest_first = true;
    std::optional<SearchPosition> after;
    for (bool last = false;;) {
      auto page = SearchMessages(*db, all, after, 3, std::chrono::seconds(10));
      ASSERT_TRUE(page.ok()) << page.status().message();
      for (const MessageSummary& m : page->messages) {
        paged.push_back(m.id);
        after = SearchPosition{m.received_us, m.seq, 0};  // a tail reader's own position: a short page has no next
      }
      if (page->messages.empty() && last) return;
      if (page->messages.empty()) last = done.load();
    }
  });
  std::vector<std::thread> threads;
  std::vector<std::vector<RecordId>> ids(kThreads);
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      std::mt19937 random(t);
      for (int i = 0; i < kEach; ++i) {
        std::string m = SampleMessage(t * 1000 + i);
        if (t % 2 == 0 && i % 3 == 0)
          for (int k = 0; k < (2 << 20); ++k) m.push_back(static_cast<char>('!' + random() % 90));
        ids[t].push_back(Ingest(*a, m));
      }
    });
  for (auto& t : threads) t.join();
  done = true;
  reader.join();

  auto db = OpenDb(dir.path());
  Statement st = db->Prepare("SELECT m.seq, m.received_us, l.leaf FROM messages m JOIN leaves l ON l.log = 1 AND l.seq = m.seq ORDER BY m.seq");
  int64_t previous = 0;
  int rows = 0;
  while (st.Step()) {
    ++rows;
    EXPECT_GE(st.Int(1), previous) << "seq " << st.Int(0);
    auto leaf = Leaf::Decode(st.Blob(2));
    ASSERT_TRUE(leaf.ok());
    EXPECT_LE(static_cast<uint64_t>(st.Int(1)), leaf->commit_time_us) << "seq " << st.Int(0);
    previous = st.Int(1);
  }
  EXPECT_EQ(rows, kThreads * kEach);
  std::vector<RecordId> all;
  for (auto& per : ids) all.insert(all.end(), per.begin(), per.end());
  auto by_bytes = [](const RecordId& x, const RecordId& y) { return x.bytes() < y.bytes(); };
  std::sort(all.begin(), all.end(), by_bytes);
  std::vector<RecordId> sorted = paged;
  std::sort(sorted.begin(), sorted.end(), by_bytes);
  EXPECT_EQ(sorted, all) << "paging oldest first during ingest missed or repeated a message";
}

}  // namespace
}  // namespace chainmail::testing
