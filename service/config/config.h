// Config: chainmaild's typed configuration, from an INI file plus `--set key=value`
// overrides over the defaults in config_keys.cpp. Unknown keys and bad values are errors
// that name the key (and the file line), never silently ignored. Plain value; thread-safe
// to read once built.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "archive/format/status.h"

namespace chainmail {

struct Config {
  std::string service_mode;
  std::string data_dir;
  std::string origin_name;
  std::string signing_key;  // resolved: never empty
  uint32_t checkpoint_keep_days = 0;
  std::string smtp_listen;
  std::string smtp_hostname;
  std::string smtp_allowed_networks;  // parsed by the network layer
  std::vector<std::string> journal_recipients;  // lower-case
  std::string tls_cert, tls_key;
  bool require_tls = false;
  uint64_t max_message_bytes = 0;
  uint32_t max_recipients = 0;
  uint32_t max_connections = 0;
  uint32_t max_connections_per_ip = 0;
  uint32_t max_denied_connections = 0;
  uint32_t command_timeout_s = 0;
  uint32_t message_timeout_s = 0;  // 0: SmtpServerOptions' default (smtp_server.h)
  uint32_t shutdown_drain_s = 0;
  std::string http_listen;
  bool http_tls = false;
  std::string http_tls_cert, http_tls_key;
  uint64_t http_max_body_bytes = 0;
  uint32_t http_max_connections = 0;
  uint32_t http_max_connections_per_ip = 0;
  uint32_t http_timeout_s = 0;
  uint32_t http_query_timeout_ms = 0;
  uint32_t http_auth_failures_per_minute = 0;
  uint32_t health_max_message_age_s = 0;
  uint32_t health_max_fulltext_lag_s = 0;
  bool fulltext_enabled = true;
  uint32_t fulltext_defer_above_msgs_per_s = 0;
  uint32_t fulltext_max_deferral_s = 0;
  int zstd_level = 0;
  uint64_t min_free_mb = 0;
  uint64_t spool_memory_kb = 0;

  // The effective key=value pairs (defaults included), for logs and the config hash.
  std::map<std::string, std::string> effective;

  // The effective configuration as canonical text: "key = value\n" for every key, sorted.
  // Recorded in the audit trail at start (its SHA-256 identifies the configuration).
  std::string EffectiveText() const;

  // Loads `file` (may be empty: defaults only) and then applies `overrides` ("key=value").
  static Result<Config> Load(const std::string& file, const std::vector<std::string>& overrides);
};

}  // namespace chainmail
