// FulltextStore: the index file's writer — writes with their position, removal of a purged
// message, rebuild, reset, and the schema version guard.
#include "archive/fulltext/fulltext_store.h"

#include <gtest/gtest.h>

#include "archive/fulltext/fulltext_schema.h"
#include "tests/archive/archive_test_util.h"

namespace chainmail::testing {
namespace {

FulltextDocument Doc(uint64_t seq, std::string subject, std::string body) {
  FulltextDocument d;
  d.seq = seq;
  d.record_id = RecordId::FromBytes(std::string(15, '\x07') + static_cast<char>(seq));
  d.subject = std::move(subject);
  d.body = std::move(body);
  d.attachments = "plan.pdf";
  d.addresses = "alice@example.com\nbob@example.net";
  return d;
}

std::vector<int64_t> Find(FulltextStore& store, const std::string& match) {
  Statement st = store.db().Prepare("SELECT rowid FROM fulltext_index WHERE fulltext_index MATCH ? ORDER BY rowid");
  st.Bind(1, match);
  std::vector<int64_t> out;
  while (st.Step()) out.push_back(st.Int(0));
  EXPECT_TRUE(st.status().ok()) << st.status().message();
  return out;
}

int64_t Count(FulltextStore& store, const std::string& sql) {
  auto n = store.db().QueryInt(sql.c_str());
  EXPECT_TRUE(n.ok());
  return n.ok() ? *n : -1;
}

TEST(FulltextStore, NewFileStartsEmptyAtVersion1) {
  TempDir dir;
  auto store = FulltextStore::Open(dir.path());
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto state = (*store)->ReadState();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->indexed_through_seq, -1);
  EXPECT_EQ(state->documents, 0u);
  EXPECT_EQ(Count(**store, "PRAGMA user_version"), 1);
  EXPECT_EQ(Count(**store, "PRAGMA synchronous"), 1);  // NORMAL: derived data
}

TEST(FulltextStore, WriteIndexesDocumentsAndMovesThePositionTogether) {
  TempDir dir;
  auto store = FulltextStore::Open(dir.path());
  ASSERT_TRUE(store.ok());
  FulltextDocument d0 = Doc(0, "Quarterly numbers", "the walrus budget");
  d0.record_recipients.push_back({"lawyer@outside.example", "journal-to", ""});
  ASSERT_TRUE((*store)->Write({d0, Doc(2, "other", "no such animal")}, 3).ok());
  auto state = (*store)->ReadState();
  EXPECT_EQ(state->indexed_through_seq, 3);  // seq 1 and 3 had no message: passed over
  EXPECT_EQ(state->documents, 2u);
  EXPECT_EQ(Find(**store, "\"walrus\""), (std::vector<int64_t>{0}));
  EXPECT_EQ(Find(**store, "subject : \"quarterly\""), (std::vector<int64_t>{0}));
  EXPECT_EQ(Find(**store, "\"plan\""), (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(Count(**store, "SELECT count(*) FROM record_recipients WHERE address = 'LAWYER@outside.example'"), 1);
  EXPECT_TRUE((*store)->Check().ok());
}

TEST(FulltextStore, AFailedWriteLeavesNeitherRowsNorPosition) {
  TempDir dir;
  auto store = FulltextStore::Open(dir.path());
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Write({Doc(0, "a", "first")}, 0).ok());
  // Seq 0 again: the content table's key refuses it, and the whole batch goes.
  EXPECT_FALSE((*store)->Write({Doc(1, "b", "second"), Doc(0, "c", "again")}, 1).ok());
  EXPECT_EQ((*store)->ReadState()->indexed_through_seq, 0);
  EXPECT_TRUE(Find(**store, "\"second\"").empty());
  EXPECT_TRUE((*store)->Check().ok());
}

TEST(FulltextStore, AWriteCancelledMidwayLeavesNeitherRowsNorPosition) {
  TempDir dir;
  auto store = FulltextStore::Open(dir.path());
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Write({Doc(0, "a", "first")}, 0).ok());
  int asked = 0;
  Status s = (*store)->Write({Doc(1, "b", "second"), Doc(2, "c", "third"), Doc(3, "d", "fourth")}, 3,
                             [&] { return ++asked > 2; });  // stop before the third document
  EXPECT_EQ(s.code(), Status::Code::kUnavailable) << s.message();
  EXPECT_EQ(asked, 3);
  EXPECT_EQ((*store)->ReadState()->indexed_through_seq, 0);
  EXPECT_TRUE(Find(**store, "\"second\"").empty());
  EXPECT_EQ((*store)->ReadState()->documents, 1u);
  EXPECT_TRUE((*store)->Check().ok());
  ASSERT_TRUE((*store)->Write({Doc(1, "b", "second")}, 1).ok());  // the next start writes it again
  EXPECT_EQ(Find(**store, "\"second\""), (std::vector<int64_t>{1}));
}

TEST(FulltextStore, RemoveTakesAPurgedMessageOutOfIndexAndContent) {
  TempDir dir;
  auto store = FulltextStore::Open(dir.path());
  ASSERT_TRUE(store.ok());
  FulltextDocument d = Doc(5, "secret", "the walrus plan");
  d.record_recipients.push_back({"x@y.example", "journal-cc", "list@y.example"});
  ASSERT_TRUE((*store)->Write({Doc(4, "keep", "walrus too"), d}, 5).ok());
  ASSERT_TRUE((*store)->Remove(5).ok());
  EXPECT_EQ(Find(**store, "\"walrus\""), (std::vector<int64_t>{4}));
  EXPECT_TRUE(Find(**store, "\"secret\"").empty());
  EXPECT_EQ(Count(**store, "SELECT count(*) FROM fulltext_docs WHERE seq = 5"), 0);
  EXPECT_EQ(Count(**store, "SELECT count(*) FROM record_recipients"), 0);
  EXPECT_EQ((*store)->ReadState()->documents, 1u);
  EXPECT_TRUE((*store)->Check().ok());
  EXPECT_EQ((*store)->Remove(5).code(), Status::Code::kNotFound);
}

TEST(FulltextStore, RebuildGivesTheSameMatches) {
  TempDir dir;
  auto store = FulltextStore::Open(dir.path());
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Write({Doc(0, "会議", "来週の会議について"), Doc(1, "x", "walrus")}, 1).ok());
  ASSERT_TRUE((*store)->Rebuild().ok());
  EXPECT_EQ(Find(**store, "\"会議\""), (std::vector<int64_t>{0}));
  EXPECT_EQ(Find(**store, "\"walrus\""), (std::vector<int64_t>{1}));
  EXPECT_TRUE((*store)->Check().ok());
}

TEST(FulltextStore, ResetEmptiesTheIndexForAnArchive) {
  TempDir dir;
  auto store = FulltextStore::Open(dir.path());
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Write({Doc(0, "a", "walrus")}, 7).ok());
  ASSERT_TRUE((*store)->Reset("mail.example/chainmail-01020304").ok());
  auto state = (*store)->ReadState();
  EXPECT_EQ(state->indexed_through_seq, -1);
  EXPECT_EQ(state->documents, 0u);
  EXPECT_EQ(state->archive_origin, "mail.example/chainmail-01020304");
  EXPECT_TRUE(Find(**store, "\"walrus\"").empty());
  EXPECT_TRUE((*store)->Check().ok());
}

TEST(FulltextStore, StateSurvivesReopening) {
  TempDir dir;
  {
    auto store = FulltextStore::Open(dir.path());
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Write({Doc(0, "a", "walrus")}, 0).ok());
  }
  auto store = FulltextStore::Open(dir.path());
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->ReadState()->indexed_through_seq, 0);
  EXPECT_EQ(Find(**store, "\"walrus\""), (std::vector<int64_t>{0}));
}

TEST(FulltextStore, AFileFromANewerChainmailIsRefused) {
  TempDir dir;
  {
    auto store = FulltextStore::Open(dir.path());
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->db().Exec("PRAGMA user_version = 2").ok());
  }
  auto store = FulltextStore::Open(dir.path());
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("newer"), std::string::npos);
}

TEST(FulltextStore, ReadersAttachItReadOnly) {
  TempDir dir;
  {
    auto store = FulltextStore::Open(dir.path());
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Write({Doc(0, "a", "walrus")}, 0).ok());
  }  // closed: no -wal or -shm left behind
  auto archive = OpenArchive(dir.path());
  ASSERT_TRUE(archive);
  auto reader = Database::Open(DatabasePath(dir.path()), Database::Mode::kReadOnly);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE(AttachFulltext((*reader)->handle(), dir.path()).ok());
  EXPECT_TRUE(IsFulltextAttached((*reader)->handle()));
  EXPECT_TRUE(AttachFulltext((*reader)->handle(), dir.path()).ok());  // once is enough
  Statement st = (*reader)->Prepare(
      "SELECT rowid FROM fulltext.fulltext_index f WHERE f.fulltext_index MATCH '\"walrus\"'");
  ASSERT_TRUE(st.Step()) << st.status().message();
  EXPECT_EQ(st.Int(0), 0);
  EXPECT_FALSE((*reader)->Exec("DELETE FROM fulltext.fulltext_docs").ok());
}

TEST(FulltextStore, AttachWithoutAnIndexFileIsNotFound) {
  TempDir dir;
  auto archive = OpenArchive(dir.path());
  ASSERT_TRUE(archive);
  auto reader = Database::Open(DatabasePath(dir.path()), Database::Mode::kReadOnly);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(AttachFulltext((*reader)->handle(), dir.path()).code(), Status::Code::kNotFound);
  EXPECT_FALSE(IsFulltextAttached((*reader)->handle()));
}

}  // namespace
}  // namespace chainmail::testing
