// bench/gen_fulltext_archive: fills an archive with N messages of the realistic mail mix
// (bench/mail_mix.h) through the real archive path with full-text search on, as
// chainmaild runs it: each session thread extracts its message before the commit and
// offers it to the real background indexer (archive/fulltext/), which also reads back
// what its hand-off queue could not hold. Many threads commit at once so that group
// commits fill, as concurrent SMTP sessions would. Message Date headers advance over the
// last year. When ingest is done it waits for the indexer to catch up, so that every
// message is searchable, then writes DIR/mailmix.txt ("seed S messages N"), which the
// query benchmark reads and bench/fulltext.py takes as "this archive is complete".
// Prints progress every 30 s (ingest rate, indexer position and lag).
// Usage: gen_fulltext_archive DIR N [THREADS] [SEED]. Not a test; run by bench/fulltext.py.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "archive/archive.h"
#include "archive/fulltext/fulltext_indexer.h"
#include "audit/decided_ingest.h"
#include "bench/mail_commit.h"
#include "bench/mail_mix.h"

using namespace chainmail;
using namespace chainmail::bench;

namespace {

constexpr int64_t kYearUs = 365LL * 86400 * 1000000;

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void PrintProgress(const char* what, uint64_t committed, double seconds, const FulltextIndexer& indexer) {
  const FulltextIndexerStatus s = indexer.status();
  std::fprintf(stderr,
               "gen_fulltext_archive: %s %llu committed (%.0f msg/s); indexed through %lld, lag %llu msgs / %.0f s, "
               "%.0f docs/s, %llu from hand-off, %llu read back, %llu offers dropped%s%s\n",
               what, static_cast<unsigned long long>(committed), committed / seconds,
               static_cast<long long>(s.indexed_through_seq), static_cast<unsigned long long>(s.lag_messages),
               s.lag_seconds, s.docs_per_second, static_cast<unsigned long long>(s.from_handoff),
               static_cast<unsigned long long>(s.from_archive), static_cast<unsigned long long>(s.dropped_offers),
               s.last_error.empty() ? "" : "; last error: ", s.last_error.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return std::fprintf(stderr, "usage: gen_fulltext_archive DIR N [THREADS] [SEED]\n"), 2;
  const std::string dir = argv[1];
  const uint64_t n = std::strtoull(argv[2], nullptr, 10);
  const int threads = argc > 3 ? std::atoi(argv[3]) : 32;
  const uint64_t seed = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 1;
  const MailMix mix(seed);

  ArchiveOptions o;
  o.data_dir = dir;
  o.origin_name = "bench.example";
  o.min_free_bytes = 0;
  o.fulltext_enabled = true;
  auto archive = Archive::Open(o);
  if (!archive.ok()) return std::fprintf(stderr, "%s\n", archive.status().message().c_str()), 2;
  auto indexer = StartFulltextIndexer(**archive);
  if (!indexer.ok() || !*indexer)
    return std::fprintf(stderr, "gen_fulltext_archive: indexer: %s\n", indexer.status().message().c_str()), 2;
  DecidedIngest ingest(**archive, DefaultPolicy);

  const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
  std::atomic<uint64_t> next{0}, committed{0}, failed{0};
  const auto t0 = std::chrono::steady_clock::now();
  std::mutex mu;
  std::condition_variable done_cv;
  bool done = false;
  std::thread monitor([&] {
    std::unique_lock<std::mutex> lock(mu);
    while (!done_cv.wait_for(lock, std::chrono::seconds(30), [&] { return done; }))
      PrintProgress("ingest:", committed.load(), Since(t0), **indexer);
  });
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (uint64_t i = next++; i < n; i = next++) {
        const int64_t date_us = now_us - kYearUs + static_cast<int64_t>(kYearUs * (double(i) / n));
        const GeneratedMail mail = mix.Generate(i, date_us);
        if (Status s = CommitMail(ingest, mail, t); !s.ok()) {
          if (failed++ == 0) std::fprintf(stderr, "gen_fulltext_archive: commit failed: %s\n", s.message().c_str());
        } else {
          ++committed;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  const double ingest_s = Since(t0);
  {
    std::lock_guard<std::mutex> lock(mu);
    done = true;
  }
  done_cv.notify_all();
  monitor.join();
  std::printf("gen_fulltext_archive: %llu messages committed in %.1f s (%.0f msg/s), %llu failed\n",
              static_cast<unsigned long long>(committed.load()), ingest_s, committed / ingest_s,
              static_cast<unsigned long long>(failed.load()));
  std::fflush(stdout);

  // The archive's messages log holds exactly the committed messages: seqs 0..committed-1.
  const auto t1 = std::chrono::steady_clock::now();
  const int64_t last = static_cast<int64_t>(committed.load()) - 1;
  while (!(*indexer)->WaitIndexed(last, std::chrono::seconds(30))) {
    PrintProgress("catching up:", committed.load(), ingest_s, **indexer);
    if (!(*indexer)->status().last_error.empty() && Since(t1) > 3600) break;
  }
  const FulltextIndexerStatus s = (*indexer)->status();
  std::printf("gen_fulltext_archive: indexed through %lld %.1f s after ingest ended (%.1f s in all); "
              "%llu documents, %llu from hand-off, %llu read back, %llu unreadable\n",
              static_cast<long long>(s.indexed_through_seq), Since(t1), Since(t0),
              static_cast<unsigned long long>(s.indexed_total), static_cast<unsigned long long>(s.from_handoff),
              static_cast<unsigned long long>(s.from_archive), static_cast<unsigned long long>(s.unreadable));
  (*archive)->Close();
  (*indexer)->Stop();
  if (failed || s.indexed_through_seq != last) return 1;
  std::ofstream(dir + "/mailmix.txt") << "seed " << seed << " messages " << committed.load() << "\n";
  return 0;
}
