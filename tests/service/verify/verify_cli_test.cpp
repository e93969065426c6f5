// chainmail-verify's bare-proof forms, run as a program, on proofs built from a real
// archive's stored tree nodes.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "archive/format/merkle_proofs.h"
#include "archive/format/verifier_key.h"
#include "archive/tree_store.h"
#include "tests/archive/archive_test_util.h"
#include "tests/service/verify/run_binary.h"

namespace chainmail::testing {
namespace {

std::string Join(const std::vector<Hash32>& proof) {
  std::string out;
  for (const auto& h : proof) out += (out.empty() ? "" : ",") + ToHex(h);
  return out;
}

class VerifyCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto archive = OpenArchive(dir_->path());
    for (int i = 0; i < kLeaves; ++i) Ingest(*archive, SampleMessage(i));
    archive->Close();
  }
  static void TearDownTestSuite() { delete dir_; }

  static constexpr int kLeaves = 13;
  static TempDir* dir_;
};
TempDir* VerifyCli::dir_ = nullptr;

RunResult Inclusion(uint64_t index, uint64_t size, const Hash32& leaf, const Hash32& root,
                    const std::string& proof) {
  return RunBinary("chainmail-verify", {"inclusion", "--index", std::to_string(index), "--size",
                                        std::to_string(size), "--leaf-hash", ToHex(leaf), "--root",
                                        ToHex(root), "--proof", proof});
}

RunResult Consistency(uint64_t size1, uint64_t size2, const Hash32& root1, const Hash32& root2,
                      const std::string& proof) {
  return RunBinary("chainmail-verify", {"consistency", "--size1", std::to_string(size1), "--size2",
                                        std::to_string(size2), "--root1", ToHex(root1), "--root2",
                                        ToHex(root2), "--proof", proof});
}

TEST_F(VerifyCli, EveryInclusionProofOfARealArchiveIsValid) {
  auto db = OpenDb(dir_->path());
  TreeNodeReader nodes(*db, LogName::kMessages);
  for (uint64_t size : {1, 5, 8, 13}) {
    const Hash32 root = *RootAt(nodes, size);
    for (uint64_t i = 0; i < size; i += 2) {
      auto proof = InclusionProof(nodes, i, size);
      ASSERT_TRUE(proof.ok());
      RunResult r = Inclusion(i, size, *nodes.Node(0, i), root, Join(*proof));
      EXPECT_EQ(r.exit_code, 0) << r.out;
      EXPECT_EQ(r.out, "valid\n");
    }
  }
}

TEST_F(VerifyCli, InclusionWithWrongLeafOrShortProofIsInvalid) {
  auto db = OpenDb(dir_->path());
  TreeNodeReader nodes(*db, LogName::kMessages);
  const Hash32 root = *RootAt(nodes, 13);
  auto proof = *InclusionProof(nodes, 6, 13);
  RunResult wrong_leaf = Inclusion(6, 13, *nodes.Node(0, 7), root, Join(proof));
  EXPECT_EQ(wrong_leaf.exit_code, 1);
  EXPECT_EQ(wrong_leaf.out.rfind("INVALID: ", 0), 0u) << wrong_leaf.out;
  proof.pop_back();
  EXPECT_EQ(Inclusion(6, 13, *nodes.Node(0, 6), root, Join(proof)).exit_code, 1);
  EXPECT_EQ(Inclusion(13, 13, *nodes.Node(0, 6), root, "").exit_code, 1);
}

TEST_F(VerifyCli, ConsistencyProofsOfARealArchive) {
  auto db = OpenDb(dir_->path());
  TreeNodeReader nodes(*db, LogName::kMessages);
  for (uint64_t size1 : {1, 3, 8, 12, 13}) {
    auto proof = ConsistencyProof(nodes, size1, 13);
    ASSERT_TRUE(proof.ok());
    RunResult r = Consistency(size1, 13, *RootAt(nodes, size1), *RootAt(nodes, 13), Join(*proof));
    EXPECT_EQ(r.exit_code, 0) << size1 << ": " << r.out;
  }
  // The empty proof for equal sizes, and a rollback (size1 > size2).
  EXPECT_EQ(Consistency(13, 13, *RootAt(nodes, 13), *RootAt(nodes, 13), "").exit_code, 0);
  RunResult rollback = Consistency(13, 8, *RootAt(nodes, 13), *RootAt(nodes, 8), "");
  EXPECT_EQ(rollback.exit_code, 1);
  EXPECT_NE(rollback.out.find("rollback"), std::string::npos) << rollback.out;
  // A root from another size.
  auto proof = *ConsistencyProof(nodes, 5, 13);
  EXPECT_EQ(Consistency(5, 13, *RootAt(nodes, 6), *RootAt(nodes, 13), Join(proof)).exit_code, 1);
}

TEST_F(VerifyCli, MalformedArgumentsAreUsageErrors) {
  const std::string h(64, 'a');
  EXPECT_EQ(RunBinary("chainmail-verify", {}).exit_code, 2);
  EXPECT_EQ(RunBinary("chainmail-verify", {"inclusion", "--index", "1"}).exit_code, 2);
  EXPECT_EQ(RunBinary("chainmail-verify", {"inclusion", "--index", "x", "--size", "2", "--leaf-hash", h,
                                           "--root", h, "--proof", ""}).exit_code, 2);
  EXPECT_EQ(RunBinary("chainmail-verify", {"consistency", "--size1", "1", "--size2", "2", "--root1", h,
                                           "--root2", h, "--proof", "zz"}).exit_code, 2);
}

// A bundle too large for the memory at hand: no verdict on some prefix of it, but exit 2
// (it could not be verified) and no report.
TEST(VerifyCliMemory, BundleTooLargeToReadIsExit2WithoutAReport) {
  TempDir dir;
  const std::string tar = dir.path() + "/huge.tar";
  FILE* f = fopen(tar.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  fclose(f);
  ASSERT_EQ(truncate(tar.c_str(), off_t{1} << 30), 0);  // sparse: no disk
  const std::string key = VerifierKey::ForEd25519("example.org/messages", std::string(32, 'k'))->ToString();
  const char* bin = std::getenv("CHAINMAIL_BIN");
  const std::string program = std::string(bin ? bin : ".") + "/chainmail-verify";
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    rlimit limit{};
    limit.rlim_cur = limit.rlim_max = 640u << 20;
    setrlimit(RLIMIT_AS, &limit);
    dup2(fds[1], STDOUT_FILENO);
    execl(program.c_str(), program.c_str(), "bundle", tar.c_str(), "--key", key.c_str(), nullptr);
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2) << out;
  EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace chainmail::testing
