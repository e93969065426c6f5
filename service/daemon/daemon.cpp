#include "service/daemon/daemon.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "archive/archive.h"
#include "audit/decided_ingest.h"
#include "audit/service_events.h"
#include "service/config/archive_options.h"
#include "service/net/cidr_list.h"
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

}  // namespace

void BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

int RunDaemon(const Config& config) {
  const std::string hostname = config.smtp_hostname.empty() ? LocalHostName() : config.smtp_hostname;
  auto options = ArchiveOptionsFrom(config, SigningKeyUse::kCreate);
  if (!options.ok()) {
    Say(options.status().message());
    return 1;
  }
  auto archive = Archive::Open(*options);
  if (!archive.ok()) {
    Say("cannot open the archive: " + archive.status().message());
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
  so.command_timeout = std::chrono::seconds(config.command_timeout_s);
  so.session.hostname = hostname;
  so.session.max_message_bytes = config.max_message_bytes;
  so.session.max_recipients = config.max_recipients;
  so.session.journal_recipients.insert(config.journal_recipients.begin(), config.journal_recipients.end());
  so.session.require_tls = config.require_tls;
  so.tls = *tls;
  if (Status s = RecordServiceStart(**archive, config.EffectiveText(), CHAINMAIL_VERSION); !s.ok()) {
    Say("cannot record service.start in the audit log: " + s.message());
    return 1;
  }
  DecidedIngest ingest(**archive, DefaultPolicy);
  SmtpServer server(so, ingest);
  if (Status s = server.Start(); !s.ok()) {
    Say("cannot start SMTP on " + config.smtp_listen + ": " + s.message());
    return 1;
  }
  Say("archive " + config.data_dir + " (origin " + (*archive)->identity().base_origin + "); checkpoints signed with " +
      config.signing_key + " (chainmail key show prints the verifier keys)");
  Say("SMTP listening on " + config.smtp_listen + " port " + std::to_string(server.port()) +
      "; accepting from " + config.smtp_allowed_networks);
  Say("ready");

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  sigwait(&set, &sig);
  Say(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + ", draining sessions");
  server.Stop(std::chrono::seconds(config.shutdown_drain_s));
  if (Status s = RecordServiceStop(**archive, sig == SIGTERM ? "SIGTERM" : "SIGINT"); !s.ok())
    Say("cannot record service.stop in the audit log: " + s.message());
  (*archive)->Close();
  const WriterStats w = (*archive)->writer_stats();
  Say("writer: " + std::to_string(w.appends) + " submissions in " + std::to_string(w.batches) +
      " commits (largest " + std::to_string(w.max_batch) + "); " + std::to_string(w.apply_us / 1000) +
      " ms writing rows, " + std::to_string(w.commit_us / 1000) + " ms committing; " +
      std::to_string(w.pages_written) + " pages written, " + std::to_string(w.cache_misses) + " read");
  Say("stopped cleanly");
  return 0;
}

}  // namespace chainmail
