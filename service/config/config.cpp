#include "service/config/config.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>

#include "service/config/config_keys.h"

namespace chainmail {
namespace {

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

Status Set(std::map<std::string, std::string>& values, const std::string& key, const std::string& value,
           const std::string& where) {
  if (FindConfigKey(key) == nullptr)
    return Status::InvalidArgument(where + "unknown configuration key '" + key +
                                   "' (chainmaild --print-config lists every key)");
  values[key] = value;
  return Status::Ok();
}

// A directory or a device opens as an empty stream (std::ifstream succeeds on a
// directory): refused, or `--config /etc/chainmail` would silently run on the defaults.
Status ParseFile(const std::string& file, std::map<std::string, std::string>& values) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0)
    return Status::NotFound("cannot read configuration file " + file + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return Status::InvalidArgument("configuration file " + file + " is not a regular file" +
                                   (S_ISDIR(st.st_mode) ? " (it is a directory)" : ""));
  errno = 0;
  std::ifstream in(file);
  if (!in)
    return Status::NotFound("cannot read configuration file " + file +
                            (errno != 0 ? std::string(": ") + std::strerror(errno) : std::string()));
  std::string line, section;
  for (int n = 1; std::getline(in, line); ++n) {
    const std::string where = file + ":" + std::to_string(n) + ": ";
    std::string t = Trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[') {
      if (t.back() != ']') return Status::InvalidArgument(where + "unterminated section header");
      section = Lower(Trim(std::string_view(t).substr(1, t.size() - 2)));
      continue;
    }
    size_t eq = t.find('=');
    if (eq == std::string::npos) return Status::InvalidArgument(where + "expected key = value");
    std::string key = Lower(Trim(std::string_view(t).substr(0, eq)));
    if (!section.empty()) key = section + "." + key;
    if (Status s = Set(values, key, Trim(std::string_view(t).substr(eq + 1)), where); !s.ok()) return s;
  }
  // getline ends at end of file and at a read error alike; only the latter sets badbit.
  if (in.bad()) return Status::IoError("error reading configuration file " + file);
  return Status::Ok();
}

template <typename T>
Status ParseUint(const std::map<std::string, std::string>& v, const char* key, T min, T max, T& out) {
  const std::string& s = v.at(key);
  uint64_t x = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
  if (ec != std::errc() || p != s.data() + s.size() || x < static_cast<uint64_t>(min) ||
      x > static_cast<uint64_t>(max))
    return Status::InvalidArgument(std::string(key) + " = '" + s + "': expected a whole number from " +
                                   std::to_string(min) + " to " + std::to_string(max));
  out = static_cast<T>(x);
  return Status::Ok();
}

Status ParseBool(const std::map<std::string, std::string>& v, const char* key, bool& out) {
  std::string s = Lower(v.at(key));
  if (s == "true" || s == "yes" || s == "on" || s == "1") out = true;
  else if (s == "false" || s == "no" || s == "off" || s == "0") out = false;
  else return Status::InvalidArgument(std::string(key) + " = '" + v.at(key) + "': expected true or false");
  return Status::Ok();
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    std::string item = Trim(std::string_view(s).substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

std::string Config::EffectiveText() const {
  std::string out;
  for (const auto& [key, value] : effective) out += key + " = " + value + "\n";
  return out;
}

Result<Config> Config::Load(const std::string& file, const std::vector<std::string>& overrides) {
  std::map<std::string, std::string> v;
  for (const ConfigKey& k : ConfigKeys()) v[std::string(k.name)] = std::string(k.default_value);
  if (!file.empty())
    if (Status s = ParseFile(file, v); !s.ok()) return s;
  for (const std::string& o : overrides) {
    size_t eq = o.find('=');
    if (eq == std::string::npos) return Status::InvalidArgument("--set '" + o + "': expected key=value");
    if (Status s = Set(v, Lower(Trim(o.substr(0, eq))), Trim(o.substr(eq + 1)), "--set: "); !s.ok()) return s;
  }

  Config c;
  c.effective = v;
  c.service_mode = v["service.mode"];
  if (c.service_mode != "journal" && c.service_mode != "gateway")
    return Status::InvalidArgument("service.mode = '" + c.service_mode + "': expected journal or gateway");
  if (c.service_mode == "gateway")
    return Status::InvalidArgument("service.mode = gateway is not available in this release; use journal");
  c.data_dir = v["data.dir"];
  if (c.data_dir.empty()) return Status::InvalidArgument("data.dir must not be empty");
  c.origin_name = v["evidence.origin_name"];
  if (c.origin_name.find_first_of("/\n ") != std::string::npos)
    return Status::InvalidArgument("evidence.origin_name must not contain '/', spaces or newlines");
  c.signing_key = v["evidence.signing_key"].empty() ? c.data_dir + "/keys/signing.pem" : v["evidence.signing_key"];
  c.smtp_listen = v["smtp.listen"];
  c.smtp_hostname = v["smtp.hostname"];
  c.smtp_allowed_networks = v["smtp.allowed_networks"];
  for (auto& r : SplitList(v["smtp.journal_recipients"])) {
    if (r.find('@') == std::string::npos)
      return Status::InvalidArgument("smtp.journal_recipients: '" + r + "' is not an address");
    c.journal_recipients.push_back(Lower(r));
  }
  c.tls_cert = v["smtp.tls_cert"];
  c.tls_key = v["smtp.tls_key"];
  if (c.tls_cert.empty() != c.tls_key.empty())
    return Status::InvalidArgument("smtp.tls_cert and smtp.tls_key must be set together");
  c.http_listen = v["http.listen"];
  c.http_tls_cert = v["http.tls_cert"];
  c.http_tls_key = v["http.tls_key"];
  if (c.http_tls_cert.empty() != c.http_tls_key.empty())
    return Status::InvalidArgument("http.tls_cert and http.tls_key must be set together");
  Status checks[] = {
      ParseBool(v, "smtp.require_tls", c.require_tls),
      ParseBool(v, "http.tls", c.http_tls),
      ParseBool(v, "fulltext.enabled", c.fulltext_enabled),
      ParseUint<uint64_t>(v, "http.max_body_bytes", 1024, 1ull << 30, c.http_max_body_bytes),
      ParseUint<uint32_t>(v, "http.max_connections", 1, 10000, c.http_max_connections),
      ParseUint<uint32_t>(v, "http.max_connections_per_ip", 1, 10000, c.http_max_connections_per_ip),
      ParseUint<uint32_t>(v, "http.timeout_s", 1, 3600, c.http_timeout_s),
      ParseUint<uint32_t>(v, "http.query_timeout_ms", 10, 600000, c.http_query_timeout_ms),
      ParseUint<uint32_t>(v, "http.auth_failures_per_minute", 1, 1000000, c.http_auth_failures_per_minute),
      ParseUint<uint32_t>(v, "health.max_message_age_s", 0, 30u * 86400u, c.health_max_message_age_s),
      ParseUint<uint32_t>(v, "health.max_fulltext_lag_s", 0, 30u * 86400u, c.health_max_fulltext_lag_s),
      ParseUint<uint32_t>(v, "fulltext.defer_above_msgs_per_s", 0, 10000000, c.fulltext_defer_above_msgs_per_s),
      ParseUint<uint32_t>(v, "fulltext.max_deferral_s", 0, 86400, c.fulltext_max_deferral_s),
      ParseUint<uint64_t>(v, "smtp.max_message_bytes", 1024, 1ull << 40, c.max_message_bytes),
      ParseUint<uint32_t>(v, "smtp.max_recipients", 1, 65535, c.max_recipients),  // a record lists at most 65535
      ParseUint<uint32_t>(v, "smtp.max_connections", 1, 10000, c.max_connections),
      ParseUint<uint32_t>(v, "smtp.max_connections_per_ip", 1, 10000, c.max_connections_per_ip),
      ParseUint<uint32_t>(v, "smtp.max_denied_connections", 1, 10000, c.max_denied_connections),
      ParseUint<uint32_t>(v, "smtp.command_timeout_s", 1, 86400, c.command_timeout_s),
      ParseUint<uint32_t>(v, "smtp.message_timeout_s", 0, 31536000, c.message_timeout_s),
      ParseUint<uint32_t>(v, "smtp.shutdown_drain_s", 0, 3600, c.shutdown_drain_s),
      ParseUint<int>(v, "archive.zstd_level", 1, 19, c.zstd_level),
      ParseUint<uint32_t>(v, "evidence.checkpoint_keep_days", 1, 36500, c.checkpoint_keep_days),
      ParseUint<uint64_t>(v, "archive.min_free_mb", 0, 1ull << 30, c.min_free_mb),
      ParseUint<uint64_t>(v, "archive.spool_memory_kb", 16, 1ull << 20, c.spool_memory_kb),
  };
  for (const Status& s : checks)
    if (!s.ok()) return s;
  return c;
}

}  // namespace chainmail
