// The tamper matrix on a real archive database: an attacker with write access drops the
// append-only triggers and edits rows; verify must catch each change and name the record.
#include <gtest/gtest.h>

#include <functional>

#include "archive/archive_verifier.h"
#include "archive/format/leaf.h"
#include "tests/archive/archive_test_util.h"

namespace chainmail::testing {
namespace {

class TamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto a = OpenArchive(dir_.path());
    for (int i = 0; i < 8; ++i) ids_.push_back(Ingest(*a, SampleMessage(i, 500 + 300 * i)));
    a.reset();
    db_ = OpenDb(dir_.path());
    std::vector<std::string> triggers;
    Statement st = db_->Prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'");
    while (st.Step()) triggers.emplace_back(st.Text(0));
    for (const auto& t : triggers) ASSERT_TRUE(db_->Exec("DROP TRIGGER " + t).ok());
    ASSERT_TRUE(db_->Exec("PRAGMA foreign_keys = OFF").ok());
  }

  // XORs one byte (at `offset`) of a BLOB column in the one row `where` selects.
  void FlipByte(const std::string& table, const std::string& column, const std::string& where, size_t offset) {
    std::string value;
    {
      Statement st = db_->Prepare("SELECT " + column + " FROM " + table + " WHERE " + where);
      ASSERT_TRUE(st.Step()) << where;
      value = st.Blob(0);
      ASSERT_FALSE(st.Step()) << "more than one row: " << where;
    }
    ASSERT_LT(offset, value.size());
    value[offset] ^= 0x5a;
    Statement up = db_->Prepare("UPDATE " + table + " SET " + column + " = ? WHERE " + where);
    ASSERT_TRUE(up.BindBlob(1, value).Run().ok());
  }

  std::string Hex(int i) { return "x'" + ToHex(ids_[i].AsBytes()) + "'"; }
  void Exec(const std::string& sql) { ASSERT_TRUE(db_->Exec(sql).ok()) << sql; }

  // Runs verify and returns its problems as "record: what" lines.
  std::vector<std::string> Problems() {
    auto report = VerifyArchive(dir_.path(), {});
    EXPECT_TRUE(report.ok()) << report.status().message();
    std::vector<std::string> out;
    if (report.ok())
      for (const auto& p : report->problems) out.push_back(p.record_id + ": " + p.what);
    return out;
  }

  // True when some problem names record i and contains `what`.
  bool Names(const std::vector<std::string>& problems, int i, const std::string& what) {
    for (const auto& p : problems)
      if (p.rfind(ids_[i].ToString(), 0) == 0 && p.find(what) != std::string::npos) return true;
    return false;
  }

  // How many problems contain `what`, whichever record they name.
  static int Mentions(const std::vector<std::string>& problems, const std::string& what) {
    int n = 0;
    for (const auto& p : problems) n += p.find(what) != std::string::npos;
    return n;
  }

  TempDir dir_;
  std::vector<RecordId> ids_;
  std::unique_ptr<Database> db_;
};

TEST_F(TamperTest, UntouchedArchiveVerifies) { EXPECT_TRUE(Problems().empty()); }

TEST_F(TamperTest, FlippedBlobChunkByteNamesTheRecord) {
  FlipByte("blob_chunks", "data", "sha256 = (SELECT raw_sha256 FROM messages WHERE record_id = " + Hex(3) + ") AND idx = 0", 20);
  auto p = Problems();
  EXPECT_TRUE(Names(p, 3, "message body")) << ::testing::PrintToString(p);
  EXPECT_EQ(p.size(), 1u) << ::testing::PrintToString(p);
}

TEST_F(TamperTest, EditedMetadataRowNamesTheRecord) {
  Exec("UPDATE messages SET subject = 'nothing to see' WHERE record_id = " + Hex(2));
  EXPECT_TRUE(Names(Problems(), 2, "Subject"));
}

TEST_F(TamperTest, EditedEnvelopeAddressRowNamesTheRecord) {
  Exec("UPDATE message_addresses SET address = 'someone@else.example' WHERE kind = 0 AND record_id = " + Hex(5));
  EXPECT_TRUE(Names(Problems(), 5, "addresses"));
}

TEST_F(TamperTest, FlippedLeafByteBreaksItsHashAndTheNextLink) {
  FlipByte("leaves", "leaf", "log = 1 AND seq = 4", 80);  // inside commit_time_us
  auto p = Problems();
  EXPECT_TRUE(Names(p, 4, "stored leaf hash")) << ::testing::PrintToString(p);
  EXPECT_TRUE(Names(p, 5, "chain broken")) << ::testing::PrintToString(p);
}

TEST_F(TamperTest, RecomputedLeafHashStillBreaksTheChain) {
  // A careful attacker also fixes leaf_hash; the next leaf's prev_leaf_hash still disagrees.
  FlipByte("leaves", "leaf", "log = 1 AND seq = 4", 80);
  auto leaf_db = OpenDb(dir_.path());
  Statement st = leaf_db->Prepare("SELECT leaf FROM leaves WHERE seq = 4");
  ASSERT_TRUE(st.Step());
  std::string hash = ToHex(LeafHash(st.Blob(0)));
  Exec("UPDATE leaves SET leaf_hash = x'" + hash + "' WHERE seq = 4");
  EXPECT_TRUE(Names(Problems(), 5, "chain broken"));
}

TEST_F(TamperTest, EditedPayloadFailsTheCommitment) {
  FlipByte("payloads", "payload", "record_id = " + Hex(1), 10);
  EXPECT_TRUE(Names(Problems(), 1, "commitment"));
}

TEST_F(TamperTest, ReplacedSaltFailsTheCommitment) {
  Exec("UPDATE payloads SET salt = zeroblob(32) WHERE record_id = " + Hex(6));
  EXPECT_TRUE(Names(Problems(), 6, "commitment"));
}

TEST_F(TamperTest, DeletedLeafIsAGap) {
  Exec("DELETE FROM leaves WHERE seq = 3");
  auto p = Problems();
  bool gap = false;
  for (const auto& s : p) gap |= s.find("leaf missing") != std::string::npos;
  EXPECT_TRUE(gap) << ::testing::PrintToString(p);
  EXPECT_TRUE(Names(p, 3, "without a leaf")) << ::testing::PrintToString(p);
}

TEST_F(TamperTest, DeletedLastLeafLeavesOrphanedRows) {
  Exec("DELETE FROM leaves WHERE seq = 7");
  EXPECT_TRUE(Names(Problems(), 7, "without a leaf"));
}

TEST_F(TamperTest, SwappedLeavesAreOutOfPlace) {
  Exec("UPDATE leaves SET seq = -1 WHERE seq = 2");
  Exec("UPDATE leaves SET seq = 2 WHERE seq = 3");
  Exec("UPDATE leaves SET seq = 3 WHERE seq = -1");
  auto p = Problems();
  EXPECT_TRUE(Names(p, 2, "sits at 3")) << ::testing::PrintToString(p);
  EXPECT_TRUE(Names(p, 3, "sits at 2")) << ::testing::PrintToString(p);
}

TEST_F(TamperTest, SwappedMetadataRowsAreCaught) {
  Exec("UPDATE messages SET subject = 'tmp' WHERE record_id = " + Hex(0));
  Exec("UPDATE messages SET subject = 'message 0' WHERE record_id = " + Hex(1));
  Exec("UPDATE messages SET subject = 'message 1' WHERE record_id = " + Hex(0));
  auto p = Problems();
  EXPECT_TRUE(Names(p, 0, "Subject"));
  EXPECT_TRUE(Names(p, 1, "Subject"));
}

TEST_F(TamperTest, DeletedMetadataRowIsMissing) {
  Exec("DELETE FROM messages WHERE record_id = " + Hex(4));
  EXPECT_TRUE(Names(Problems(), 4, "metadata index row missing"));
}

TEST_F(TamperTest, DeletedBlobChunkNamesTheRecord) {
  Exec("DELETE FROM blob_chunks WHERE sha256 = (SELECT raw_sha256 FROM messages WHERE record_id = " + Hex(7) + ")");
  EXPECT_TRUE(Names(Problems(), 7, "message body"));
}

TEST_F(TamperTest, LeafFromAnotherLogIsCaught) {
  // Rewrite seq 0's log_id (bytes 5..36) as if it came from the audit log.
  std::string leaf;
  {
    Statement st = db_->Prepare("SELECT leaf FROM leaves WHERE log = 1 AND seq = 0");
    ASSERT_TRUE(st.Step());
    leaf = st.Blob(0);
    Statement other = db_->Prepare("SELECT log_id FROM logs WHERE id = 2");
    ASSERT_TRUE(other.Step());
    leaf.replace(4, 32, other.Blob(0));
  }
  Statement up = db_->Prepare("UPDATE leaves SET leaf = ? WHERE log = 1 AND seq = 0");
  ASSERT_TRUE(up.BindBlob(1, leaf).Run().ok());
  EXPECT_TRUE(Names(Problems(), 0, "another log"));
}

TEST_F(TamperTest, InsertedForeignRecordIsCaught) {
  // A fabricated message index row with no leaf behind it.
  Exec("INSERT INTO messages SELECT x'00112233445566778899aabbccddeeff', 999, received_us, source, mail_from, "
       "client_address, tls_protocol, raw_sha256, raw_length, flags, message_id, date_header, date_us, from_header, "
       "sender_header, to_header, cc_header, subject FROM messages WHERE record_id = " + Hex(0));
  auto p = Problems();
  bool found = false;
  for (const auto& s : p) found |= s.rfind("00112233-4455-6677-8899-aabbccddeeff: metadata index row without a leaf", 0) == 0;
  EXPECT_TRUE(found) << ::testing::PrintToString(p);
}

TEST_F(TamperTest, FlippedTreeNodeIsCaught) {
  FlipByte("tree_nodes", "hash", "log = 1 AND level = 1 AND idx = 2", 7);
  auto p = Problems();
  bool found = false;
  for (const auto& s : p) found |= s.find("tree node 1/2 does not match its children") != std::string::npos;
  EXPECT_TRUE(found) << ::testing::PrintToString(p);
}

TEST_F(TamperTest, FlippedLeafLevelTreeNodeIsCaught) {
  FlipByte("tree_nodes", "hash", "log = 1 AND level = 0 AND idx = 5", 0);
  auto p = Problems();
  bool found = false;
  for (const auto& s : p) found |= s.find("tree node 0/5 differs from the leaf hash") != std::string::npos;
  EXPECT_TRUE(found) << ::testing::PrintToString(p);
}

TEST_F(TamperTest, DeletedTreeNodeIsCaught) {
  Exec("DELETE FROM tree_nodes WHERE log = 1 AND level = 2 AND idx = 1");
  auto p = Problems();
  bool found = false;
  for (const auto& s : p) found |= s.find("tree node 2/1 missing") != std::string::npos;
  EXPECT_TRUE(found) << ::testing::PrintToString(p);
}

TEST_F(TamperTest, TreeNodeThatIsNoCompleteSubtreeIsCaught) {
  // Leaf 4 closes no subtree above level 0 (5 is odd); the schema's CHECK says so, and an
  // attacker who can write the file can switch CHECKs off.
  Exec("PRAGMA ignore_check_constraints = ON");
  Exec("INSERT INTO tree_nodes(log, last_leaf, level, hash) VALUES (1, 4, 1, zeroblob(32))");
  auto p = Problems();
  EXPECT_GT(Mentions(p, "tree node at level 1 ending at leaf 4 is not a complete subtree"), 0) << ::testing::PrintToString(p);
}

TEST_F(TamperTest, TreeNodeBeyondTheLogIsCaught) {
  Exec("INSERT INTO tree_nodes(log, last_leaf, level, hash) VALUES (1, 11, 2, zeroblob(32))");
  auto p = Problems();
  EXPECT_GT(Mentions(p, "tree node 2/2 covers leaves the log does not have"), 0) << ::testing::PrintToString(p);
}

TEST_F(TamperTest, LeafWithANegativeSeqIsNamedAndTheLeafLevelStillChecked) {
  // Keyed below zero it would come first in seq order: the tree check must neither stop
  // comparing level-0 nodes with their leaves nor pass over the row.
  Exec("INSERT INTO leaves(log, seq, leaf, leaf_hash, record_id) SELECT log, -1, leaf, leaf_hash, "
       "x'00112233445566778899aabbccddeeff' FROM leaves WHERE log = 1 AND seq = 0");
  FlipByte("tree_nodes", "hash", "log = 1 AND level = 0 AND idx = 3", 0);
  auto p = Problems();
  EXPECT_GT(Mentions(p, "leaf -1 has a negative sequence number"), 0) << ::testing::PrintToString(p);
  EXPECT_GT(Mentions(p, "tree node 0/3 differs from the leaf hash"), 0) << ::testing::PrintToString(p);
}

TEST_F(TamperTest, LeafKeyedAtTheLargestSeqIsNamedAndVerifyEnds) {
  // Taken as the log's last leaf it made verify walk 2^63 seqs; the stored leaves are
  // still checked as a log of 8.
  Exec("INSERT INTO leaves(log, seq, leaf, leaf_hash, record_id) SELECT log, 9223372036854775807, leaf, leaf_hash, "
       "x'00112233445566778899aabbccddeeff' FROM leaves WHERE log = 1 AND seq = 0");
  Exec("INSERT INTO leaves(log, seq, leaf, leaf_hash, record_id) SELECT log, 40, leaf, leaf_hash, "
       "x'00112233445566778899aabbccddeef0' FROM leaves WHERE log = 1 AND seq = 1");
  FlipByte("tree_nodes", "hash", "log = 1 AND level = 0 AND idx = 5", 3);
  auto report = VerifyArchive(dir_.path(), {});
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->message_leaves, 8u);
  auto p = Problems();
  EXPECT_EQ(Mentions(p, "leaf 9223372036854775807 lies beyond the log: 10 leaves are stored"), 1)
      << ::testing::PrintToString(p);
  EXPECT_EQ(Mentions(p, "leaf 40 lies beyond the log"), 1) << ::testing::PrintToString(p);
  EXPECT_GT(Mentions(p, "tree node 0/5 differs from the leaf hash"), 0) << ::testing::PrintToString(p);
  EXPECT_EQ(Mentions(p, "leaf missing"), 0) << ::testing::PrintToString(p);
}

TEST_F(TamperTest, TreeNodesKeptAsideAtTheUpgradeAreNamed) {
  // What 007 does with a node no log can have (migrations_test.cpp): verify names it.
  Exec("INSERT INTO tree_nodes_unmapped(log, level, idx, hash) VALUES (1, 63, 0, zeroblob(32))");
  auto p = Problems();
  EXPECT_EQ(Mentions(p, "tree node of log 1 at level 63 index 0 was kept aside at the upgrade to schema 7"), 1)
      << ::testing::PrintToString(p);
}

TEST_F(TamperTest, TreeNodeWithANegativeKeyIsNamedAndTheRestStillChecked) {
  Exec("PRAGMA ignore_check_constraints = ON");
  Exec("INSERT INTO tree_nodes(log, last_leaf, level, hash) VALUES (1, -2, 0, zeroblob(32))");
  FlipByte("tree_nodes", "hash", "log = 1 AND level = 1 AND idx = 2", 7);
  auto p = Problems();
  EXPECT_GT(Mentions(p, "tree node at level 0 ending at leaf -2 is not a complete subtree"), 0)
      << ::testing::PrintToString(p);
  EXPECT_GT(Mentions(p, "tree node 1/2 does not match its children"), 0) << ::testing::PrintToString(p);
  EXPECT_EQ(Mentions(p, "missing"), 0) << ::testing::PrintToString(p);
}

TEST_F(TamperTest, EveryDeletedNodeOfALeafIsNamed) {
  // Leaf 7 closes subtrees 0/7, 1/3, 2/1 and 3/0: each one missing is named once.
  Exec("DELETE FROM tree_nodes WHERE log = 1 AND last_leaf = 7");
  auto p = Problems();
  for (const char* node : {"tree node 0/7 missing", "tree node 1/3 missing", "tree node 2/1 missing", "tree node 3/0 missing"})
    EXPECT_EQ(Mentions(p, node), 1) << node << ::testing::PrintToString(p);
}

}  // namespace
}  // namespace chainmail::testing
