// bench/mime_bench: MIME extraction throughput (ExtractMime, archive/mime/mime_extraction.h)
// on the realistic mail mix (bench/mail_mix.h), in MB/s of raw mail (MB = 10^6 bytes),
// on one thread and on every core. The peer, measured in the same run over the same bytes:
// SHA-256 plus zstd compression at the archive's level, which every message already costs
// at ingest; the ratio says how extraction compares with that. Each figure is the better
// of two runs in the order peer, extraction, extraction, peer (a drift of the machine
// cancels). Before timing, one pass checks the mix is read as meant: problem flags,
// text and attachment names found.
//
// Usage: mime_bench [--messages N] [--seconds S] [--seed X] [--write-eml DIR]
//   --write-eml DIR   write the first N messages as DIR/NNNNNN.eml and exit (to look at
//                     the mix, or to read it with another parser).
// Not a test; run by bench/fulltext.py.
#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "archive/archive.h"
#include "archive/format/sha256.h"
#include "archive/mime/mime_extraction.h"
#include "bench/mail_mix.h"

using namespace chainmail;
using namespace chainmail::bench;

namespace {

struct Options {
  uint64_t messages = 10000;
  double seconds = 4;
  uint64_t seed = 1;
  std::string write_eml;
};

// Runs `work` on messages taken in turn (cycling through the set) on `threads` threads
// for about `seconds`; returns MB/s of message bytes finished over the wall time.
double Throughput(const std::vector<std::string>& mail, int threads, double seconds,
                  const std::function<void(const std::string&)>& work) {
  std::atomic<uint64_t> next{0}, bytes{0};
  std::atomic<bool> stop{false};
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      uint64_t mine = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        const std::string& m = mail[next++ % mail.size()];
        work(m);
        mine += m.size();
      }
      bytes += mine;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return bytes.load() / s / 1e6;
}

void HashAndCompress(const std::string& m) {
  thread_local ZSTD_CCtx* cctx = ZSTD_createCCtx();
  thread_local std::string out;
  static const int level = ArchiveOptions().zstd_level;
  out.resize(ZSTD_compressBound(m.size()));
  const Hash32 h = Sha256::Of(m);
  const size_t n = ZSTD_compressCCtx(cctx, out.data(), out.size(), m.data(), m.size(), level);
  if (ZSTD_isError(n)) std::abort();
  asm volatile("" : : "r"(h.data()) : "memory");  // the hash is not optimised away
}

void Extract(const std::string& m) {
  const MimeExtraction e = ExtractMime(m);
  if (e.parts.empty()) std::abort();
}

std::string Percent(const std::map<std::string, uint64_t>& counts, uint64_t total) {
  std::vector<std::pair<uint64_t, std::string>> v;
  for (const auto& [k, n] : counts) v.emplace_back(n, k);
  std::sort(v.rbegin(), v.rend());
  std::string out;
  char buf[128];
  for (const auto& [n, k] : v) {
    std::snprintf(buf, sizeof buf, "%s%s %.1f%%", out.empty() ? "" : ", ", k.c_str(), 100.0 * n / total);
    out += buf;
  }
  return out;
}

std::string Kb(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, bytes < 1000000 ? "%.1f KB" : "%.2f MB", bytes < 1000000 ? bytes / 1e3 : bytes / 1e6);
  return buf;
}

// One extraction pass over the mix: what it found, so a generator or reader mistake shows.
void CheckExtraction(const std::vector<std::string>& mail) {
  std::map<std::string, uint64_t> flags;
  uint64_t flagged = 0, text = 0, names = 0, parts = 0, no_text = 0, markup = 0;
  for (const std::string& m : mail) {
    const MimeExtraction e = ExtractMime(m);
    text += e.text.size();
    names += e.attachment_names.size();
    parts += e.parts.size();
    no_text += e.text.empty();
    // HTML reduced to text keeps neither tags nor the style block's words.
    markup += e.text.find("<div") != std::string::npos || e.text.find("MsoNormal") != std::string::npos;
    if (e.flags) ++flagged;
    for (const std::string& f : MimeFlagNames(e.flags)) ++flags[f];
  }
  std::printf("  extraction check: %llu parts, %s of text, %llu attachment names; %llu messages without text, "
              "%llu with HTML markup in their text, %llu with problem flags%s%s\n",
              static_cast<unsigned long long>(parts), Kb(text).c_str(), static_cast<unsigned long long>(names),
              static_cast<unsigned long long>(no_text), static_cast<unsigned long long>(markup),
              static_cast<unsigned long long>(flagged),
              flags.empty() ? "" : ": ", flags.empty() ? "" : Percent(flags, mail.size()).c_str());
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (a == "--messages" && v) o.messages = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--seconds" && v) o.seconds = std::atof(argv[++i]);
    else if (a == "--seed" && v) o.seed = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--write-eml" && v) o.write_eml = argv[++i];
    else {
      std::fprintf(stderr, "usage: mime_bench [--messages N] [--seconds S] [--seed X] [--write-eml DIR]\n");
      std::exit(2);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  const MailMix mix(o.seed);
  const int64_t date0 = 1767225600LL * 1000000;  // 2026-01-01
  std::vector<std::string> mail;
  std::map<std::string, uint64_t> structures, charsets;
  for (uint64_t i = 0; i < o.messages; ++i) {
    GeneratedMail m = mix.Generate(i, date0 + static_cast<int64_t>(i) * 30000000);
    ++structures[m.structure];
    ++charsets[m.charset];
    mail.push_back(std::move(m.bytes));
  }
  if (!o.write_eml.empty()) {
    std::filesystem::create_directories(o.write_eml);
    char name[32];
    for (size_t i = 0; i < mail.size(); ++i) {
      std::snprintf(name, sizeof name, "/%06zu.eml", i);
      std::ofstream(o.write_eml + name, std::ios::binary) << mail[i];
    }
    std::printf("wrote %zu messages to %s\n", mail.size(), o.write_eml.c_str());
    return 0;
  }

  std::vector<uint64_t> sizes;
  uint64_t total = 0;
  for (const std::string& m : mail) sizes.push_back(m.size()), total += m.size();
  std::sort(sizes.begin(), sizes.end());
  const auto q = [&](double p) { return sizes[std::min(sizes.size() - 1, static_cast<size_t>(p * sizes.size()))]; };
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::printf("== extraction: ExtractMime on the mail mix (seed %llu); MB = 10^6 bytes\n",
              static_cast<unsigned long long>(o.seed));
  std::printf("  mix: %zu messages, %s; size p50 %s, p90 %s, p99 %s, max %s\n", mail.size(), Kb(total).c_str(),
              Kb(q(0.5)).c_str(), Kb(q(0.9)).c_str(), Kb(q(0.99)).c_str(), Kb(sizes.back()).c_str());
  std::printf("  structure: %s\n  charset: %s\n", Percent(structures, mail.size()).c_str(),
              Percent(charsets, mail.size()).c_str());
  CheckExtraction(mail);

  for (int threads : {1, cores}) {
    if (threads == cores && cores == 1) break;
    double peer = 0, extract = 0;
    peer = std::max(peer, Throughput(mail, threads, o.seconds, HashAndCompress));
    extract = std::max(extract, Throughput(mail, threads, o.seconds, Extract));
    extract = std::max(extract, Throughput(mail, threads, o.seconds, Extract));
    peer = std::max(peer, Throughput(mail, threads, o.seconds, HashAndCompress));
    std::printf("  %d thread%s: ExtractMime %7.1f MB/s (%6.0f msg/s)   SHA-256 + zstd -%d (peer) %7.1f MB/s   ratio %.2f "
                "(extraction takes %.2f x the peer's CPU per byte)\n",
                threads, threads == 1 ? " " : "s", extract, extract * 1e6 / (double(total) / mail.size()),
                ArchiveOptions().zstd_level, peer, extract / peer, peer / extract);
    std::printf("RESULT extraction threads=%d extract_mbps=%.2f peer_mbps=%.2f\n", threads, extract, peer);
  }
  return 0;
}
