#include "service/config/config_keys.h"

namespace chainmail {

const std::vector<ConfigKey>& ConfigKeys() {
  static const std::vector<ConfigKey> kKeys = {
      {"service.mode", "journal",
       "journal (archive copies; policy labels and alerts only) or gateway (later: also relay)."},
      {"data.dir", "./var",
       "Where the database, spool, TLS material and keys live. Created 0700 on first start."},
      {"evidence.origin_name", "",
       "Name part of the deployment's log origin; empty = the host name. Used once, at first start."},
      {"evidence.signing_key", "",
       "Ed25519 checkpoint signing key (PKCS#8 PEM, mode 0600); empty = data.dir/keys/signing.pem, created on first start."},
      {"evidence.checkpoint_keep_days", "7",
       "Keep every signed checkpoint this many days, then one per hour."},
      {"smtp.listen", "127.0.0.1:2525", "SMTP listener, host:port or [v6]:port."},
      {"smtp.hostname", "", "Name in the SMTP banner and EHLO reply; empty = the host name."},
      {"smtp.allowed_networks", "127.0.0.1/32, ::1/128",
       "CIDR list of client networks allowed to send. Others get '554 5.7.1' instead of the banner."},
      {"smtp.journal_recipients", "",
       "Addresses accepted in RCPT TO (comma-separated); empty = any. Others get '550 5.1.1'."},
      {"smtp.tls_cert", "",
       "PEM certificate chain for STARTTLS; empty = a self-signed one created in data.dir/tls."},
      {"smtp.tls_key", "", "PEM private key for smtp.tls_cert; empty = the self-signed one's key."},
      {"smtp.require_tls", "false", "true: MAIL before STARTTLS gets '530 5.7.0'."},
      {"smtp.max_message_bytes", "52428800",
       "Largest message (SIZE advertised). Declared larger: '552 5.3.4' at MAIL; sent larger: '552 5.3.4' after the data."},
      {"smtp.max_recipients", "1000", "RCPTs per message, at most 65535; beyond: '452 4.5.3'."},
      {"smtp.max_connections", "200",
       "Concurrent SMTP connections from smtp.allowed_networks; beyond: '421 4.7.0' and close. Clients outside "
       "the allowlist never count against it."},
      {"smtp.max_connections_per_ip", "50", "Concurrent connections per client IP; beyond: '421 4.7.0'."},
      {"smtp.max_denied_connections", "8",
       "Clients outside smtp.allowed_networks held at once: each gets '554 5.7.1', then '503 5.5.1' to anything "
       "but QUIT, for at most 10 s; beyond: '554 5.7.1' and an immediate close."},
      {"smtp.command_timeout_s", "300",
       "Idle seconds allowed while waiting for a command or data, and the most one command line may take from its "
       "first byte (RFC 5321 4.5.3.2); then '421 4.4.2'."},
      {"smtp.message_timeout_s", "0",
       "The most one message may take from DATA's 354 (or its first BDAT) to its end; then '421 4.4.2', nothing "
       "archived. 0 = max(600, smtp.max_message_bytes at 32 KiB/s)."},
      {"smtp.shutdown_drain_s", "30",
       "On SIGTERM, seconds a session mid-transfer may take to finish; idle sessions get '421 4.3.2' at once."},
      {"http.listen", "127.0.0.1:8025",
       "REST API listener, host:port. Plain HTTP is allowed only on a loopback address: elsewhere set http.tls = on, "
       "or chainmaild refuses to start."},
      {"http.tls", "off",
       "on: HTTPS (TLS 1.2+) with http.tls_cert/http.tls_key, or the self-signed certificate of first start."},
      {"http.tls_cert", "", "PEM certificate chain for HTTPS (empty: the self-signed one in data.dir/tls)."},
      {"http.tls_key", "", "PEM private key for http.tls_cert."},
      {"http.max_body_bytes", "1048576",
       "Largest request body; a larger one gets '413' (problem+json) without being read."},
      {"http.max_connections", "64", "Concurrent REST connections served; beyond: '503' (problem+json) and close."},
      {"http.max_connections_per_ip", "32",
       "Concurrent REST connections from one client address; beyond: '503' (problem+json) and close."},
      {"http.timeout_s", "30",
       "Seconds a REST connection may idle, and the most a request (its head and body) may take to arrive: "
       "then '408' and close. Also bounds each write to a client that does not read."},
      {"http.query_timeout_ms", "2000",
       "Longest a search may run; a longer one is cut off with '503' and a hint to narrow it."},
      {"http.auth_failures_per_minute", "10",
       "Failed authentications from one address (an IPv6 /64) per minute before anything it sends that "
       "would be refused gets '429' until the minute ends; a valid token from it is still served."},
      {"health.max_message_age_s", "3600",
       "/healthz says 'degraded' when the newest archived message is older than this (a quiet journal feed "
       "is an alarm: the gateway may have stopped sending) or when there is none yet; 0 = never."},
      {"health.max_fulltext_lag_s", "900",
       "/healthz says 'degraded' when the oldest message not yet searchable by text (q=) was received longer "
       "ago than this (the indexer is stuck or far behind); 0 = never."},
      {"archive.zstd_level", "3", "zstd compression level, 1-19."},
      {"archive.min_free_mb", "256",
       "Free disk space (MiB) below which new messages get '452 4.3.1' (the sender retries later)."},
      {"archive.spool_memory_kb", "256",
       "A message larger than this is spooled to disk while it arrives (memory stays bounded)."},
      {"fulltext.enabled", "on",
       "Full-text search: each message's MIME text is extracted as it is received and indexed in the "
       "background (data.dir/fulltext.sqlite). off: no extraction at ingest, no index; q= then gets '503'."},
      {"fulltext.defer_above_msgs_per_s", "500",
       "While messages arrive faster than this (per second), the indexer leaves the CPU to ingest and "
       "searches by text (q=) lag behind, for at most fulltext.max_deferral_s; 0 = never defer."},
      {"fulltext.max_deferral_s", "30",
       "The longest a peak of ingest defers indexing: past it the indexer runs whatever the load, so under a "
       "sustained peak q= lags about this much (search responses and /metrics show the lag)."},
  };
  return kKeys;
}

const ConfigKey* FindConfigKey(std::string_view name) {
  for (const ConfigKey& k : ConfigKeys())
    if (k.name == name) return &k;
  return nullptr;
}

}  // namespace chainmail
