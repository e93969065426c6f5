// Search listings (schema/006, audit/listing_index.h): a search's targets are one appended
// audit_listings row, verify reads them back, and "events naming message X" stays complete
// whether the derived listing index has caught up, lags, is missing or is another archive's.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "archive/archive_verifier.h"
#include "archive/format/audit_payload.h"
#include "archive/format/payload_tags.h"
#include "archive/log_head.h"
#include "audit/audit_checker.h"
#include "audit/audit_log.h"
#include "audit/audit_query.h"
#include "audit/listing_index.h"
#include "tests/archive/archive_test_util.h"
#include "tests/audit/audit_test_util.h"

namespace chainmail::testing {
namespace {

class ListingIndexTest : public ::testing::Test {
 protected:
  ListingIndexTest() : archive_(OpenArchive(dir_.path())) {
    for (int i = 0; i < 6; ++i) ids_.push_back(IngestDecided(*archive_, SampleMessage(i)));
    db_ = OpenDb(dir_.path());
  }

  TargetRef Target(size_t i) {
    auto t = MessageTargetRef(*db_, ids_[i]);
    EXPECT_TRUE(t.ok());
    return *t;
  }

  // Records an event of `type` naming messages `which` (as GET /api/v1/messages does);
  // returns its audit seq.
  uint64_t Record(uint16_t type, const std::vector<size_t>& which) {
    AuditEvent e = LocalUserEvent(type, "ok", "{}");
    for (size_t i : which) e.payload.targets.push_back(Target(i));
    auto id = AuditLog(*archive_).Record(std::move(e));
    EXPECT_TRUE(id.ok());
    auto leaf = LeafOfRecord(*db_, *id);
    EXPECT_TRUE(leaf.ok());
    return leaf->seq;
  }

  // The audit seqs of every event naming message `i`, oldest first, a page of 2 at a time.
  std::vector<uint64_t> Naming(size_t i) {
    AuditFilter f;
    f.target = LeafPosition{LogName::kMessages, Target(i).seq};
    AuditPageRequest p;
    p.newest_first = false;
    p.limit = 2;
    auto head = ReadLogHead(*db_, LogName::kAudit);
    EXPECT_TRUE(head.ok());
    p.snapshot_size = head->size;
    std::vector<uint64_t> out;
    for (;;) {
      auto page = QueryAuditEvents(*db_, f, p);
      EXPECT_TRUE(page.ok()) << page.status().message();
      if (!page.ok()) return out;
      for (const AuditEventRow& e : page->events) out.push_back(e.seq);
      if (!page->more) return out;
      p.after = AuditKey{page->events.back().event_us, page->events.back().seq};
    }
  }

  // The audit seq of message i's policy decision, which names it too.
  uint64_t Decision(size_t i) {
    Statement st = db_->Prepare("SELECT event_seq FROM message_decisions WHERE message_seq = ?");
    st.Bind(1, static_cast<int64_t>(Target(i).seq));
    EXPECT_TRUE(st.Step());
    return static_cast<uint64_t>(st.Int(0));
  }

  Hash32 AuditLogId() {
    auto identity = ReadLogIdentity(*db_, LogName::kAudit);
    EXPECT_TRUE(identity.ok());
    return identity->log_id;
  }

  uint64_t CatchUp() {
    auto index = OpenListingIndex(dir_.path(), *db_, AuditLogId());
    EXPECT_TRUE(index.ok()) << index.status().message();
    auto n = IndexListings(*db_, **index, 2);  // small transactions: several of them
    EXPECT_TRUE(n.ok()) << n.status().message();
    return n.ok() ? *n : 0;
  }

  bool Verifies() {
    VerifyOptions o;
    o.audit_checker = std::make_shared<AuditChecker>();
    auto r = VerifyArchive(dir_.path(), o);
    EXPECT_TRUE(r.ok());
    for (const auto& p : r->problems) ADD_FAILURE() << p.what;
    return r.ok() && r->ok();
  }

  TempDir dir_;
  std::unique_ptr<Archive> archive_;
  std::vector<RecordId> ids_;
  std::unique_ptr<Database> db_;
};

TEST_F(ListingIndexTest, ASearchIsOneAppendedListingRowInPageOrderAndVerifies) {
  const uint64_t search = Record(auditevent::kMessageSearch, {4, 1, 5});
  Statement rows = db_->Prepare("SELECT log, seqs FROM audit_listings WHERE event_seq = ?");
  rows.Bind(1, static_cast<int64_t>(search));
  ASSERT_TRUE(rows.Step());
  EXPECT_EQ(rows.Int(0), 1);
  EXPECT_EQ(rows.Text(1), "[" + std::to_string(Target(4).seq) + "," + std::to_string(Target(1).seq) + "," +
                              std::to_string(Target(5).seq) + "]");
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM audit_event_targets t JOIN audit_events e "
                          "ON e.record_id = t.record_id WHERE e.type = 16")
                .value(),
            0)
      << "no random per-message index rows for a search";
  EXPECT_TRUE(Verifies());
}

TEST_F(ListingIndexTest, AnEmptySearchAndOtherEventsKeepTargetRows) {
  Record(auditevent::kMessageSearch, {});
  const uint64_t read = Record(auditevent::kMessageRead, {2});
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM audit_listings").value(), 0);
  EXPECT_EQ(Naming(2), std::vector<uint64_t>({Decision(2), read}));
  EXPECT_TRUE(Verifies());
}

TEST_F(ListingIndexTest, AlteredListingIsCaughtByVerify) {
  Record(auditevent::kMessageSearch, {0, 3});
  ASSERT_TRUE(Verifies());
  archive_->Close();
  auto raw = Database::Open(dir_.path() + "/chainmail.db", Database::Mode::kReadWrite);
  ASSERT_TRUE(raw.ok());
  ASSERT_TRUE((*raw)->Exec("DROP TRIGGER audit_listings_append_only_u; UPDATE audit_listings SET seqs = '[0]'").ok());
  VerifyOptions o;
  o.audit_checker = std::make_shared<AuditChecker>();
  auto r = VerifyArchive(dir_.path(), o);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok()) << "a listing that no longer matches its payload";
}

TEST_F(ListingIndexTest, NamingIsCompleteWithoutIndexWhileItLagsAndOnceCaughtUp) {
  const uint64_t s1 = Record(auditevent::kMessageSearch, {0, 2});
  const uint64_t read = Record(auditevent::kMessageRead, {2});
  const uint64_t s2 = Record(auditevent::kMessageSearch, {2, 3});
  const uint64_t s3 = Record(auditevent::kMessageSearch, {3, 2, 1});
  const std::vector<uint64_t> all = {Decision(2), s1, read, s2, s3};
  EXPECT_EQ(Naming(2), all) << "no index file: every listing is read";
  EXPECT_EQ(CatchUp(), 3u);
  EXPECT_EQ(Naming(2), all) << "indexed";
  const uint64_t s4 = Record(auditevent::kMessageSearch, {2});
  const uint64_t s5 = Record(auditevent::kMessageSearch, {5});
  std::vector<uint64_t> more = all;
  more.push_back(s4);
  EXPECT_EQ(Naming(2), more) << "the index lags by two: its tail is read";
  EXPECT_EQ(Naming(5), std::vector<uint64_t>({Decision(5), s5}));
  EXPECT_EQ(Naming(4), std::vector<uint64_t>({Decision(4)})) << "never listed";
  EXPECT_EQ(CatchUp(), 2u);
  EXPECT_EQ(Naming(2), more) << "no event twice";
  EXPECT_EQ(CatchUp(), 0u) << "nothing left";
  ListedBy listed = LookupListings(dir_.path(), AuditLogId(), 1, Target(2).seq);
  EXPECT_EQ(listed.next, s5 + 1);
  EXPECT_EQ(listed.event_seqs, std::vector<uint64_t>({s1, s2, s3, s4}));
}

TEST_F(ListingIndexTest, AnotherArchivesIndexIsIgnoredThenRebuilt) {
  const uint64_t s1 = Record(auditevent::kMessageSearch, {1});
  CatchUp();
  Hash32 other = AuditLogId();
  other[0] ^= 1;
  EXPECT_EQ(LookupListings(dir_.path(), other, 1, Target(1).seq).next, 0u) << "not this archive's";
  auto index = OpenListingIndex(dir_.path(), *db_, other);  // as if the file came from elsewhere
  ASSERT_TRUE(index.ok());
  EXPECT_EQ((*index)->QueryInt("SELECT count(*) FROM listed").value(), 0) << "emptied";
  index->reset();
  EXPECT_EQ(Naming(1), std::vector<uint64_t>({Decision(1), s1})) << "complete from the listings alone";
  EXPECT_EQ(CatchUp(), 1u) << "rebuilt for this archive";
  EXPECT_EQ(Naming(1), std::vector<uint64_t>({Decision(1), s1}));
}

TEST_F(ListingIndexTest, AnIndexAheadOfTheArchiveIsRebuilt) {
  Record(auditevent::kMessageSearch, {1});
  CatchUp();
  {
    auto index = Database::Open(ListingIndexPath(dir_.path()), Database::Mode::kReadWrite);
    ASSERT_TRUE(index.ok());
    ASSERT_TRUE((*index)->Exec("UPDATE progress SET next = 1000000").ok());  // a restored, older archive
  }
  auto index = OpenListingIndex(dir_.path(), *db_, AuditLogId());
  ASSERT_TRUE(index.ok());
  EXPECT_EQ((*index)->QueryInt("SELECT next FROM progress").value(), 0);
  EXPECT_EQ((*index)->QueryInt("SELECT count(*) FROM listed").value(), 0) << "emptied";
}

TEST_F(ListingIndexTest, AGarbledIndexFileIsRebuiltAndNeverTrusted) {
  const uint64_t s1 = Record(auditevent::kMessageSearch, {3});
  {
    FILE* f = fopen(ListingIndexPath(dir_.path()).c_str(), "w");
    ASSERT_NE(f, nullptr);
    fputs("not a database", f);
    fclose(f);
  }
  EXPECT_EQ(Naming(3), std::vector<uint64_t>({Decision(3), s1}));
  EXPECT_EQ(CatchUp(), 1u) << "the garbled file is replaced, not fatal";
  EXPECT_EQ(Naming(3), std::vector<uint64_t>({Decision(3), s1}));
}

TEST_F(ListingIndexTest, TheIndexerThreadCatchesUpAndStops) {
  std::vector<uint64_t> searches;
  for (int i = 0; i < 30; ++i) searches.push_back(Record(auditevent::kMessageSearch, {static_cast<size_t>(i % 6)}));
  auto indexer = ListingIndexer::Start(dir_.path(), std::chrono::milliseconds(10));
  ASSERT_TRUE(indexer.ok()) << indexer.status().message();
  for (int i = 0; i < 500 && (*indexer)->status().next <= searches.back(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ListingIndexerStatus st = (*indexer)->status();
  EXPECT_EQ(st.next, searches.back() + 1);
  EXPECT_EQ(st.indexed, 30u);
  EXPECT_TRUE(st.last_error.ok());
  (*indexer)->Stop();
  (*indexer)->Stop();  // idempotent
  EXPECT_EQ(LookupListings(dir_.path(), AuditLogId(), 1, Target(0).seq).event_seqs.size(), 5u);
}

TEST(ListingText, OnlyTheWrittenFormParses) {
  EXPECT_EQ(ParseListingText("[]"), std::vector<uint64_t>());
  EXPECT_EQ(ParseListingText("[7,3,12]"), std::vector<uint64_t>({7, 3, 12}));
  for (const char* bad : {"", "[", "]", "[1,]", "[,1]", "[1,,2]", "[ 1]", "[-1]", "[1.5]", "7,3", "[18446744073709551616]"})
    EXPECT_FALSE(ParseListingText(bad).has_value()) << bad;
}

TEST_F(ListingIndexTest, AStoppedPassEndsBetweenTransactionsAndTheNextGoesOn) {
  for (int i = 0; i < 5; ++i) Record(auditevent::kMessageSearch, {static_cast<size_t>(i)});
  auto index = OpenListingIndex(dir_.path(), *db_, AuditLogId());
  ASSERT_TRUE(index.ok()) << index.status().message();
  int asked = 0;
  auto first = IndexListings(*db_, **index, 2, SIZE_MAX, [&] { return ++asked > 1; });  // one transaction, then stop
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(*first, 2u);
  auto rest = IndexListings(*db_, **index, 2);
  ASSERT_TRUE(rest.ok()) << rest.status().message();
  EXPECT_EQ(*rest, 3u);
  EXPECT_TRUE(Verifies());
}

TEST_F(ListingIndexTest, ATransactionStopsTakingListingsAtItsRowBound) {
  // Three searches of 3, 2 and 3 messages; at most 4 rows a transaction: the first takes
  // the first two searches (5 rows: it stops once it has 4), the next the third; every
  // leaf is found by its searches afterwards.
  const uint64_t a = Record(auditevent::kMessageSearch, {0, 1, 2});
  const uint64_t b = Record(auditevent::kMessageSearch, {2, 3});
  const uint64_t c = Record(auditevent::kMessageSearch, {0, 4, 5});
  auto index = OpenListingIndex(dir_.path(), *db_, AuditLogId());
  ASSERT_TRUE(index.ok()) << index.status().message();
  int transactions = 0;
  auto first = IndexListings(*db_, **index, 100, 4, [&] { return ++transactions > 1; });
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(*first, 2u);
  auto rest = IndexListings(*db_, **index, 100, 4);
  ASSERT_TRUE(rest.ok()) << rest.status().message();
  EXPECT_EQ(*rest, 1u);
  const Hash32 audit = AuditLogId();
  auto listed = [&](size_t i) { return LookupListings(dir_.path(), audit, 1, Target(i).seq).event_seqs; };
  auto has = [](const std::vector<uint64_t>& v, uint64_t e) { return std::find(v.begin(), v.end(), e) != v.end(); };
  EXPECT_TRUE(has(listed(0), a) && has(listed(0), c));
  EXPECT_TRUE(has(listed(2), a) && has(listed(2), b));
  EXPECT_TRUE(has(listed(5), c));
  EXPECT_FALSE(has(listed(5), a));
  EXPECT_TRUE(Verifies());
}

TEST_F(ListingIndexTest, AStopMidTransactionRollsItBackAndTheNextPassRedoesIt) {
  // One listing of 12,000 leaves (written straight into the table: only the index is under
  // test here), more than one stop check's worth of rows.
  std::string seqs = "[";
  for (int i = 0; i < 12000; ++i) seqs += (i ? "," : "") + std::to_string(i);
  seqs += "]";
  Statement ins = db_->Prepare("INSERT INTO audit_listings(event_seq, log, seqs) VALUES (1000000, 1, ?)");
  ASSERT_TRUE(ins.Bind(1, seqs).Run().ok());
  auto index = OpenListingIndex(dir_.path(), *db_, AuditLogId());
  ASSERT_TRUE(index.ok()) << index.status().message();
  auto listed = [&] { return *(*index)->QueryInt("SELECT count(*) FROM listed"); };
  int asked = 0;
  auto stopped = IndexListings(*db_, **index, 100, SIZE_MAX, [&] { return ++asked > 1; });  // between: no; within: yes
  ASSERT_TRUE(stopped.ok()) << stopped.status().message();
  EXPECT_EQ(*stopped, 0u);
  EXPECT_EQ(asked, 2);
  EXPECT_EQ(listed(), 0);
  auto again = IndexListings(*db_, **index, 100);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(*again, 1u);
  EXPECT_EQ(listed(), 12000);
}

}  // namespace
}  // namespace chainmail::testing
