// bench/gen_archive: fills an archive with N synthetic messages (default 1,000,000)
// through the real archive path — spool, SHA-256, zstd, payload, leaf, metadata index,
// policy-decision audit event, group commit — from many threads so batches fill, the
// way concurrent SMTP sessions would. The messages vary as real journal traffic does:
// 2,000 senders, 20,000 recipients, unique Message-IDs, Date headers spread over a year,
// 2–20 KB bodies. Also writes DIR/queries.txt: sample search values for the REST bench.
// Usage: gen_archive DIR [N] [THREADS]. Not a test; run by bench/rest.py.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "archive/archive.h"
#include "archive/format/rfc3339.h"
#include "audit/decided_ingest.h"
#include "audit/policy_decision.h"

using namespace chainmail;

namespace {

constexpr int kSenders = 2000;
constexpr int kRecipients = 20000;
constexpr int64_t kYearUs = 365LL * 86400 * 1000000;

std::string Sender(uint64_t k) { return "user" + std::to_string(k % kSenders) + "@corp.example"; }
std::string Recipient(uint64_t k) { return "peer" + std::to_string(k % kRecipients) + "@partner" + std::to_string(k % 97) + ".example"; }

std::string RfcDate(int64_t us) {
  // RFC 5322 date from RFC 3339 pieces: "2026-11-27T11:48:30..." -> "27 Nov 2026 11:48:30 +0000"
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::string t = FormatRfc3339(us);
  const int month = std::stoi(t.substr(5, 2));
  return t.substr(8, 2) + " " + kMonths[month - 1] + " " + t.substr(0, 4) + " " + t.substr(11, 8) + " +0000";
}

std::string Message(uint64_t i, std::mt19937_64& rng, int64_t date_us) {
  const std::string from = Sender(rng()), to = Recipient(rng()), cc = Recipient(rng());
  std::string m = "From: " + from + "\r\nTo: " + to + "\r\nCc: " + cc + "\r\nSubject: quarterly report " +
                  std::to_string(i % 5000) + " for account " + std::to_string(rng() % 100000) +
                  "\r\nMessage-ID: <gen" + std::to_string(i) + "." + std::to_string(rng() % 1000000) +
                  "@corp.example>\r\nDate: " + RfcDate(date_us) + "\r\nMIME-Version: 1.0\r\n"
                  "Content-Type: text/plain; charset=utf-8\r\n\r\n";
  const size_t body = 2000 + rng() % 18000;
  static const char* kWords[] = {"revenue", "forecast", "meeting", "contract", "invoice", "shipment",
                                 "approval", "budget", "review", "deadline", "client", "renewal"};
  size_t line = 0;
  while (m.size() < body) {
    m += kWords[rng() % 12];
    m += ++line % 12 ? ' ' : '\n';
    if (line % 12 == 0) m.insert(m.size() - 1, "\r");
  }
  m += "\r\n";
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return std::fprintf(stderr, "usage: gen_archive DIR [N] [THREADS]\n"), 2;
  const std::string dir = argv[1];
  const uint64_t n = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000000;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 64;
  ArchiveOptions o;
  o.data_dir = dir;
  o.origin_name = "bench.example";
  o.min_free_bytes = 0;
  auto archive = Archive::Open(o);
  if (!archive.ok()) return std::fprintf(stderr, "%s\n", archive.status().message().c_str()), 2;
  DecidedIngest ingest(**archive, DefaultPolicy);

  const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
  std::atomic<uint64_t> next{0}, failed{0};
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::mt19937_64 rng(1000 + t);
      for (uint64_t i = next++; i < n; i = next++) {
        // Dates advance with i (mail arrives roughly in order), spread over the last year.
        const int64_t date_us = now_us - kYearUs + static_cast<int64_t>(kYearUs * (double(i) / n));
        const std::string bytes = Message(i, rng, date_us);
        auto spool = ingest.BeginMessage();
        if (!spool.ok()) { ++failed; continue; }
        (*spool)->Write(bytes);
        MessagePayload e;
        e.mail_from = "<" + Sender(rng()) + ">";
        e.rcpt_to = {"<" + Recipient(rng()) + ">", "<journal@archive.example>"};
        e.helo_verb = "EHLO";
        e.helo_name = "gateway.corp.example";
        e.client_address = "192.0.2.10";
        e.client_port = 40000 + static_cast<uint16_t>(t);
        e.server_address = "192.0.2.1:25";
        e.tls_protocol = "TLSv1.3";
        e.tls_cipher = "TLS_AES_256_GCM_SHA384";
        e.session_id = std::string(16, static_cast<char>(t));
        if (!ingest.Commit(std::move(*spool), e).ok()) ++failed;
        if (i % 50000 == 0 && i) {
          const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          std::fprintf(stderr, "gen_archive: %llu messages, %.0f msg/s\n", static_cast<unsigned long long>(i), i / s);
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  (*archive)->Close();
  std::printf("gen_archive: %llu messages in %.1f s (%.0f msg/s), %llu failed\n", static_cast<unsigned long long>(n),
              s, n / s, static_cast<unsigned long long>(failed.load()));
  // Search values that exist in the archive, for the REST bench's query mix.
  std::ofstream q(dir + "/queries.txt");
  std::mt19937_64 rng(7);
  for (int i = 0; i < 1000; ++i) q << "sender " << Sender(rng()) << "\n";
  for (int i = 0; i < 1000; ++i) q << "recipient " << Recipient(rng()) << "\n";
  return failed ? 1 : 0;
}
