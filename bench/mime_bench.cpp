// bench/mime_bench: MIME extraction throughput (ExtractMime, archive/mime/mime_extraction.h)
// on the realistic mail mix (bench/mail_mix.h), in MB/s of raw mail (MB = 10^6 bytes),
// on one thread and on every core. The peer, measured in the same run over the same bytes:
// SHA-256 plus zstd compression at the archive's level, which every message already costs
// at ingest; the ratio says how extraction compares with that. Each figure is the better
// of two runs in the order peer, extraction, extraction, peer (a drift of the machine
// cancels). Before timing, one pass checks the mix is read as meant: problem flags,
// text and attachment names found.
//
// Usage: mime_bench [--messages N] [--seconds S] [--seed X] [--write-eml DIR] [--kernels]
//   --write-eml DIR   write the first N messages as DIR/NNNNNN.eml and exit (to look at
//                     the mix, or to read it with another parser).
//   --kernels         instead: ns/byte of the per-byte text functions SMTP ingest and the
//                     indexer run on every message (byte scans, UTF-8 validation and
//                     repair, body text, StorableText, the CJK tokenizer) on 10 KB of
//                     (a) smtp-source's body (80-byte CRLF lines of X), (b) mixed text
//                     (Latin-1-range UTF-8, some CJK, CRLF lines), (c) random bytes; the
//                     peer is copying the same bytes (std::string::assign: memcpy) (the tokenizer's: unicode61).
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
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "archive/archive.h"
#include "archive/content_flags.h"
#include "archive/format/byte_scan.h"
#include "archive/format/sha256.h"
#include "archive/format/utf8.h"
#include "archive/fulltext/cjk_tokenizer.h"
#include "archive/fulltext/fts5_api.h"
#include "archive/fulltext/fulltext_document.h"
#include "archive/mime/body_text.h"
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
  bool kernels = false;
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
    else if (a == "--kernels") o.kernels = true;
    else {
      std::fprintf(stderr, "usage: mime_bench [--messages N] [--seconds S] [--seed X] [--write-eml DIR] [--kernels]\n");
      std::exit(2);
    }
  }
  return o;
}


// --- --kernels: the per-byte text functions, one at a time ---

// The three inputs, 10 KB each.
std::string SmtpSourceBody() {
  std::string s;
  for (int line = 0; s.size() < 10240; ++line) {
    std::string l(78, 'X');
    l[0] = static_cast<char>('0' + line % 10);
    s += l + "\r\n";
  }
  return s;
}

std::string MixedText() {
  static const char* const kWords[] = {"the", "meeting", "Zürich", "café", "Straße", "naïve", "€120", "report",
                                       "été", "Ångström", "quarterly", "invoice", "señor", "Größe", "deadline"};
  static const char* const kCjk[] = {"来週の会議について", "请查收附件中的报告", "회의 일정을 확인해 주세요"};
  std::mt19937 rng(7);
  std::string s, line;
  while (s.size() < 10240) {
    line.clear();
    if (rng() % 6 == 0) {
      line = kCjk[rng() % 3];
    } else {
      while (line.size() < 60) line += std::string(kWords[rng() % 15]) + (rng() % 9 == 0 ? ", " : " ");
    }
    s += line + "\r\n";
  }
  return s;
}

std::string RandomBytes() {
  std::mt19937 rng(11);
  std::string s(10240, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// Best ns per byte of `work` over `bytes`, of 20 runs of about 20 ms each: the least
// disturbed run of a shared machine counts.
double NsPerByte(size_t bytes, const std::function<void()>& work) {
  double best = 1e9;
  for (int run = 0; run < 20; ++run) {
    uint64_t reps = 0;
    const auto t0 = std::chrono::steady_clock::now();
    double s = 0;
    do {
      for (int i = 0; i < 8; ++i) work();
      reps += 8;
      s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } while (s < 0.02);
    best = std::min(best, s * 1e9 / (double(reps) * bytes));
  }
  return best;
}

template <typename T>
void Keep(const T& v) {
  asm volatile("" : : "g"(&v) : "memory");
}

// Every match of `find` in `text`, as the SMTP decoder and content-flag scanner call it.
template <typename Find>
size_t CountMatches(std::string_view text, Find find) {
  const char* p = text.data();
  const char* const end = p + text.size();
  size_t n = 0;
  while ((p = find(p, end)) != end) ++n, ++p;
  return n;
}

// A tokenizer of one connection, by name, that counts the tokens it emits.
class Tokenizer {
 public:
  Tokenizer(sqlite3* db, const char* name) {
    fts5_api* api = *FetchFts5Api(db);
    void* context = nullptr;
    if (api->xFindTokenizer(api, name, &context, &methods_) != SQLITE_OK) std::abort();
    if (methods_.xCreate(context, nullptr, 0, &instance_) != SQLITE_OK) std::abort();
  }
  ~Tokenizer() { methods_.xDelete(instance_); }
  size_t Tokens(std::string_view text) {
    size_t n = 0;
    methods_.xTokenize(instance_, &n, FTS5_TOKENIZE_DOCUMENT, text.data(), static_cast<int>(text.size()),
                       [](void* ctx, int, const char*, int, int, int) {
                         ++*static_cast<size_t*>(ctx);
                         return SQLITE_OK;
                       });
    return n;
  }

 private:
  fts5_tokenizer methods_{};
  Fts5Tokenizer* instance_ = nullptr;
};

int RunKernels() {
  sqlite3* db = nullptr;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK || !RegisterFulltextTokenizer(db).ok()) return 1;
  {
    Tokenizer cjk(db, kFulltextTokenizerName), unicode61(db, "unicode61");
    const std::pair<const char*, std::string> inputs[] = {
        {"smtp-source", SmtpSourceBody()}, {"mixed", MixedText()}, {"binary", RandomBytes()}};
    std::printf("== text kernels: ns/byte on 10 KB inputs (lower is better); in ( ): x the peer\n");
    std::printf("  %-44s %18s %18s %18s\n", "function", inputs[0].first, inputs[1].first, inputs[2].first);
    std::string out;
    const std::vector<std::pair<const char*, std::function<void(std::string_view)>>> kernels = {
        {"memcpy (peer)", [&out](std::string_view t) { out.assign(t), Keep(out); }},
        {"FindCrOrLf, every match",
         [](std::string_view t) { Keep(CountMatches(t, FindCrOrLf)); }},
        {"FindLineBreakNulOrEightBit, every match",
         [](std::string_view t) { Keep(CountMatches(t, FindLineBreakNulOrEightBit)); }},
        {"ComputeContentFlags", [](std::string_view t) { Keep(ComputeContentFlags(t)); }},
        {"HasEightBit", [](std::string_view t) { Keep(HasEightBit(t)); }},
        {"ValidUtf8PrefixLength, to the end",  // past each invalid byte, as body_text does
         [](std::string_view t) {
           size_t n = 0;
           while (!t.empty()) n = ValidUtf8PrefixLength(t), t.remove_prefix(std::min(t.size(), n + 1));
           Keep(n);
         }},
        {"AppendUtf8Repaired", [&out](std::string_view t) { out.clear(), AppendUtf8Repaired(t, &out), Keep(out); }},
        {"AppendBodyText, no charset", [&out](std::string_view t) { out.clear(), AppendBodyText("", t, 1 << 20, &out), Keep(out); }},
        {"AppendBodyText, utf-8", [&out](std::string_view t) { out.clear(), AppendBodyText("utf-8", t, 1 << 20, &out), Keep(out); }},
        {"AppendBodyText, iso-8859-1",
         [&out](std::string_view t) { out.clear(), AppendBodyText("iso-8859-1", t, 1 << 20, &out), Keep(out); }},
        {"StorableText", [](std::string_view t) { Keep(StorableText(t)); }},
        {"unicode61 tokenizer (peer)", [&unicode61](std::string_view t) { Keep(unicode61.Tokens(t)); }},
        {"chainmail_cjk tokenizer", [&cjk](std::string_view t) { Keep(cjk.Tokens(t)); }},
    };
    double peer[3] = {0, 0, 0};
    for (const auto& [name, work] : kernels) {
      const bool is_peer = std::strstr(name, "(peer)") != nullptr;
      std::printf("  %-44s", name);
      for (int i = 0; i < 3; ++i) {
        // The tokenizers read stored text, as the indexer does.
        const std::string text = std::strstr(name, "tokenizer") ? StorableText(inputs[i].second) : inputs[i].second;
        const double ns = NsPerByte(text.size(), [&] { work(text); });
        if (is_peer) peer[i] = ns;
        char ratio[16] = "";
        if (!is_peer) std::snprintf(ratio, sizeof ratio, "(%.1f)", ns / peer[i]);
        std::printf(" %10.3f %7s", ns, ratio);
      }
      std::printf("\n");
    }
  }
  sqlite3_close(db);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  if (o.kernels) return RunKernels();
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
