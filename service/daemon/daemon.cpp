#include "service/daemon/daemon.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <limits>
#include <vector>

#include "archive/archive.h"
#include "archive/fulltext/fulltext_indexer.h"
#include "archive/histogram.h"
#include "audit/listing_index.h"
#include "audit/decided_ingest.h"
#include "audit/service_events.h"
#include "service/config/archive_options.h"
#include "service/api/api.h"
#include "service/api/api_context.h"
#include "service/http/http_server.h"
#include "service/net/cidr_list.h"
#include "service/net/listen_address.h"
#include "service/net/self_signed_cert.h"
#include "service/net/smtp_server.h"
#include "service/net/tls_server_context.h"

namespace chainmail {
namespace {

void Say(const std::string& line) {
  std::cerr << "chainmaild: " << line << std::endl;
}

Result<std::shared_ptr<TlsServerContext>> LoadTls(const Config& c, const std::string& hostname) {
  std::string cert = c.tls_cert, key = c.tls_key;
  if (cert.empty()) {
    cert = c.data_dir + "/tls/cert.pem";
    key = c.data_dir + "/tls/key.pem";
    mkdir((c.data_dir + "/tls").c_str(), 0700);
    if (Status s = EnsureSelfSignedCertificate(cert, key, hostname); !s.ok()) return s;
    Say("STARTTLS uses the self-signed certificate " + cert + " (set smtp.tls_cert/smtp.tls_key for your own)");
  }
  return TlsServerContext::FromPemFiles(cert, key);
}

Result<HttpServerOptions> HttpOptionsFrom(const Config& c, const std::string& hostname) {
  HttpServerOptions o;
  o.listen = c.http_listen;
  o.tls = c.http_tls;
  o.max_body_bytes = c.http_max_body_bytes;
  o.max_connections = c.http_max_connections;
  o.max_connections_per_ip = c.http_max_connections_per_ip;
  o.timeout = std::chrono::seconds(c.http_timeout_s);
  if (!o.tls) return o;
  o.cert_file = c.http_tls_cert;
  o.key_file = c.http_tls_key;
  if (o.cert_file.empty()) {
    o.cert_file = c.data_dir + "/tls/cert.pem";
    o.key_file = c.data_dir + "/tls/key.pem";
    mkdir(c.data_dir.c_str(), 0700);
    mkdir((c.data_dir + "/tls").c_str(), 0700);
    if (Status s = EnsureSelfSignedCertificate(o.cert_file, o.key_file, hostname); !s.ok()) return s;
  }
  return o;
}

ApiLimits ApiLimitsFrom(const Config& c) {
  ApiLimits l;
  l.query_time = std::chrono::milliseconds(c.http_query_timeout_ms);
  l.auth_failures_per_window = c.http_auth_failures_per_minute;
  l.health.max_message_age = std::chrono::seconds(c.health_max_message_age_s);
  l.health.max_fulltext_lag = std::chrono::seconds(c.health_max_fulltext_lag_s);
  return l;
}

// "<= 0.5/<= 5 ms": the bucket bounds the WAL syncs' p50 and p99 fall in (the disk's
// share of every commit), "-" when there was none.
std::string SyncQuantiles(const WriterStats& w) {
  std::string out;
  for (double q : {0.5, 0.99}) {
    const auto bound = QuantileBound(w.sync_time_buckets, kSyncTimeBoundsUs, q);
    if (!bound) return "-";
    char text[32];
    if (*bound == std::numeric_limits<uint64_t>::max())
      std::snprintf(text, sizeof text, "> %g", static_cast<double>(kSyncTimeBoundsUs.back()) / 1000);
    else
      std::snprintf(text, sizeof text, "<= %g", static_cast<double>(*bound) / 1000);
    out += (out.empty() ? "" : "/") + std::string(text);
  }
  return out + " ms";
}

}  // namespace

void BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

int RunDaemon(const Config& config, const BenchmarkSwitches& bench) {
  const std::string hostname = config.smtp_hostname.empty() ? LocalHostName() : config.smtp_hostname;
  auto http_options = HttpOptionsFrom(config, hostname);
  if (!http_options.ok()) {
    Say("REST TLS: " + http_options.status().message());
    return 1;
  }
  // Both listen addresses are checked before the archive is touched: a typo is a
  // configuration error (exit 2), not a start that the audit log records.
  if (auto smtp_address = ParseListenAddress(config.smtp_listen); !smtp_address.ok()) {
    Say("smtp.listen: " + smtp_address.status().message());
    return 2;
  }
  auto http_address = ParseListenAddress(config.http_listen);
  if (!http_address.ok()) {
    Say("http.listen: " + http_address.status().message());
    return 2;
  }
  if (!http_options->tls && !http_address->host().isLoopback()) {
    Say("http.listen = " + config.http_listen + " is not a loopback address: the REST API is served there only "
        "over HTTPS (set http.tls = on)");
    return 2;
  }
  auto options = ArchiveOptionsFrom(config, SigningKeyUse::kCreate);
  if (!options.ok()) {
    Say(options.status().message());
    return 1;
  }
  std::vector<std::string> bench_flags;
  if (bench.without_checkpoints) {
    options->checkpoint_signer = nullptr;
    bench_flags.push_back("--without-checkpoints");
    Say("WARNING: --without-checkpoints (benchmark only): NO checkpoints will be signed for what this run "
        "archives until chainmaild restarts without it; recorded in the audit log's service.start event");
  }
  auto archive = Archive::Open(*options);
  if (!archive.ok()) {
    Say("cannot open the archive: " + archive.status().message());
    return 1;
  }
  // The full-text indexer backfills whatever the index lacks in the background; ingest
  // never waits for it.
  FulltextIndexerOptions indexing;
  indexing.defer_above_msgs_per_s = config.fulltext_defer_above_msgs_per_s;
  indexing.max_deferral = std::chrono::seconds(config.fulltext_max_deferral_s);
  auto indexer = StartFulltextIndexer(**archive, indexing);  // null when fulltext.enabled is off
  if (!indexer.ok()) {
    Say("cannot open the full-text index in " + config.data_dir + ": " + indexer.status().message());
    return 1;
  }
  // So does the listing index (which searches listed a message: audit/listing_index.h).
  auto listings = ListingIndexer::Start(config.data_dir);
  if (!listings.ok()) {
    Say("cannot open the listing index in " + config.data_dir + ": " + listings.status().message());
    return 1;
  }
  auto networks = CidrList::Parse(config.smtp_allowed_networks);
  if (!networks.ok()) {
    Say("smtp.allowed_networks: " + networks.status().message());
    return 2;
  }
  auto tls = LoadTls(config, hostname);
  if (!tls.ok()) {
    Say("TLS: " + tls.status().message());
    return 1;
  }

  SmtpServerOptions so;
  so.listen = config.smtp_listen;
  so.allowed_networks = *networks;
  so.max_connections = config.max_connections;
  so.max_connections_per_ip = config.max_connections_per_ip;
  so.max_denied_connections = config.max_denied_connections;
  so.command_timeout = std::chrono::seconds(config.command_timeout_s);
  if (config.message_timeout_s) so.message_timeout = std::chrono::seconds(config.message_timeout_s);
  so.session.hostname = hostname;
  so.session.max_message_bytes = config.max_message_bytes;
  so.session.max_recipients = config.max_recipients;
  so.session.journal_recipients.insert(config.journal_recipients.begin(), config.journal_recipients.end());
  so.session.require_tls = config.require_tls;
  so.tls = *tls;
  if (Status s = RecordServiceStart(**archive, config.EffectiveText(), CHAINMAIL_VERSION, bench_flags); !s.ok()) {
    Say("cannot record service.start in the audit log: " + s.message());
    return 1;
  }
  // From here on the audit log says the service started: every way out records its stop.
  auto fail_after_start = [&](const std::string& why) {
    if (Status s = RecordServiceStop(**archive, why); !s.ok())
      Say("cannot record service.stop in the audit log: " + s.message());
    (*archive)->Close();
    if (*indexer) (*indexer)->Stop();
    (*listings)->Stop();
    return 1;
  };
  DecidedIngest ingest(**archive, DefaultPolicy);
  SmtpServer server(so, ingest);
  if (Status s = server.Start(); !s.ok()) {
    Say("cannot start SMTP on " + config.smtp_listen + ": " + s.message());
    return fail_after_start("SMTP listener failed");
  }
  ApiContext api_context(**archive, ApiLimitsFrom(config));
  api_context.metrics().WatchSmtp(&server.counters());
  api_context.SetFulltext(*indexer);
  Api api(api_context);
  HttpServer http(*http_options, api);
  if (Status s = http.Start(); !s.ok()) {
    Say("cannot start the REST API on " + config.http_listen + ": " + s.message());
    server.Stop(std::chrono::seconds(0));
    return fail_after_start("REST listener failed");
  }
  Say("archive " + config.data_dir + " (origin " + (*archive)->identity().base_origin + "); " +
      (bench.without_checkpoints ? "checkpoints NOT signed (--without-checkpoints)"
                                 : "checkpoints signed with " + config.signing_key +
                                       " (chainmail key show prints the verifier keys)"));
  Say("SMTP listening on " + config.smtp_listen + " port " + std::to_string(server.port()) +
      "; accepting from " + config.smtp_allowed_networks);
  Say(std::string("REST API on ") + (http_options->tls ? "https://" : "http://") + config.http_listen + " port " +
      std::to_string(http.port()) + " (docs: /api/v1/openapi.yaml)");
  Say("ready");

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  sigwait(&set, &sig);
  Say(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + ", draining sessions");
  http.Stop();
  server.Stop(std::chrono::seconds(config.shutdown_drain_s));
  api.FlushDenials(true);
  if (Status s = RecordServiceStop(**archive, sig == SIGTERM ? "SIGTERM" : "SIGINT"); !s.ok())
    Say("cannot record service.stop in the audit log: " + s.message());
  (*archive)->Close();
  if (*indexer) (*indexer)->Stop();  // what it had not indexed is read back at the next start
  (*listings)->Stop();               // and so is what this one had not
  const WriterStats w = (*archive)->writer_stats();
  Say("writer: " + std::to_string(w.appends) + " submissions in " + std::to_string(w.batches) +
      " commits (largest " + std::to_string(w.max_batch) + "); " + std::to_string(w.apply_us / 1000) +
      " ms writing rows, " + std::to_string(w.commit_us / 1000) + " ms committing, " + std::to_string(w.syncs) +
      " syncs in " + std::to_string(w.sync_us / 1000) + " ms; " +
      std::to_string(w.pages_written) + " pages written, " + std::to_string(w.cache_misses) + " read; " +
      "sync p50/p99 " + SyncQuantiles(w));
  Say("stopped cleanly");
  return 0;
}

}  // namespace chainmail
