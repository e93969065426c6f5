#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "archive/archive_verifier.h"
#include "archive/checkpoint_store.h"
#include "archive/format/audit_payload.h"
#include "archive/format/payload_tags.h"
#include "audit/audit_checker.h"
#include "audit/audit_log.h"
#include "audit/decided_ingest.h"
#include "audit/service_events.h"
#include "tests/archive/archive_test_util.h"
#include "tests/audit/audit_test_util.h"

namespace chainmail::testing {
namespace {

struct Event {
  uint16_t type;
  AuditPayload payload;
};

std::vector<Event> Events(const std::string& dir) {
  auto db = OpenDb(dir);
  std::vector<Event> out;
  Statement st = db->Prepare(
      "SELECT e.type, p.payload FROM audit_events e JOIN payloads p ON p.record_id = e.record_id ORDER BY e.seq");
  while (st.Step()) out.push_back({static_cast<uint16_t>(st.Int(0)), *AuditPayload::Decode(st.Blob(1))});
  return out;
}

VerifyReport Verify(const std::string& dir) {
  VerifyOptions o;
  o.audit_checker = std::make_shared<AuditChecker>();
  auto r = VerifyArchive(dir, o);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return *r;
}

TEST(Audit, EveryMessageCommitsWithItsPolicyDecisionNamingItsLeaf) {
  TempDir dir;
  auto a = OpenArchive(dir.path());
  RecordId id = IngestDecided(*a, SampleMessage(1));
  auto db = OpenDb(dir.path());
  auto target = MessageTargetRef(*db, id);
  ASSERT_TRUE(target.ok());
  auto events = Events(dir.path());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, auditevent::kPolicyDecision);
  ASSERT_EQ(events[0].payload.targets.size(), 1u);
  EXPECT_TRUE(events[0].payload.targets[0] == *target);
  EXPECT_EQ(events[0].payload.detail, R"({"action":"accept","alerts":[],"labels":[],"policy":"default"})");
  EXPECT_TRUE(Verify(dir.path()).ok());
}

TEST(Audit, DecisionLabelsAreRecordedVerbatim) {
  TempDir dir;
  auto a = OpenArchive(dir.path());
  IngestDecided(*a, SampleMessage(1), [](const MessagePayload&) {
    PolicyDecision d;
    d.labels = {"case-17", "quote\"d"};
    return d;
  });
  EXPECT_EQ(Events(dir.path())[0].payload.detail,
            R"({"action":"accept","alerts":[],"labels":["case-17","quote\"d"],"policy":"default"})");
}

TEST(Audit, MessageWithoutItsDecisionIsReportedByVerify) {
  TempDir dir;
  auto a = OpenArchive(dir.path());
  IngestDecided(*a, SampleMessage(1));
  RecordId bare = Ingest(*a, SampleMessage(2));  // archived without DecidedIngest
  auto report = Verify(dir.path());
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].record_id, bare.ToString());
  EXPECT_NE(report.problems[0].what.find("no policy decision"), std::string::npos);
}

// message_decisions is what searches and reads show as a message's decision: an attacker
// who points it at another event, or deletes it, is caught by verify.
class DecisionIndexTamper : public ::testing::Test {
 protected:
  void SetUp() override {
    archive_ = OpenArchive(dir_.path());
    IngestDecided(*archive_, SampleMessage(1));
    second_ = IngestDecided(*archive_, SampleMessage(2));
    ASSERT_TRUE(Verify(dir_.path()).ok());
    auto db = Database::Open(DatabasePath(dir_.path()), Database::Mode::kReadWrite);
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    ASSERT_TRUE(db_->Exec("DROP TRIGGER message_decisions_append_only_u; "
                          "DROP TRIGGER message_decisions_append_only_d").ok());
  }
  std::string OnlyProblem() {
    auto report = Verify(dir_.path());
    EXPECT_EQ(report.problems.size(), 1u);
    return report.problems.empty() ? "" : report.problems[0].record_id + ": " + report.problems[0].what;
  }
  TempDir dir_;
  std::unique_ptr<Archive> archive_;
  std::unique_ptr<Database> db_;
  RecordId second_;
};

TEST_F(DecisionIndexTamper, ARowPointingAtAnotherMessagesDecisionIsCaught) {
  ASSERT_TRUE(db_->Exec("UPDATE message_decisions SET (event_seq, event_record_id) = "
                        "(SELECT event_seq, event_record_id FROM message_decisions WHERE message_seq = 0) "
                        "WHERE message_seq = 1").ok());
  const std::string problem = OnlyProblem();
  EXPECT_NE(problem.find(second_.ToString()), std::string::npos) << problem;
  EXPECT_NE(problem.find("decision index row names audit event"), std::string::npos) << problem;
}

TEST_F(DecisionIndexTamper, ADeletedRowIsCaught) {
  ASSERT_TRUE(db_->Exec("DELETE FROM message_decisions WHERE message_seq = 1").ok());
  const std::string problem = OnlyProblem();
  EXPECT_NE(problem.find(second_.ToString()), std::string::npos) << problem;
  EXPECT_NE(problem.find("decision index row missing"), std::string::npos) << problem;
}

TEST_F(DecisionIndexTamper, AListingRowNoSearchReadsIsCaught) {
  // Appended beside a policy decision (audit seq 0): the reader never looks at it.
  ASSERT_TRUE(db_->Exec("INSERT INTO audit_listings(event_seq, log, seqs) VALUES (0, 1, '[1]')").ok());
  EXPECT_NE(OnlyProblem().find("listing row that belongs to no search"), std::string::npos);
}

// A batch applied again after one submission failed (a label that already exists, a
// token already revoked): each policy decision still names its message once, and the
// failed submission's event is nowhere.
TEST(Audit, DecisionsOfABatchAppliedAgainNameTheirMessagesOnce) {
  TempDir dir;
  SyncGate gate;
  auto a = OpenGated(dir.path(), gate);
  ASSERT_NE(a, nullptr);
  auto first = std::async(std::launch::async, [&] { return IngestDecided(*a, SampleMessage(1)); });
  ASSERT_TRUE(gate.WaitEntered(1));  // held: the rest gathers in one batch
  auto decided = std::async(std::launch::async, [&] { return IngestDecided(*a, SampleMessage(2)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto refused = std::async(std::launch::async, [&] {
    return AuditLog(*a).RecordWith(LocalUserEvent(auditevent::kMessageRead, "ok", "{}"), [](Database&) {
      return Status::InvalidArgument("the label exists");
    });
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto later = std::async(std::launch::async, [&] { return IngestDecided(*a, SampleMessage(3)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  gate.Open();
  first.get();
  decided.get();
  later.get();
  EXPECT_EQ(refused.get().status().message(), "the label exists");
  EXPECT_GE(a->writer_stats().max_batch, 3u) << "the three did not share a batch";
  auto events = Events(dir.path());
  ASSERT_EQ(events.size(), 3u);
  for (const Event& e : events) {
    EXPECT_EQ(e.type, auditevent::kPolicyDecision);
    EXPECT_EQ(e.payload.targets.size(), 1u);
  }
  a.reset();
  auto report = Verify(dir.path());
  EXPECT_TRUE(report.ok()) << (report.problems.empty() ? "" : report.problems[0].what);
}

TEST(Audit, ServiceStartStopAndConfigChangeAreRecorded) {
  TempDir dir;
  {
    auto a = OpenArchive(dir.path());
    ASSERT_TRUE(RecordServiceStart(*a, "smtp.listen = 127.0.0.1:2525\n", "test").ok());
    ASSERT_TRUE(RecordServiceStop(*a, "SIGTERM").ok());
  }
  {
    auto a = OpenArchive(dir.path());  // a crash follows: no stop recorded
    ASSERT_TRUE(RecordServiceStart(*a, "smtp.listen = 127.0.0.1:2626\n", "test").ok());
  }
  auto a = OpenArchive(dir.path());
  ASSERT_TRUE(RecordServiceStart(*a, "smtp.listen = 127.0.0.1:2626\n", "test").ok());
  auto events = Events(dir.path());
  std::vector<uint16_t> types;
  for (const auto& e : events) types.push_back(e.type);
  EXPECT_EQ(types, (std::vector<uint16_t>{auditevent::kServiceStart, auditevent::kServiceStop, auditevent::kConfigChange,
                                          auditevent::kServiceStart, auditevent::kServiceStart}));
  EXPECT_EQ(*events[2].payload.before, "smtp.listen = 127.0.0.1:2525\n");
  EXPECT_EQ(*events[2].payload.after, "smtp.listen = 127.0.0.1:2626\n");
  EXPECT_NE(events[0].payload.detail.find(R"("previous_run":"none")"), std::string::npos);
  EXPECT_NE(events[3].payload.detail.find(R"("previous_run":"clean")"), std::string::npos);
  EXPECT_NE(events[4].payload.detail.find(R"("previous_run":"unclean")"), std::string::npos);
}

TEST(Audit, BenchmarkOnlyFlagsAreListedInTheStartDetail) {
  TempDir dir;
  auto a = OpenArchive(dir.path());
  ASSERT_TRUE(RecordServiceStart(*a, "smtp.listen = 127.0.0.1:2525\n", "test").ok());
  ASSERT_TRUE(RecordServiceStart(*a, "smtp.listen = 127.0.0.1:2525\n", "test", {"--without-checkpoints"}).ok());
  auto events = Events(dir.path());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].payload.detail.find("benchmark_only_flags"), std::string::npos);
  EXPECT_EQ(events[1].payload.detail.rfind(R"({"benchmark_only_flags":["--without-checkpoints"],)", 0), 0u)
      << events[1].payload.detail;
}

TEST(Audit, ReadIsRecordedWithActorAndTarget) {
  TempDir dir;
  auto a = OpenArchive(dir.path());
  RecordId id = IngestDecided(*a, SampleMessage(1));
  auto db = OpenDb(dir.path());
  auto target = MessageTargetRef(*db, id);
  ASSERT_TRUE(target.ok());
  auto recorded = AuditLog(*a).RecordAbout(LocalUserEvent(auditevent::kMessageRead, "ok", "{}"), *target);
  ASSERT_TRUE(recorded.ok());
  auto events = Events(dir.path());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].type, auditevent::kMessageRead);
  EXPECT_EQ(events[1].payload.auth_method, "local-user");
  EXPECT_FALSE(events[1].payload.actor.empty());
  EXPECT_TRUE(events[1].payload.targets[0] == *target);
  EXPECT_TRUE(Verify(dir.path()).ok());
}

TEST(Audit, TargetRefToAWrongLeafHashIsCaught) {
  TempDir dir;
  auto a = OpenArchive(dir.path());
  RecordId id = IngestDecided(*a, SampleMessage(1));
  auto db = OpenDb(dir.path());
  auto target = MessageTargetRef(*db, id);
  ASSERT_TRUE(target.ok());
  TargetRef forged = *target;
  forged.leaf_hash[0] ^= 1;
  ASSERT_TRUE(AuditLog(*a).RecordAbout(LocalUserEvent(auditevent::kMessageRead, "ok", "{}"), forged).ok());
  auto report = Verify(dir.path());
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.problems[0].what.find("does not match that leaf's hash"), std::string::npos);
}

TEST(Audit, OldCheckpointsAreThinnedToOnePerHour) {
  TempDir dir;
  auto a = OpenArchive(dir.path());
  auto db = OpenDb(dir.path());
  const int64_t hour = 3600LL * 1000000;
  const int64_t now = 100 * 24 * hour;
  // Three an hour for the last 10 days.
  uint64_t size = 1;
  for (int64_t t = now - 10 * 24 * hour; t < now; t += hour / 3)
    ASSERT_TRUE(StoreCheckpoint(*db, {LogName::kMessages, size++, {}, "n", t}).ok());
  auto thinned = ThinCheckpoints(*db, now, 7);
  ASSERT_TRUE(thinned.ok());
  EXPECT_EQ(*thinned, 3u * 24 * 2);  // older than 7 days: 3 days x 24 hours, two of three go
  auto kept = ListCheckpoints(*db, LogName::kMessages);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->size(), 3u * 24 + 7u * 24 * 3);
}

}  // namespace
}  // namespace chainmail::testing
