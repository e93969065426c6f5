// bench/fulltext_query_bench: full-text query latency on an archive made by
// gen_fulltext_archive (the realistic mail mix, indexed by the real indexer), through the
// real search function (SearchMessages with MessageFilter::text, archive/message_search.h)
// on the daemon's reader connections (ReaderPool), from T threads at once, pages of 50
// (the REST default) with snippets, as GET /api/v1/messages?q= will run them.
//
// Queries are words of the archive's Zipf vocabulary (bench/zipf_vocabulary.h, the seed
// from DIR/mailmix.txt), in classes by how common the words are:
//   one word:  common (ranks 1-100: each in a large share of messages), mid (101-10,000),
//              rare (10,001-50,000), prefix (the first two syllables of a rare word, then
//              *), Japanese (a two-character word: one CJK bigram), Cyrillic
//   two words: common common, common rare, mid mid, rare rare (both words, anywhere),
//              a phrase of two common words ("a b"), mid OR mid
// Every class runs newest first (the default order) and by relevance (bm25). The one- and
// two-word figures with their targets are over all queries of the classes of that kind.
// Each query is drawn once (distinct draws per class) and timed once, after a warm-up
// pass over other draws of the same classes (so the index is in the page cache, as on a
// server that keeps searching). The peer, timed the same way in the same run: a search by
// envelope sender (an indexed metadata lookup; target p99 < 10 ms, issue 4). Beside each
// figure: the share of full pages (50 hits) and the pages each query read from the OS
// (SQLite page-cache misses over both files: what the reader's caches did not hold).
//
// Usage: fulltext_query_bench DIR [--threads T] [--queries Q] [--relevance-queries R]
//                             [--budget SECONDS] [--breakdown on|off] [--prewarm on|off]
//   Q newest-first and R relevance queries per class (default 200 and 50); a class stops
//   early after --budget seconds (default 60), and says so. The breakdown (default on)
//   times each newest-first class again, with fresh draws, as FTS5 alone (the MATCH
//   statement for the page's rowids, no join, no per-message details), then with
//   FTS5's snippet() (what the search selected before), then with chainmail_snippet (what
//   it selects: archive/fulltext/fulltext_snippet.h), then with that and bm25(): where the
//   full search's time goes.
//   The prewarm (default on) first reads what searches read into the OS page cache: the
//   index file, and the archive's metadata tables (not the raw mail): a server that keeps
//   searching has them there. Without it, figures depend on whatever ran before: on this
//   disk a page not in the cache costs ~0.5 ms, and a page of results reads hundreds.
//   The share of both files in the cache is printed before and after.
// Not a test; run by bench/fulltext.py.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/archive.h"
#include "archive/fulltext/fulltext_query.h"
#include "archive/fulltext/fulltext_snippet.h"
#include "archive/message_search.h"
#include "archive/reader_pool.h"
#include "bench/zipf_vocabulary.h"

using namespace chainmail;
using namespace chainmail::bench;

namespace {

constexpr double kTargetP99Ms = 50;
constexpr uint32_t kPage = 50;

struct Options {
  std::string dir;
  int threads = 2;
  size_t queries = 200, relevance_queries = 50;
  double budget = 60;
  bool breakdown = true;
  bool prewarm = true;
};

struct QueryClass {
  const char* kind;  // "one" or "two"
  const char* name;
  std::function<std::string(std::mt19937_64&)> make;
};

size_t InRange(std::mt19937_64& rng, size_t lo, size_t hi) { return lo + rng() % (hi - lo); }

std::vector<QueryClass> Classes(const ZipfVocabulary& v) {
  const auto latin = [&v](size_t lo, size_t hi) {
    return [&v, lo, hi](std::mt19937_64& rng) { return v.Word(InRange(rng, lo, hi), Script::kLatin); };
  };
  const auto common = latin(0, 100), mid = latin(100, 10000), rare = latin(10000, ZipfVocabulary::kWords);
  return {
      {"one", "common", common},
      {"one", "mid", mid},
      {"one", "rare", rare},
      {"one", "prefix", [rare](std::mt19937_64& rng) { return rare(rng).substr(0, 4) + "*"; }},
      {"one", "japanese", [&v](std::mt19937_64& rng) { return v.Word(InRange(rng, 100, 10000), Script::kJapanese); }},
      {"one", "cyrillic", [&v](std::mt19937_64& rng) { return v.Word(InRange(rng, 100, 10000), Script::kCyrillic); }},
      {"two", "common common", [common](std::mt19937_64& rng) { return common(rng) + " " + common(rng); }},
      {"two", "common rare", [common, rare](std::mt19937_64& rng) { return common(rng) + " " + rare(rng); }},
      {"two", "mid mid", [mid](std::mt19937_64& rng) { return mid(rng) + " " + mid(rng); }},
      {"two", "rare rare", [rare](std::mt19937_64& rng) { return rare(rng) + " " + rare(rng); }},
      {"two", "\"common common\"", [common](std::mt19937_64& rng) { return "\"" + common(rng) + " " + common(rng) + "\""; }},
      {"two", "mid OR mid", [mid](std::mt19937_64& rng) { return mid(rng) + " OR " + mid(rng); }},
  };
}

struct Sample {
  double ms = 0;
  size_t hits = 0;
  bool failed = false;
  std::string error;
};

struct Figures {
  std::vector<double> ms;
  size_t hits = 0, full_pages = 0, failed = 0;
  uint64_t pages_read = 0;  // SQLite page-cache misses: pages read from the OS (pread), all schemas
  bool cut = false;  // stopped at the time budget
  std::string error;
  void Add(const Figures& o) {
    ms.insert(ms.end(), o.ms.begin(), o.ms.end());
    hits += o.hits;
    full_pages += o.full_pages;
    pages_read += o.pages_read;
    failed += o.failed;
    cut |= o.cut;
  }
  double Quantile(double q) const {
    if (ms.empty()) return 0;
    std::vector<double> s = ms;
    std::sort(s.begin(), s.end());
    return s[std::min(s.size() - 1, static_cast<size_t>(q * s.size()))];
  }
};

// One query on `db`: the number of messages it returned.
using Query = std::function<Result<size_t>(Database& db, const MessageFilter& filter)>;

// The real search, as the REST handler runs it.
Result<size_t> Search(Database& db, const MessageFilter& filter) {
  auto page = SearchMessages(db, filter, std::nullopt, kPage, std::chrono::seconds(60));
  if (!page.ok()) return page.status();
  return page->messages.size();
}

// For the breakdown: FTS5 alone, the page's rowids newest first, then with columns
// added: `columns` is "" (none) or the SQL after "SELECT rowid". No join to the metadata
// index and no per-message details. The connection has the index attached already
// (SearchMessages attached it in the warm-up).
Query FtsOnly(std::string columns) {
  return [columns](Database& db, const MessageFilter& filter) -> Result<size_t> {
    auto match = TranslateFulltextQuery(*filter.text);
    if (!match.ok()) return match.status();
    Statement st = db.Prepare("SELECT rowid" + columns +
                              " FROM fulltext.fulltext_index WHERE fulltext_index MATCH ?1 ORDER BY rowid DESC LIMIT " +
                              std::to_string(kPage));
    st.Bind(1, *match);
    size_t n = 0;
    while (st.Step()) ++n;
    if (!st.status().ok()) return st.status();
    return n;
  };
}

// The share of `path`'s pages in the OS page cache (mincore), 0..1; -1 when unknown.
double Resident(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st {};
  double share = -1;
  if (fstat(fd, &st) == 0 && st.st_size > 0) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE)), size = static_cast<size_t>(st.st_size);
    void* map = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    if (map != MAP_FAILED) {
      std::vector<unsigned char> in((size + page - 1) / page);
      if (mincore(map, size, in.data()) == 0)
        share = static_cast<double>(std::count_if(in.begin(), in.end(), [](unsigned char c) { return c & 1; })) /
                static_cast<double>(in.size());
      munmap(map, size);
    }
  }
  close(fd);
  return share;
}

// Brings what a search reads into the OS page cache, as on a server that keeps searching:
// the whole index file (read through), and in the archive database the B-trees of the
// tables the search and its per-message details read (walked with dbstat), not the raw
// mail's blob chunks, which no search touches. Returns the seconds it took.
double Prewarm(const std::string& dir, Database& db) {
  const auto t0 = std::chrono::steady_clock::now();
  std::ifstream index(dir + "/fulltext.sqlite", std::ios::binary);
  std::vector<char> buffer(1 << 20);
  while (index.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || index.gcount() > 0) {
  }
  Statement st = db.Prepare(
      "SELECT sum(d.pgsize) FROM sqlite_schema s JOIN dbstat d ON d.name = s.name AND d.aggregate = 1 "
      "WHERE s.type IN ('table', 'index') AND s.tbl_name IN "
      "('messages', 'message_addresses', 'leaves', 'payloads', 'message_decisions', 'message_labels')");
  while (st.Step()) {
  }
  if (!st.status().ok()) std::fprintf(stderr, "fulltext_query_bench: prewarm: %s\n", st.status().message().c_str());
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Runs `filters` from `threads` threads, each query once, until done or `budget` passes.
Figures Run(ReaderPool& pool, const std::vector<MessageFilter>& filters, int threads, double budget,
            const Query& query = Search) {
  Figures f;
  std::mutex mu;
  std::atomic<size_t> next{0};
  const auto t0 = std::chrono::steady_clock::now();
  const auto deadline = t0 + std::chrono::duration<double>(budget);
  std::vector<std::thread> pool_threads;
  for (int t = 0; t < threads; ++t) {
    pool_threads.emplace_back([&] {
      for (size_t i = next++; i < filters.size(); i = next++) {
        if (std::chrono::steady_clock::now() > deadline) {
          std::lock_guard<std::mutex> lock(mu);
          f.cut = true;
          return;
        }
        auto lease = pool.Acquire();
        int misses = 0, high = 0;
        if (lease.ok()) sqlite3_db_status((*lease)->handle(), SQLITE_DBSTATUS_CACHE_MISS, &misses, &high, 1);
        const auto q0 = std::chrono::steady_clock::now();
        auto page = lease.ok() ? query(**lease, filters[i]) : Result<size_t>(lease.status());
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - q0).count();
        if (lease.ok()) sqlite3_db_status((*lease)->handle(), SQLITE_DBSTATUS_CACHE_MISS, &misses, &high, 1);
        std::lock_guard<std::mutex> lock(mu);
        f.pages_read += static_cast<uint64_t>(misses);
        if (!page.ok()) {
          ++f.failed;
          if (f.error.empty()) f.error = page.status().message();
          continue;
        }
        f.ms.push_back(ms);
        f.hits += *page;
        f.full_pages += *page == kPage;
      }
    });
  }
  for (auto& th : pool_threads) th.join();
  return f;
}

std::vector<MessageFilter> TextFilters(const QueryClass& c, size_t n, bool relevance, std::mt19937_64& rng) {
  std::vector<MessageFilter> out;
  for (size_t i = 0; i < n; ++i) {
    MessageFilter f;
    f.text = c.make(rng);
    f.by_relevance = relevance;
    out.push_back(std::move(f));
  }
  return out;
}

std::string Line(const Figures& f) {
  char buf[200];
  if (f.ms.empty()) return f.failed ? "failed: " + f.error : "no samples";
  std::snprintf(buf, sizeof buf, "p50 %7.2f ms  p99 %8.2f ms  (n=%zu%s, %3.0f%% full, %5.0f pages read)",
                f.Quantile(0.5), f.Quantile(0.99), f.ms.size(), f.cut ? ", cut" : "",
                100.0 * f.full_pages / f.ms.size(), static_cast<double>(f.pages_read) / f.ms.size());
  std::string s = buf;
  if (f.failed) s += "  " + std::to_string(f.failed) + " FAILED: " + f.error;
  return s;
}

Options Parse(int argc, char** argv) {
  Options o;
  if (argc < 2) {
    std::fprintf(stderr, "usage: fulltext_query_bench DIR [--threads T] [--queries Q] [--relevance-queries R] "
                         "[--budget SECONDS] [--breakdown on|off] [--prewarm on|off]\n");
    std::exit(2);
  }
  o.dir = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--threads") o.threads = std::atoi(argv[i + 1]);
    else if (a == "--queries") o.queries = std::strtoull(argv[i + 1], nullptr, 10);
    else if (a == "--relevance-queries") o.relevance_queries = std::strtoull(argv[i + 1], nullptr, 10);
    else if (a == "--budget") o.budget = std::atof(argv[i + 1]);
    else if (a == "--breakdown") o.breakdown = std::string_view(argv[i + 1]) != "off";
    else if (a == "--prewarm") o.prewarm = std::string_view(argv[i + 1]) != "off";
    else std::fprintf(stderr, "fulltext_query_bench: unknown option %s\n", a.c_str()), std::exit(2);
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  uint64_t seed = 0, messages = 0;
  std::string word1, word2;
  std::ifstream(o.dir + "/mailmix.txt") >> word1 >> seed >> word2 >> messages;
  if (word1 != "seed" || word2 != "messages")
    return std::fprintf(stderr, "fulltext_query_bench: %s/mailmix.txt missing: not made by gen_fulltext_archive\n",
                        o.dir.c_str()),
           2;
  const ZipfVocabulary vocabulary(seed);
  const std::vector<QueryClass> classes = Classes(vocabulary);
  ReaderPool pool(DatabasePath(o.dir), static_cast<size_t>(o.threads));
  std::printf("== fulltext queries: %llu messages, %d threads, pages of %u with snippets, through SearchMessages\n",
              static_cast<unsigned long long>(messages), o.threads, kPage);
  const std::string index_file = o.dir + "/fulltext.sqlite", archive_file = DatabasePath(o.dir);
  std::printf("  in the OS page cache: index file %.0f%%, archive database %.0f%%\n", 100 * Resident(index_file),
              100 * Resident(archive_file));
  if (o.prewarm) {
    auto lease = pool.Acquire();
    if (!lease.ok()) return std::fprintf(stderr, "%s\n", lease.status().message().c_str()), 2;
    const double seconds = Prewarm(o.dir, **lease);
    std::printf("  prewarm (the index file, and the archive's search tables; not its raw mail): %.1f s; now index "
                "file %.0f%%, archive database %.0f%%\n",
                seconds, 100 * Resident(index_file), 100 * Resident(archive_file));
  }

  // Warm-up: other draws of every class, both orders, and the peer's lookups.
  std::mt19937_64 warm_rng(seed + 1);
  std::vector<MessageFilter> warm;
  for (const QueryClass& c : classes)
    for (bool relevance : {false, true})
      for (MessageFilter& f : TextFilters(c, relevance ? 2 : 20, relevance, warm_rng)) warm.push_back(std::move(f));
  const auto w0 = std::chrono::steady_clock::now();
  const Figures warmed = Run(pool, warm, o.threads, o.budget * 2);
  std::printf("  warm-up: %zu queries in %.1f s%s\n", warmed.ms.size(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count(),
              warmed.failed ? (" (" + std::to_string(warmed.failed) + " failed: " + warmed.error + ")").c_str() : "");

  // The peer: by envelope sender, senders of the mix (addresses as bench/mail_mix.cpp makes them).
  std::mt19937_64 rng(seed + 2);
  std::vector<MessageFilter> peer_filters;
  for (size_t i = 0; i < o.queries; ++i) {
    const size_t k = rng() % 2000, first = 100 + (k * 7919) % 9900, last = 10000 + (k * 104729) % 40000;
    MessageFilter f;
    f.mail_from = vocabulary.Word(first, Script::kLatin) + "." + vocabulary.Word(last, Script::kLatin) + "@corp.example";
    peer_filters.push_back(std::move(f));
  }
  Run(pool, peer_filters, o.threads, o.budget);
  const Figures peer = Run(pool, peer_filters, o.threads, o.budget);

  Figures kinds[2][2];  // [one/two][newest/relevance]
  bool failed = peer.failed > 0;
  std::printf("  %-18s %-72s %s\n", "class", "newest first", "by relevance (bm25)");
  for (const QueryClass& c : classes) {
    const Figures newest = Run(pool, TextFilters(c, o.queries, false, rng), o.threads, o.budget);
    const Figures relevance = Run(pool, TextFilters(c, o.relevance_queries, true, rng), o.threads, o.budget);
    const int k = std::string_view(c.kind) == "one" ? 0 : 1;
    kinds[k][0].Add(newest);
    kinds[k][1].Add(relevance);
    failed |= newest.failed || relevance.failed;
    std::printf("  %-4s %-15s %-72s %s\n", c.kind, c.name, Line(newest).c_str(), Line(relevance).c_str());
    std::fflush(stdout);
  }
  std::printf("  peer: search by envelope sender     %s\n", Line(peer).c_str());
  std::printf("  in the OS page cache after the classes: index file %.0f%%, archive database %.0f%%\n",
              100 * Resident(index_file), 100 * Resident(archive_file));
  if (o.breakdown) {
    // Where a newest-first search's time goes: fresh draws of each class (so no run finds
    // the pages of another's words cached), FTS5 alone, then FTS5 with snippets.
    // FTS5's snippet() is what the search selected before chainmail_snippet (fulltext_snippet.h).
    const std::string ours = std::string(", ") + kSnippetFunction + "(fulltext_index)";
    const std::vector<std::string> columns = {
        "", ", snippet(fulltext_index, -1, char(1), char(2), '…', " + std::to_string(kSnippetTokens) + ")", ours,
        ours + ", bm25(fulltext_index)"};
    std::printf("  breakdown, newest first, fresh draws; FTS5 statement alone (the page's rowids), then with a "
                "snippet (FTS5's snippet(), then chainmail_snippet as the search selects it), then with bm25() too: "
                "p50 / p99 ms, pages read\n");
    std::printf("  %-20s %-30s %-30s %-30s %s\n", "class", "MATCH alone", "+ FTS5 snippet()", "+ chainmail_snippet",
                "+ chainmail_snippet + bm25()");
    for (const QueryClass& c : classes) {
      std::printf("  %-4s %-15s", c.kind, c.name);
      for (const std::string& column : columns) {
        const Figures f = Run(pool, TextFilters(c, o.queries, false, rng), o.threads, o.budget, FtsOnly(column));
        failed |= f.failed > 0;
        std::printf(" %6.2f / %7.2f %6.0f pages ", f.Quantile(0.5), f.Quantile(0.99),
                    f.ms.empty() ? 0.0 : static_cast<double>(f.pages_read) / f.ms.size());
      }
      std::printf("\n");
      std::fflush(stdout);
    }
  }
  const char* names[2] = {"one-word", "two-word"};
  for (int k = 0; k < 2; ++k) {
    const Figures& n = kinds[k][0];
    const double p99 = n.Quantile(0.99);
    std::printf("  %s queries, newest first: p50 %.2f ms, p99 %.2f ms   target p99 < %.0f ms  %s   "
                "(p99 %.1f x the peer's %.2f ms)\n",
                names[k], n.Quantile(0.5), p99, kTargetP99Ms, p99 < kTargetP99Ms && !n.ms.empty() ? "PASS" : "FAIL",
                peer.Quantile(0.99) > 0 ? p99 / peer.Quantile(0.99) : 0, peer.Quantile(0.99));
    std::printf("  %s queries, by relevance: p50 %.2f ms, p99 %.2f ms   (beside; no target)%s\n", names[k],
                kinds[k][1].Quantile(0.5), kinds[k][1].Quantile(0.99), kinds[k][1].cut ? " (some classes cut at budget)" : "");
    std::printf("RESULT queries kind=%s newest_p50=%.3f newest_p99=%.3f relevance_p50=%.3f relevance_p99=%.3f "
                "peer_p99=%.3f\n",
                names[k], n.Quantile(0.5), p99, kinds[k][1].Quantile(0.5), kinds[k][1].Quantile(0.99),
                peer.Quantile(0.99));
  }
  return failed ? 1 : 0;
}
