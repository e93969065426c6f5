#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "archive/archive_verifier.h"
#include "archive/blob_store.h"
#include "archive/format/leaf.h"
#include "archive/format/payload_tags.h"
#include "archive/format/sha256.h"
#include "archive/log_head.h"
#include "archive/message_reader.h"
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

}  // namespace
}  // namespace chainmail::testing
