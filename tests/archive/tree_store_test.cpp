#include "archive/tree_store.h"

#include <gtest/gtest.h>

#include "archive/archive_verifier.h"
#include "archive/format/leaf.h"
#include "archive/format/merkle.h"
#include "archive/format/merkle_proofs.h"
#include "archive/format/merkle_verify.h"
#include "tests/archive/archive_test_util.h"

namespace chainmail::testing {
namespace {

// RFC 6962 MTH, straight from the definition.
Hash32 NaiveRoot(const std::vector<Hash32>& leaves, size_t begin, size_t end) {
  if (end == begin) return EmptyRoot();
  if (end - begin == 1) return leaves[begin];
  size_t k = 1;
  while (k * 2 < end - begin) k *= 2;
  return HashChildren(NaiveRoot(leaves, begin, begin + k), NaiveRoot(leaves, begin + k, end));
}

std::vector<Hash32> LeafHashes(Database& db, LogName log) {
  std::vector<Hash32> out;
  Statement st = db.Prepare("SELECT leaf FROM leaves WHERE log = ? ORDER BY seq");
  st.Bind(1, static_cast<int64_t>(log));
  while (st.Step()) out.push_back(LeafHash(st.Blob(0)));
  return out;
}

TEST(TreeStore, StoredRootsEqualTheRfc6962RootAtEverySize) {
  TempDir dir;
  auto a = OpenArchive(dir.path());
  for (int i = 0; i < 37; ++i) Ingest(*a, SampleMessage(i));
  auto db = OpenDb(dir.path());
  std::vector<Hash32> leaves = LeafHashes(*db, LogName::kMessages);
  ASSERT_EQ(leaves.size(), 37u);
  TreeNodeReader reader(*db, LogName::kMessages);
  for (size_t n = 0; n <= leaves.size(); ++n) {
    auto root = RootAt(reader, n);
    ASSERT_TRUE(root.ok()) << n;
    EXPECT_EQ(*root, NaiveRoot(leaves, 0, n)) << n;
  }
}

TEST(TreeStore, InclusionProofFromTheStoreVerifies) {
  TempDir dir;
  auto a = OpenArchive(dir.path());
  for (int i = 0; i < 21; ++i) Ingest(*a, SampleMessage(i));
  auto db = OpenDb(dir.path());
  std::vector<Hash32> leaves = LeafHashes(*db, LogName::kMessages);
  TreeNodeReader reader(*db, LogName::kMessages);
  auto root = RootAt(reader, 21);
  ASSERT_TRUE(root.ok());
  for (uint64_t i = 0; i < 21; ++i) {
    auto proof = InclusionProof(reader, i, 21);
    ASSERT_TRUE(proof.ok());
    EXPECT_TRUE(VerifyInclusion(i, 21, leaves[i], *proof, *root)) << i;
  }
}

TEST(TreeStore, ArchiveFromBeforeTheTreeIsBackfilledAtOpen) {
  TempDir dir;
  {
    auto a = OpenArchive(dir.path());
    for (int i = 0; i < 11; ++i) Ingest(*a, SampleMessage(i));
  }
  {
    auto db = OpenDb(dir.path());
    ASSERT_TRUE(db->Exec("DROP TRIGGER tree_nodes_append_only_d").ok());
    ASSERT_TRUE(db->Exec("DELETE FROM tree_nodes").ok());
  }
  auto a = OpenArchive(dir.path());
  Ingest(*a, SampleMessage(99));
  auto db = OpenDb(dir.path());
  TreeNodeReader reader(*db, LogName::kMessages);
  auto root = RootAt(reader, 12);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(*root, NaiveRoot(LeafHashes(*db, LogName::kMessages), 0, 12));
}

TEST(TreeStore, TwoWritersOnOneFileKeepOneTree) {
  TempDir dir;
  auto daemon = OpenArchive(dir.path());
  auto cli = OpenArchive(dir.path());
  for (int i = 0; i < 9; ++i) {
    Ingest(*daemon, SampleMessage(i));
    Ingest(*cli, SampleMessage(100 + i));
    Ingest(*cli, SampleMessage(200 + i));
  }
  auto report = VerifyArchive(dir.path(), {});
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems.front().what;
}

}  // namespace
}  // namespace chainmail::testing
