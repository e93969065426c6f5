#include "archive/checkpointer.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <thread>

#include "archive/archive_verifier.h"
#include "archive/bundle_log_export.h"
#include "archive/checkpoint_store.h"
#include "archive/format/checkpoint.h"
#include "archive/format/signed_note.h"
#include "archive/format/signing_key.h"
#include "archive/format/verifier_key.h"
#include "archive/signed_heads.h"
#include "archive/tree_store.h"
#include "tests/archive/archive_test_util.h"

namespace chainmail::testing {
namespace {

struct Signed {
  std::shared_ptr<Ed25519SigningKey> key;
  std::unique_ptr<Archive> archive;
};

Signed OpenSigned(const std::string& dir, std::chrono::milliseconds interval = std::chrono::milliseconds(50),
                  std::shared_ptr<const SignedHeads> heads = nullptr, std::shared_ptr<Ed25519SigningKey> key_to_use = nullptr) {
  Signed s;
  s.key = key_to_use ? key_to_use : std::make_shared<Ed25519SigningKey>(std::move(*Ed25519SigningKey::Generate()));
  ArchiveOptions o;
  o.signed_heads = std::move(heads);
  o.data_dir = dir;
  o.min_free_bytes = 0;
  o.checkpoint_interval = interval;
  auto key = s.key;
  o.checkpoint_signer = [key](const std::string& body, const std::string& key_name) {
    return SignNote(body, key_name, *key);
  };
  auto a = Archive::Open(o);
  EXPECT_TRUE(a.ok()) << a.status().message();
  s.archive = std::move(*a);
  return s;
}

std::vector<VerifierKey> Pinned(const Signed& s) {
  std::vector<VerifierKey> out;
  for (const auto& origin : {s.archive->identity().messages_origin, s.archive->identity().audit_origin})
    out.push_back(*VerifierKey::ForEd25519(origin, s.key->PublicKey()));
  return out;
}

TEST(Checkpointer, CloseLeavesACheckpointCoveringEveryLeaf) {
  TempDir dir;
  Signed s = OpenSigned(dir.path());
  for (int i = 0; i < 25; ++i) Ingest(*s.archive, SampleMessage(i));
  auto pinned = Pinned(s);
  const std::string origin = s.archive->identity().messages_origin;
  s.archive->Close();
  auto db = OpenDb(dir.path());
  auto latest = LatestCheckpoint(*db, LogName::kMessages);
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->size, 25u);
  auto opened = OpenCheckpoint((*latest)->note, pinned, origin);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  TreeNodeReader nodes(*db, LogName::kMessages);
  EXPECT_EQ(opened->root, *RootAt(nodes, 25));
}

TEST(Checkpointer, SignsAtMostOncePerInterval) {
  TempDir dir;
  Signed s = OpenSigned(dir.path(), std::chrono::milliseconds(5000));
  for (int i = 0; i < 30; ++i) Ingest(*s.archive, SampleMessage(i));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto db = OpenDb(dir.path());
  auto kept = ListCheckpoints(*db, LogName::kMessages);
  ASSERT_TRUE(kept.ok());
  EXPECT_LE(kept->size(), 1u) << "signed more than once within the interval";
}

// The checkpointer sleeps through commits until its interval is up: notified at each
// group commit, it woke and slept again hundreds of times a second under load.
TEST(Checkpointer, SleepsThroughCommitsUntilItsInterval) {
  TempDir dir;
  Signed s = OpenSigned(dir.path(), std::chrono::seconds(5));
  Ingest(*s.archive, SampleMessage(0));
  ASSERT_GE(ThreadSleeps("cm-checkpoint"), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // back in its interval wait
  const long before = ThreadSleeps("cm-checkpoint");
  const auto start = std::chrono::steady_clock::now();
  for (int i = 1; i <= 30; ++i) Ingest(*s.archive, SampleMessage(i));
  const long after = ThreadSleeps("cm-checkpoint");
  if (std::chrono::steady_clock::now() - start < std::chrono::seconds(4)) {  // all inside one interval
    EXPECT_LE(after - before, 2) << "the checkpointer woke for commits";
  }
  s.archive->Close();  // still signs what was committed at the stop
  auto latest = LatestCheckpoint(*OpenDb(dir.path()), LogName::kMessages);
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->size, 31u);
}

TEST(Checkpointer, EveryCheckpointVerifiesAndChainsConsistently) {
  TempDir dir;
  Signed s = OpenSigned(dir.path(), std::chrono::milliseconds(20));
  for (int i = 0; i < 40; ++i) {
    Ingest(*s.archive, SampleMessage(i));
    if (i % 8 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(40));
  }
  auto pinned = Pinned(s);
  s.archive->Close();
  VerifyOptions o;
  o.pinned_keys = pinned;
  auto report = VerifyArchive(dir.path(), o);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems.front().what;
  EXPECT_GE(report->checkpoints, 3u);
  EXPECT_TRUE(report->checkpoint_signatures_checked);
}

// The signed heads, kept outside the database, and a database rewritten by someone who
// cannot read the key: the checkpointer records what it signs, and refuses to sign a log
// that no longer extends it (the daemon would otherwise vouch for the rewrite at start).
class SignedHeadsGuard : public ::testing::Test {
 protected:
  void SetUp() override {
    heads_ = std::make_shared<SignedHeads>(keys_.path() + "/signed-heads");
    Signed s = OpenSigned(dir_.path(), std::chrono::milliseconds(10), heads_);
    key_ = s.key;
    origin_ = s.archive->identity().messages_origin;
    for (int i = 0; i < 9; ++i) Ingest(*s.archive, SampleMessage(i));
    s.archive->Close();
    ASSERT_TRUE(s.archive->checkpoint_failure().ok()) << s.archive->checkpoint_failure().message();
  }
  // Reopens the archive with the same key and heads; Close() makes it sign what is due.
  Status Reopen() {
    Signed s = OpenSigned(dir_.path(), std::chrono::milliseconds(10), heads_, key_);
    s.archive->Close();
    return s.archive->checkpoint_failure();
  }
  void Sql(const std::string& sql) {
    auto db = OpenDb(dir_.path());
    Status done = db->Exec(sql);
    ASSERT_TRUE(done.ok()) << sql << ": " << done.message();
  }
  size_t Checkpoints() {
    auto db = OpenDb(dir_.path());
    return ListCheckpoints(*db, LogName::kMessages)->size();
  }

  TempDir dir_, keys_;
  std::string origin_;
  std::shared_ptr<Ed25519SigningKey> key_;
  std::shared_ptr<const SignedHeads> heads_;
};

TEST_F(SignedHeadsGuard, TheCheckpointerRecordsWhatItSigns) {
  auto heads = heads_->Load();
  ASSERT_TRUE(heads.ok()) << heads.status().message();
  ASSERT_TRUE(heads->count(origin_));
  auto db = OpenDb(dir_.path());
  TreeNodeReader nodes(*db, LogName::kMessages);
  EXPECT_EQ(heads->at(origin_).size, 9u);
  EXPECT_EQ(heads->at(origin_).root, *RootAt(nodes, 9));
}

TEST_F(SignedHeadsGuard, AnUntouchedArchiveGoesOnBeingSigned) {
  EXPECT_TRUE(Reopen().ok());
}

TEST_F(SignedHeadsGuard, ARewrittenTreeIsNotSignedAgain) {
  const size_t before = Checkpoints();
  // As rewrite.py did to the audit log: history rewritten, every hash above it recomputed
  // (here: replaced), the checkpoints that covered it deleted.
  Sql("DROP TRIGGER tree_nodes_append_only_u; UPDATE tree_nodes SET hash = randomblob(32) WHERE log = 1; "
      "DELETE FROM checkpoints WHERE log = 1");
  const Status refused = Reopen();
  EXPECT_EQ(refused.code(), Status::Code::kCorruption) << refused.message();
  EXPECT_NE(refused.message().find("fork"), std::string::npos) << refused.message();
  EXPECT_EQ(Checkpoints(), 0u) << "signed over the rewritten tree (there were " << before << ")";
}

TEST_F(SignedHeadsGuard, ARolledBackLogIsNotSignedAgain) {
  Sql("PRAGMA foreign_keys = OFF; DROP TRIGGER leaves_append_only_d; DROP TRIGGER tree_nodes_append_only_d; DROP TRIGGER messages_append_only_d; "
      "DELETE FROM messages WHERE seq >= 6; DELETE FROM leaves WHERE log = 1 AND seq >= 6; "
      "DELETE FROM tree_nodes WHERE log = 1 AND last_leaf >= 6; DELETE FROM checkpoints WHERE log = 1");
  const Status refused = Reopen();
  EXPECT_NE(refused.message().find("rollback"), std::string::npos) << refused.message();
  EXPECT_EQ(Checkpoints(), 0u);
}

// An export's snapshot is older than what the checkpointer signed meanwhile: signing the
// snapshot's end is consistent with the record, not a rollback (found by review).
TEST_F(SignedHeadsGuard, ASnapshotOlderThanTheRecordMaySignItsEnd) {
  auto db = OpenDb(dir_.path());
  Transaction snapshot(*db, Transaction::Kind::kDeferred);
  TreeNodeReader nodes(*db, LogName::kMessages);
  const Hash32 at6 = *RootAt(nodes, 6);
  ASSERT_TRUE(ReadLogHead(*db, LogName::kMessages).ok());  // the snapshot starts here, at 9
  {
    Signed s = OpenSigned(dir_.path(), std::chrono::milliseconds(10), heads_, key_);
    for (int i = 9; i < 14; ++i) Ingest(*s.archive, SampleMessage(i));
    s.archive->Close();
  }
  ASSERT_EQ(heads_->Load()->at(origin_).size, 14u);
  EXPECT_TRUE(heads_->Check(*db, LogName::kMessages, origin_, 6, at6).ok());
  EXPECT_TRUE(heads_->Check(*db, LogName::kMessages, origin_, 9, *RootAt(nodes, 9)).ok());
  Hash32 wrong = at6;
  wrong[0] ^= 1;
  EXPECT_NE(heads_->Check(*db, LogName::kMessages, origin_, 6, wrong).message().find("fork"), std::string::npos);
  EXPECT_TRUE(heads_->Check(*db, LogName::kMessages, "another.archive/messages", 6, wrong).ok())
      << "another archive's origin has no record here";
}

// A checkpoint signed on demand (a bundle's end) is recorded before it leaves, not only
// the checkpointer's: no signed size is left unprotected until the next one.
TEST_F(SignedHeadsGuard, AnEndCheckpointSignedForABundleIsRecorded) {
  Signed s = OpenSigned(dir_.path(), std::chrono::hours(1), nullptr, key_);  // records nothing itself
  for (int i = 9; i < 12; ++i) Ingest(*s.archive, SampleMessage(i));
  auto db = OpenDb(dir_.path());
  TarFiles files;
  const LogExport request{LogName::kMessages, {0, 12}, origin_, {}, heads_.get()};
  ASSERT_TRUE(AddLogFiles(*db, request, s.archive->options().checkpoint_signer, files).ok());
  EXPECT_EQ(heads_->Load()->at(origin_).size, 12u);
  s.archive->Close();
}

// A kept note is served (REST, exports), so the checkpointer keeps one only once it is
// recorded: with the heads unwritable (here a missing directory; in life a full disk, see
// tests/service/e2e/test_disk_full.py) nothing is kept and the failure is reported.
TEST(SignedHeads, TheCheckpointerKeepsNoNoteItCouldNotRecord) {
  TempDir dir, keys;
  auto heads = std::make_shared<SignedHeads>(keys.path() + "/missing/signed-heads");
  Signed s = OpenSigned(dir.path(), std::chrono::milliseconds(10), heads);
  for (int i = 0; i < 3; ++i) Ingest(*s.archive, SampleMessage(i));
  s.archive->Close();
  EXPECT_FALSE(s.archive->checkpoint_failure().ok());
  auto db = OpenDb(dir.path());
  EXPECT_TRUE(ListCheckpoints(*db, LogName::kMessages)->empty());
  EXPECT_TRUE(ListCheckpoints(*db, LogName::kAudit)->empty());
}

TEST(SignedHeads, RecordOnlyEverRaisesASizeAndIsOwnerOnly) {
  TempDir dir;
  const SignedHeads heads(dir.path() + "/signed-heads");
  Hash32 a{}, b{};
  a[0] = 1;
  b[0] = 2;
  ASSERT_TRUE(heads.Record("x.example/audit", 5, a).ok());
  ASSERT_TRUE(heads.Record("x.example/audit", 3, b).ok());  // a slower signer, racing
  ASSERT_TRUE(heads.Record("x.example/messages", 7, b).ok());
  auto loaded = heads.Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->at("x.example/audit").size, 5u);
  EXPECT_EQ(loaded->at("x.example/audit").root, a);
  EXPECT_EQ(loaded->at("x.example/messages").size, 7u);
  struct stat st {};
  ASSERT_EQ(stat(heads.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

class CheckpointTamper : public ::testing::Test {
 protected:
  void SetUp() override {
    Signed s = OpenSigned(dir_.path(), std::chrono::milliseconds(10));
    for (int i = 0; i < 12; ++i) {
      Ingest(*s.archive, SampleMessage(i));
      std::this_thread::sleep_for(std::chrono::milliseconds(15));
    }
    pinned_ = Pinned(s);
    s.archive->Close();
    db_ = OpenDb(dir_.path());
    std::vector<std::string> triggers;
    Statement st = db_->Prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'");
    while (st.Step()) triggers.emplace_back(st.Text(0));
    for (const auto& t : triggers) ASSERT_TRUE(db_->Exec("DROP TRIGGER " + t).ok());
  }

  bool Reports(const std::string& what) {
    VerifyOptions o;
    o.pinned_keys = pinned_;
    auto report = VerifyArchive(dir_.path(), o);
    EXPECT_TRUE(report.ok());
    for (const auto& p : report->problems)
      if (p.what.find(what) != std::string::npos) return true;
    return false;
  }

  TempDir dir_;
  std::vector<VerifierKey> pinned_;
  std::unique_ptr<Database> db_;
};

TEST_F(CheckpointTamper, UntouchedCheckpointsVerify) { EXPECT_FALSE(Reports("checkpoint")); }

TEST_F(CheckpointTamper, EditedNoteFailsItsSignature) {
  // Change the size line of the newest messages checkpoint (its root stays).
  std::string note;
  int64_t size = 0;
  {
    Statement st = db_->Prepare("SELECT note, size FROM checkpoints WHERE log = 1 ORDER BY size DESC LIMIT 1");
    ASSERT_TRUE(st.Step());
    note = st.Text(0);
    size = st.Int(1);
  }
  const std::string line = "\n" + std::to_string(size) + "\n";
  size_t at = note.find(line);
  ASSERT_NE(at, std::string::npos);
  note.replace(at, line.size(), "\n" + std::to_string(size + 1) + "\n");
  Statement up = db_->Prepare("UPDATE checkpoints SET note = ? WHERE log = 1 AND size = ?");
  ASSERT_TRUE(up.Bind(1, note).Bind(2, size).Run().ok());
  EXPECT_TRUE(Reports("checkpoint at size " + std::to_string(size) + ": "));
}

TEST_F(CheckpointTamper, RolledBackLogIsCaughtByAKeptCheckpoint) {
  // Restore an older state: the newest leaves and their rows vanish, checkpoints remain.
  ASSERT_TRUE(db_->Exec("PRAGMA foreign_keys = OFF").ok());
  ASSERT_TRUE(db_->Exec("DELETE FROM leaves WHERE log = 1 AND seq >= 10").ok());
  EXPECT_TRUE(Reports("rollback or fork"));
}

TEST_F(CheckpointTamper, UnpinnedKeyIsNotTrusted) {
  VerifyOptions o;
  auto other = Ed25519SigningKey::Generate();
  for (const auto& k : pinned_) o.pinned_keys.push_back(*VerifierKey::ForEd25519(k.name(), other->PublicKey()));
  auto report = VerifyArchive(dir_.path(), o);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok());
}

}  // namespace
}  // namespace chainmail::testing
