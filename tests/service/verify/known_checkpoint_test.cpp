// `chainmail verify --known-checkpoint`, run as a program on a real signed archive: a
// checkpoint the auditor kept catches a rewrite that the database's own checkpoints cannot
// (the writer re-chains, recomputes the tree and deletes the checkpoints that covered the
// old leaves; old checkpoints are thinned, so deleting them breaks no trigger).
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "archive/format/audit_payload.h"
#include "archive/format/leaf.h"
#include "archive/format/merkle.h"
#include "tests/service/verify/bundle_fixture.h"
#include "tests/service/verify/run_binary.h"

namespace chainmail::testing {
namespace {

constexpr int64_t kAuditLog = static_cast<int64_t>(LogName::kAudit);

class KnownCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    archive_ = std::make_unique<SignedArchive>(4);
    archive_->archive().Close();  // its final checkpoints signed; nothing writes from here
    auto db = OpenDb(archive_->dir());
    Statement st = db->Prepare("SELECT size, note FROM checkpoints WHERE log = ? ORDER BY size DESC LIMIT 1");
    st.Bind(1, kAuditLog);
    ASSERT_TRUE(st.Step());
    kept_size_ = static_cast<uint64_t>(st.Int(0));
    ASSERT_GT(kept_size_, kVictim + 1);
    kept_ = Write("kept.note", std::string(st.Blob(1)));
  }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = archive_->dir() + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  RunResult Verify(const std::vector<std::string>& notes) {
    std::vector<std::string> args = {"--data", archive_->dir(), "verify"};
    for (const VerifierKey& k : archive_->keys()) args.insert(args.end(), {"--key", k.ToString()});
    for (const std::string& n : notes) args.insert(args.end(), {"--known-checkpoint", n});
    return RunBinary("chainmail", args);
  }

  // What /tmp/review-evidence/rewrite.py did: with the triggers dropped, audit event
  // kVictim's detail is rewritten and its commitment recomputed, every later leaf
  // re-chained, the tree rebuilt and the checkpoints beyond kVictim deleted. No key needed.
  void RewriteAuditEvent() {
    auto db = OpenDb(archive_->dir());
    std::vector<std::string> triggers;
    Statement t = db->Prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger'");
    while (t.Step()) triggers.emplace_back(t.Text(0));
    for (const std::string& name : triggers) ASSERT_TRUE(db->Exec("DROP TRIGGER \"" + name + "\"").ok());

    Statement rows = db->Prepare("SELECT seq, leaf, record_id FROM leaves WHERE log = ? ORDER BY seq");
    rows.Bind(1, kAuditLog);
    std::vector<std::pair<std::string, std::string>> leaves;  // (leaf, record_id)
    while (rows.Step()) leaves.emplace_back(rows.Blob(1), rows.Blob(2));
    std::vector<Hash32> hashes;
    for (size_t seq = 0; seq < leaves.size(); ++seq) {
      auto leaf = Leaf::Decode(leaves[seq].first);
      ASSERT_TRUE(leaf.ok());
      if (seq == kVictim) {
        Statement p = db->Prepare("SELECT salt, payload FROM payloads WHERE record_id = ?");
        p.BindBlob(1, leaves[seq].second);
        ASSERT_TRUE(p.Step());
        const std::string salt(p.Blob(0));
        auto payload = AuditPayload::Decode(p.Blob(1));
        ASSERT_TRUE(payload.ok());
        payload->detail = "{\"rewritten\":\"without the key\"}";
        const Bytes encoded = payload->Encode();
        leaf->payload_commit = PayloadCommitment(RecordType::kAuditEvent, salt, encoded);
        Statement u = db->Prepare("UPDATE payloads SET payload = ? WHERE record_id = ?");
        ASSERT_TRUE(u.BindBlob(1, encoded).BindBlob(2, leaves[seq].second).Run().ok());
      }
      if (seq > 0) leaf->prev_leaf_hash = hashes.back();
      const Bytes bytes = leaf->Encode();
      hashes.push_back(LeafHash(bytes));
      Statement u = db->Prepare("UPDATE leaves SET leaf = ?, leaf_hash = ? WHERE log = ? AND seq = ?");
      ASSERT_TRUE(u.BindBlob(1, bytes).BindBlob(2, AsView(hashes.back())).Bind(3, kAuditLog)
                      .Bind(4, static_cast<int64_t>(seq)).Run().ok());
    }
    // Every complete subtree, keyed by its last leaf and level.
    ASSERT_TRUE(db->Exec("DELETE FROM tree_nodes WHERE log = 2").ok());
    std::map<std::pair<int, uint64_t>, Hash32> node;  // (level, index)
    for (uint64_t j = 0; j < hashes.size(); ++j) {
      node[{0, j}] = hashes[j];
      for (int level = 0; ((j + 1) >> level) << level == j + 1; ++level) {
        const uint64_t idx = ((j + 1) >> level) - 1;
        if (level > 0) node[{level, idx}] = HashChildren(node[{level - 1, 2 * idx}], node[{level - 1, 2 * idx + 1}]);
        Statement ins = db->Prepare("INSERT INTO tree_nodes(log, last_leaf, level, hash) VALUES (?, ?, ?, ?)");
        ASSERT_TRUE(ins.Bind(1, kAuditLog).Bind(2, static_cast<int64_t>(j)).Bind(3, int64_t{level})
                        .BindBlob(4, AsView(node[{level, idx}])).Run().ok());
      }
    }
    Statement del = db->Prepare("DELETE FROM checkpoints WHERE log = ? AND size > ?");
    ASSERT_TRUE(del.Bind(1, kAuditLog).Bind(2, int64_t{kVictim}).Run().ok());
  }

  static constexpr uint64_t kVictim = 1;
  std::unique_ptr<SignedArchive> archive_;
  uint64_t kept_size_ = 0;
  std::string kept_;
};

TEST_F(KnownCheckpoint, KeptCheckpointOfAnUntouchedArchiveIsValid) {
  RunResult r = Verify({kept_});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("0 problems: all valid"), std::string::npos) << r.out;
}

TEST_F(KnownCheckpoint, RewrittenAuditEventIsAForkOfTheKeptCheckpoint) {
  RewriteAuditEvent();
  RunResult alone = Verify({});
  EXPECT_EQ(alone.exit_code, 0) << "the database agrees with itself after the rewrite:\n" << alone.out;
  RunResult r = Verify({kept_});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("INVALID audit: held checkpoint at size " + std::to_string(kept_size_) +
                       ": fork (the archive's root at that size differs)\n"),
            std::string::npos)
      << r.out;
}

TEST_F(KnownCheckpoint, CheckpointBeyondTheLogIsARollback) {
  const uint64_t size = archive_->LogSize(LogName::kAudit);
  const Hash32 root{};
  RunResult r = Verify({Write("ahead.note", archive_->NoteAt(LogName::kAudit, size + 2, &root))});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("INVALID audit: held checkpoint at size " + std::to_string(size + 2) + ": rollback (the log now has " +
                       std::to_string(size) + " leaves)\n"),
            std::string::npos)
      << r.out;
}

TEST_F(KnownCheckpoint, CheckpointOfTheMessagesLogIsCheckedAgainstThatLog) {
  const uint64_t size = archive_->LogSize(LogName::kMessages);
  RunResult ok = Verify({Write("m.note", archive_->NoteAt(LogName::kMessages, size - 1))});
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  const Hash32 other{1};
  RunResult fork = Verify({Write("f.note", archive_->NoteAt(LogName::kMessages, size - 1, &other))});
  EXPECT_EQ(fork.exit_code, 1) << fork.out;
  EXPECT_NE(fork.out.find("INVALID messages: held checkpoint at size " + std::to_string(size - 1) + ": fork"),
            std::string::npos)
      << fork.out;
}

TEST_F(KnownCheckpoint, NoteWithABrokenSignatureIsNotTrusted) {
  std::ifstream in(kept_, std::ios::binary);
  std::string note((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t sig = note.rfind(' ') + 5;  // inside the base64 of key id and signature
  note[sig] = note[sig] == 'A' ? 'B' : 'A';
  RunResult r = Verify({Write("broken.note", note)});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("INVALID audit: held checkpoint #1: not a checkpoint signed by a pinned key"), std::string::npos)
      << r.out;
}

TEST_F(KnownCheckpoint, NoteOfAnotherArchiveIsNamed) {
  SignedArchive other(1);
  RunResult r = Verify({Write("other.note", other.NoteAt(LogName::kAudit, 1))});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("INVALID: held checkpoint #1: not a checkpoint of this archive's logs"), std::string::npos)
      << r.out;
}

TEST_F(KnownCheckpoint, UnreadableFileIsAUsageError) {
  EXPECT_EQ(Verify({archive_->dir() + "/no-such.note"}).exit_code, 2);
}

}  // namespace
}  // namespace chainmail::testing
