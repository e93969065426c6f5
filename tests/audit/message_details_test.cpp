// The details a search shows beyond the messages row (archive/message_details.h): read a
// page at a time, the decision through message_decisions (schema/005) whatever else names
// the message, and the fixed ones cached without ever hiding a change.
#include <gtest/gtest.h>

#include "archive/format/audit_payload.h"
#include "archive/format/payload_tags.h"
#include "archive/message_details.h"
#include "archive/migrations.h"
#include "audit/audit_log.h"
#include "audit/decided_ingest.h"
#include "tests/archive/archive_test_util.h"
#include "tests/audit/audit_test_util.h"

namespace chainmail::testing {
namespace {

// Archived with the decision `action`.
RecordId IngestDecidedAs(Archive& archive, const std::string& bytes, const std::string& action,
                       std::vector<std::string> rcpt) {
  return IngestDecided(archive, bytes, [action](const MessagePayload&) {
    PolicyDecision d;
    d.action = action;
    return d;
  }, std::move(rcpt));
}

// The decision the way it was found before schema/005: the first policy.decision event
// among every event naming the message.
std::string DecisionByTargets(Database& db, uint64_t seq) {
  Statement st = db.Prepare(
      "SELECT p.payload FROM audit_event_targets t JOIN audit_events e ON e.record_id = t.record_id "
      "JOIN payloads p ON p.record_id = t.record_id WHERE t.log = 1 AND t.seq = ? AND e.type = 1 ORDER BY e.seq "
      "LIMIT 1");
  st.Bind(1, static_cast<int64_t>(seq));
  if (!st.Step()) return "";
  return AuditPayload::Decode(st.Blob(0))->detail;
}

class MessageDetailsTest : public ::testing::Test {
 protected:
  MessageDetailsTest() : archive_(OpenArchive(dir_.path())) {
    const char* actions[] = {"accept", "quarantine", "accept", "reject"};
    for (int i = 0; i < 4; ++i)
      ids_.push_back(IngestDecidedAs(*archive_, SampleMessage(i), actions[i],
                                   {"<r" + std::to_string(i) + "@x.test>", "<j@archive.test>"}));
    bare_ = Ingest(*archive_, SampleMessage(9));  // archived without a decision: seq 4
  }

  // A search-like event naming messages `seqs` (as GET /api/v1/messages records them).
  void RecordSearch(const std::vector<uint64_t>& seqs, uint16_t type = auditevent::kMessageSearch,
                    const std::string& detail = "{}") {
    auto db = OpenDb(dir_.path());
    AuditEvent e = LocalUserEvent(type, "ok", detail);
    for (uint64_t s : seqs) {
      Statement st = db->Prepare("SELECT record_id FROM messages WHERE seq = ?");
      st.Bind(1, static_cast<int64_t>(s));
      ASSERT_TRUE(st.Step());
      auto target = MessageTargetRef(*db, RecordId::FromBytes(st.Blob(0)));
      ASSERT_TRUE(target.ok());
      e.payload.targets.push_back(*target);
    }
    ASSERT_TRUE(AuditLog(*archive_).Record(std::move(e)).ok());
  }

  std::vector<MessageSummary> Page(const std::vector<uint64_t>& seqs) {
    std::vector<MessageSummary> page;
    for (uint64_t s : seqs) {
      MessageSummary m;
      m.seq = s;
      page.push_back(m);
    }
    return page;
  }

  TempDir dir_;
  std::unique_ptr<Archive> archive_;
  std::vector<RecordId> ids_;
  RecordId bare_;
};

TEST_F(MessageDetailsTest, DecisionIsTheFirstPolicyDecisionHoweverManyEventsNameTheMessage) {
  for (int i = 0; i < 50; ++i) RecordSearch({0, 1, 2, 3, 4});
  // A later policy.decision naming message 1 does not replace its first.
  RecordSearch({1}, auditevent::kPolicyDecision, R"({"action":"reject","policy":"later"})");
  auto db = OpenDb(dir_.path());
  auto decisions = ReadRecordedDecisions(*db, {0, 1, 2, 3, 4});
  ASSERT_TRUE(decisions.ok()) << decisions.status().message();
  ASSERT_EQ(decisions->size(), 4u) << "message 4 has none";
  EXPECT_EQ(decisions->at(0).action, "accept");
  EXPECT_EQ(decisions->at(1).action, "quarantine");
  EXPECT_EQ(decisions->at(1).policy, "default");
  EXPECT_EQ(decisions->at(3).action, "reject");
  for (uint64_t s = 0; s < 4; ++s) {
    auto one = ReadRecordedDecision(*db, s);
    ASSERT_TRUE(one.ok());
    EXPECT_EQ(one->event_seq, decisions->at(s).event_seq);
    EXPECT_NE(DecisionByTargets(*db, s).find("\"action\":\"" + one->action + "\""), std::string::npos);
  }
  EXPECT_EQ(ReadRecordedDecision(*db, 4).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(*db->QueryInt("SELECT count(*) FROM message_decisions"), 4);
}

TEST_F(MessageDetailsTest, MigrationBackfillsTheDecisionsOfAnArchiveFromBeforeIt) {
  RecordSearch({0, 2});
  archive_.reset();
  {
    // Back to schema 4: as if the archive had been written before 005 (and 006, whose
    // listings table goes too; the search above is then one with no index rows).
    auto db = Database::Open(DatabasePath(dir_.path()), Database::Mode::kReadWrite);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("DROP TRIGGER message_decisions_from_targets; DROP TABLE message_decisions; "
                            "DROP TABLE audit_listings; PRAGMA user_version = 4").ok());
    ASSERT_TRUE(ApplyMigrations(**db).ok());
  }
  auto db = OpenDb(dir_.path());
  for (uint64_t s = 0; s < 5; ++s) {
    auto d = ReadRecordedDecision(*db, s);
    const std::string old = DecisionByTargets(*db, s);
    if (old.empty()) {
      EXPECT_EQ(d.status().code(), Status::Code::kNotFound) << s;
    } else {
      ASSERT_TRUE(d.ok()) << s;
      EXPECT_NE(old.find("\"action\":\"" + d->action + "\""), std::string::npos) << s;
    }
  }
  archive_ = OpenArchive(dir_.path());  // new decisions are indexed after the backfill too
  IngestDecidedAs(*archive_, SampleMessage(10), "throttle", {"<r@x.test>"});
  EXPECT_EQ(ReadRecordedDecision(*OpenDb(dir_.path()), 5)->action, "throttle");
}

TEST_F(MessageDetailsTest, APageReadsWhatOneByOneReadsWouldAndLabelsEveryTime) {
  {
    auto db = Database::Open(DatabasePath(dir_.path()), Database::Mode::kReadWrite);
    ASSERT_TRUE((*db)->Exec("INSERT INTO message_labels VALUES (2, 'case-b', 1, 'x'), (2, 'case-a', 1, 'x')").ok());
  }
  MessageDetailCache cache(1 << 20);
  auto db = OpenDb(dir_.path());
  std::vector<MessageSummary> page = Page({3, 2, 4, 0});
  ASSERT_TRUE(AddMessageDetails(*db, page, &cache).ok());
  for (const MessageSummary& m : page) {
    Statement leaf = db->Prepare("SELECT leaf_hash FROM leaves WHERE log = 1 AND seq = ?");
    leaf.Bind(1, static_cast<int64_t>(m.seq));
    ASSERT_TRUE(leaf.Step());
    EXPECT_EQ(m.leaf_hash, Hash32FromBytes(leaf.Blob(0))) << m.seq;
    auto labels = ReadMessageLabels(*db, m.seq);
    ASSERT_EQ(m.labels.size(), labels->size());
    for (size_t i = 0; i < m.labels.size(); ++i) EXPECT_EQ(m.labels[i], (*labels)[i].label);
  }
  EXPECT_EQ(page[0].rcpt_to, (std::vector<std::string>{"r3@x.test", "j@archive.test"}));
  EXPECT_EQ(page[0].decision, "reject");
  EXPECT_EQ(page[1].labels, (std::vector<std::string>{"case-a", "case-b"}));
  EXPECT_EQ(page[2].decision, "");
  EXPECT_EQ(page[3].decision, "accept");
  EXPECT_EQ(cache.entries(), 3u) << "message 4 has no decision yet: not cached";

  {  // Labels change; the next page shows the change although the rest comes from the cache.
    auto rw = Database::Open(DatabasePath(dir_.path()), Database::Mode::kReadWrite);
    ASSERT_TRUE((*rw)->Exec("DELETE FROM message_labels WHERE label = 'case-a'").ok());
    ASSERT_TRUE((*rw)->Exec("INSERT INTO message_labels VALUES (3, 'case-c', 2, 'x')").ok());
  }
  std::vector<MessageSummary> again = Page({3, 2});
  ASSERT_TRUE(AddMessageDetails(*db, again, &cache).ok());
  EXPECT_EQ(again[0].labels, (std::vector<std::string>{"case-c"}));
  EXPECT_EQ(again[1].labels, (std::vector<std::string>{"case-b"}));
  EXPECT_EQ(again[0].rcpt_to, page[0].rcpt_to);
  EXPECT_EQ(again[0].leaf_hash, page[0].leaf_hash);
}

TEST_F(MessageDetailsTest, AMissingLeafIsCorruptionNotAnEmptyHash) {
  auto db = OpenDb(dir_.path());
  std::vector<MessageSummary> page = Page({0, 999});
  EXPECT_EQ(AddMessageDetails(*db, page, nullptr).code(), Status::Code::kCorruption);
}

TEST(MessageDetailCache, StaysWithinItsBoundForgettingTheLeastRecentlyUsed) {
  FixedMessageDetails d;
  d.rcpt_to = {std::string(100, 'r')};
  d.decision = "accept";
  MessageDetailCache cache(4096);
  for (uint64_t s = 0; s < 100; ++s) {
    cache.Keep(s, d);
    if (s >= 1) cache.Find({0});  // message 0 stays in use
    EXPECT_LE(cache.bytes(), 4096u);
  }
  EXPECT_GT(cache.entries(), 3u);
  EXPECT_LT(cache.entries(), 40u);
  EXPECT_EQ(cache.Find({0}).size(), 1u) << "recently used: kept";
  EXPECT_EQ(cache.Find({1}).size(), 0u) << "least recently used: forgotten";
  EXPECT_EQ(cache.Find({99}).at(99).rcpt_to, d.rcpt_to);
  MessageDetailCache tiny(16);
  tiny.Keep(1, d);
  EXPECT_EQ(tiny.entries(), 0u) << "an entry larger than the whole bound is not kept";
}

}  // namespace
}  // namespace chainmail::testing
