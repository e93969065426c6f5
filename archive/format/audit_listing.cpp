#include "archive/format/audit_listing.h"

#include <cstdio>
#include <vector>

#include "archive/format/json_text.h"
#include "archive/format/payload_registry.h"
#include "archive/format/record_id.h"
#include "archive/format/rfc3339.h"

namespace chainmail {
namespace {

// RFC 4180: quote a field holding a comma, quote, CR or LF; double the quotes.
std::string CsvField(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string TypeName(uint16_t code) {
  std::string_view name = AuditEventName(code);
  if (!name.empty()) return std::string(name);
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", code);
  return buf;
}

std::string TargetText(const TargetRef& t) {
  return ToHex(t.log_id) + ":" + std::to_string(t.seq) + ":" + ToHex(t.leaf_hash);
}

}  // namespace

AuditListing::AuditListing()
    : csv_("seq,record_id,type,time,actor,auth_method,outcome,targets,detail\n") {}

void AuditListing::Add(const Leaf& leaf, const AuditPayload& p) {
  const std::string id = RecordId(leaf.record_id).ToString();
  const std::string type = TypeName(leaf.subtype);
  const std::string time = FormatRfc3339(static_cast<int64_t>(p.event_time_us));
  std::string targets_json, targets_csv;
  for (const auto& t : p.targets) {
    targets_json += (targets_json.empty() ? "" : ",") + JsonQuote(TargetText(t));
    targets_csv += (targets_csv.empty() ? "" : " ") + TargetText(t);
  }
  jsonl_ += "{\"seq\":" + std::to_string(leaf.seq) + ",\"record_id\":" + JsonQuote(id) +
            ",\"type\":" + JsonQuote(type) + ",\"time\":" + JsonQuote(time) +
            ",\"actor\":" + JsonQuote(p.actor) + ",\"auth_method\":" + JsonQuote(p.auth_method) +
            ",\"outcome\":" + JsonQuote(p.outcome) + ",\"targets\":[" + targets_json +
            "],\"detail\":" + JsonQuote(p.detail) + "}\n";
  const std::vector<std::string> fields{std::to_string(leaf.seq), id, type, time, p.actor,
                                        p.auth_method, p.outcome, targets_csv, p.detail};
  for (size_t i = 0; i < fields.size(); ++i) csv_ += (i ? "," : "") + CsvField(fields[i]);
  csv_ += "\n";
}

}  // namespace chainmail
