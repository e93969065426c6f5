// "Acknowledged means durable" at the archive: Commit() returns a record id only after
// the WAL sync that began after its commit has ended, and never after a failed one. The
// sync is gated here (ArchiveOptions::sync_wal), so the test can hold a commit between
// "written and visible to readers" and "synced" and watch that nothing is answered there.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "archive/archive.h"
#include "archive/extracted_message.h"
#include "archive/archive_verifier.h"
#include "tests/archive/archive_test_util.h"

namespace chainmail::testing {
namespace {

int64_t CountMessages(const std::string& dir) {
  auto db = OpenDb(dir);
  auto n = db->QueryInt("SELECT count(*) FROM messages");
  return n.ok() ? *n : -1;
}

TEST(AcknowledgedMeansDurable, ACommittedMessageIsNotAnsweredUntilItsSyncEnds) {
  TempDir dir;
  SyncGate gate;
  auto archive = OpenGated(dir.path(), gate);
  ASSERT_NE(archive, nullptr);
  auto answered = std::async(std::launch::async, [&] { return Ingest(*archive, SampleMessage(1)); });
  ASSERT_TRUE(gate.WaitEntered(1));
  // Committed: another connection reads it. Not synced: the session has no answer yet.
  EXPECT_EQ(CountMessages(dir.path()), 1);
  EXPECT_EQ(answered.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  gate.Open();
  ASSERT_EQ(answered.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(ReadRaw(dir.path(), answered.get()), SampleMessage(1));
}

// Records what the archive offers the full-text indexer.
class RecordingSink : public ExtractedMessageSink {
 public:
  void Offer(ExtractedMessage message) override {
    std::lock_guard<std::mutex> lock(mu_);
    offered_.push_back(std::move(message));
  }
  std::vector<ExtractedMessage> offered() {
    std::lock_guard<std::mutex> lock(mu_);
    return offered_;
  }

 private:
  std::mutex mu_;
  std::vector<ExtractedMessage> offered_;
};

// The session extracts the message's text while its commit syncs; the indexer is still
// offered it only once it is durable, and then with its seq and text.
TEST(AcknowledgedMeansDurable, TheFullTextIndexerIsOfferedAMessageOnlyAfterItsSync) {
  TempDir dir;
  SyncGate gate;
  auto archive = OpenGated(dir.path(), gate);
  ASSERT_NE(archive, nullptr);
  auto sink = std::make_shared<RecordingSink>();
  archive->SetExtractedMessageSink(sink);
  const std::string message = "From: a@example.com\r\nSubject: quarterly\r\n\r\nthe walrus report\r\n";
  auto answered = std::async(std::launch::async, [&] { return Ingest(*archive, message); });
  ASSERT_TRUE(gate.WaitEntered(1));
  EXPECT_EQ(CountMessages(dir.path()), 1);
  EXPECT_EQ(answered.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  EXPECT_TRUE(sink->offered().empty());
  gate.Open();
  ASSERT_EQ(answered.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  const RecordId id = answered.get();
  auto offered = sink->offered();
  ASSERT_EQ(offered.size(), 1u);
  EXPECT_EQ(offered[0].record_id, id);
  EXPECT_EQ(offered[0].seq, 0u);
  EXPECT_NE(offered[0].mime.text.find("walrus"), std::string::npos) << offered[0].mime.text;
  EXPECT_EQ(offered[0].mime.subject, "quarterly");
}

// A failed sync: the commit it covered is answered with the failure (the session says
// 451, the gateway retries), every later commit fails too, and the archive says why.
TEST(AcknowledgedMeansDurable, AFailedSyncAnswersNoOneAndIsFinal) {
  TempDir dir;
  SyncGate gate;
  auto archive = OpenGated(dir.path(), gate);
  ASSERT_NE(archive, nullptr);
  auto commit = [&](int i) { return TryIngest(*archive, SampleMessage(i)); };
  auto first = std::async(std::launch::async, commit, 1);
  ASSERT_TRUE(gate.WaitEntered(1));
  gate.Fail();
  auto failed = first.get();
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("injected"), std::string::npos) << failed.status().message();
  EXPECT_FALSE(archive->sync_failure().ok());
  // Final: later commits fail without a sync, since after a failed fsync the kernel may
  // report the next one as fine although it dropped pages.
  auto later = commit(2);
  EXPECT_FALSE(later.ok());
  EXPECT_NE(later.status().message().find("injected"), std::string::npos) << later.status().message();
}

// An audit-log record with an opaque payload (content checks need the audit checker; the
// archive verifier checks its leaf, chain, commitment and tree).
AppendRequest OpaqueRecord(Archive& archive, std::function<Status(Database&, const AppendedLeaf&)> content = {}) {
  AppendRequest r;
  r.log = LogName::kAudit;
  r.type = RecordType::kAuditEvent;
  r.subtype = 1;
  r.record_id = archive.mint().NewRecordId();
  r.salt = archive.mint().RandomBytes(32);
  r.payload = Bytes{1, 2, 3};
  r.write_content = std::move(content);
  return r;
}

// The writer applies a batch without savepoints. One submission failing on its own (not
// the disk) after it wrote rows must leave exactly the others: it is rolled back and the
// batch applied again, and nothing of it, not even its leaf, remains.
TEST(GroupCommit, ASubmissionThatFailsMidBatchLeavesTheRestOfTheBatchWhole) {
  TempDir dir;
  SyncGate gate;
  auto archive = OpenGated(dir.path(), gate);
  ASSERT_NE(archive, nullptr);
  auto append = [&](AppendRequest r) {
    std::vector<AppendRequest> v;
    v.push_back(std::move(r));
    return std::async(std::launch::async, [&archive, v = std::move(v)]() mutable { return archive->Append(std::move(v)); });
  };
  auto first = append(OpaqueRecord(*archive));
  ASSERT_TRUE(gate.WaitEntered(1));  // its sync is held: what comes next gathers in one batch
  auto before = append(OpaqueRecord(*archive));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto bad = append(OpaqueRecord(*archive, [](Database&, const AppendedLeaf&) {
    return Status::InvalidArgument("refused by its content");  // after its leaf was written
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto after = append(OpaqueRecord(*archive));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  gate.Open();
  ASSERT_TRUE(first.get().ok());
  auto b = before.get();
  auto x = bad.get();
  auto a = after.get();
  ASSERT_TRUE(b.ok()) << b.status().message();
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_FALSE(x.ok());
  EXPECT_EQ(x.status().message(), "refused by its content");
  EXPECT_EQ((*b)[0].seq, 1u);
  EXPECT_EQ((*a)[0].seq, 2u);  // the failed one took no seq
  EXPECT_GE(archive->writer_stats().max_batch, 3u) << "the three did not share a batch";
  auto db = OpenDb(dir.path());
  EXPECT_EQ(db->QueryInt("SELECT count(*) FROM leaves WHERE log = 2").value(), 3);
  EXPECT_EQ(db->QueryInt("SELECT count(*) FROM payloads").value(), 3);
  archive.reset();
  auto report = VerifyArchive(dir.path(), {});
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(report->ok()) << (report->problems.empty() ? "" : report->problems[0].what);
}

}  // namespace
}  // namespace chainmail::testing
