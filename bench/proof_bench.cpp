// bench/proof_bench: inclusion and consistency proofs from a stored tree of N leaves
// (default 1,000,000), read through the same TreeNodeReader as the daemon, on a real
// SQLite file. Prints microseconds per proof (p50, p99) and the target (< 1 ms).
// Usage: proof_bench [DIR] [N]. Not a test; run by bench/run-proofs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "archive/archive.h"
#include "archive/format/merkle_compact_range.h"
#include "archive/format/merkle_proofs.h"
#include "archive/format/merkle_verify.h"
#include "archive/format/sha256.h"
#include "archive/migrations.h"
#include "archive/tree_store.h"

using namespace chainmail;

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "build/proof-bench";
  const uint64_t n = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000000;
  std::string mk = "mkdir -p " + dir + " && rm -f " + dir + "/chainmail.db*";
  if (std::system(mk.c_str()) != 0) return 2;
  auto db = Database::Open(DatabasePath(dir), Database::Mode::kReadWrite);
  if (!db.ok()) return std::fprintf(stderr, "%s\n", db.status().message().c_str()), 2;
  if (Status s = ApplyMigrations(**db); !s.ok()) return std::fprintf(stderr, "%s\n", s.message().c_str()), 2;
  // tree_nodes rows name a log: create the deployment's logs as the archive does.
  if (auto id = EnsureIdentity(**db, "bench.example"); !id.ok())
    return std::fprintf(stderr, "%s\n", id.status().message().c_str()), 2;

  // The tree nodes the writer would have stored for n leaves (leaf hashes synthetic).
  auto t0 = std::chrono::steady_clock::now();
  CompactRange range;
  std::vector<Hash32> leaves;
  leaves.reserve(n);
  {
    Transaction tx(**db, Transaction::Kind::kImmediate);
    for (uint64_t i = 0; i < n; ++i) {
      leaves.push_back(Sha256::Of(std::to_string(i)));
      auto nodes = range.Append(leaves.back());
      if (!nodes.ok()) return 2;
      if (Status s = InsertTreeNodes(**db, LogName::kMessages, *nodes); !s.ok())
        return std::fprintf(stderr, "%s\n", s.message().c_str()), 2;
    }
    if (!tx.Commit().ok()) return 2;
  }
  const double build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  TreeNodeReader reader(**db, LogName::kMessages);
  const Hash32 root = range.Root();
  std::mt19937_64 rng(42);
  std::vector<double> inclusion_us, consistency_us;
  for (int i = 0; i < 2000; ++i) {
    const uint64_t index = rng() % n;
    auto s = std::chrono::steady_clock::now();
    auto proof = InclusionProof(reader, index, n);
    inclusion_us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - s).count());
    if (!proof.ok() || !VerifyInclusion(index, n, leaves[index], *proof, root)) {
      std::fprintf(stderr, "proof %llu did not verify\n", static_cast<unsigned long long>(index));
      return 1;
    }
    const uint64_t m = 1 + rng() % (n - 1);
    s = std::chrono::steady_clock::now();
    auto cproof = ConsistencyProof(reader, m, n);
    consistency_us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - s).count());
    if (!cproof.ok()) return 1;
  }
  auto pct = [](std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[static_cast<size_t>(p * (v.size() - 1))];
  };
  std::printf("tree of %llu leaves stored in %.1f s\n", static_cast<unsigned long long>(n), build_s);
  std::printf("inclusion proof:   p50 %.1f us  p99 %.1f us   target < 1000 us: %s\n", pct(inclusion_us, 0.5),
              pct(inclusion_us, 0.99), pct(inclusion_us, 0.99) < 1000 ? "PASS" : "FAIL");
  std::printf("consistency proof: p50 %.1f us  p99 %.1f us\n", pct(consistency_us, 0.5), pct(consistency_us, 0.99));
  return 0;
}
