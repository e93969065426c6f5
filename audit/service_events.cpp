#include "audit/service_events.h"

#include "archive/format/json_text.h"
#include "archive/format/payload_tags.h"
#include "archive/format/sha256.h"
#include "audit/audit_log.h"

namespace chainmail {
namespace {

struct PreviousRun {
  bool any = false;
  bool stopped_cleanly = true;
  std::optional<Bytes> config;  // the last start's effective configuration
};

Result<PreviousRun> ReadPreviousRun(const std::string& data_dir) {
  auto db = Database::Open(DatabasePath(data_dir), Database::Mode::kReadOnly);
  if (!db.ok()) return db.status();
  PreviousRun run;
  Statement last = (*db)->Prepare(
      "SELECT type FROM audit_events WHERE type IN (?, ?) ORDER BY seq DESC LIMIT 1");
  last.Bind(1, auditevent::kServiceStart).Bind(2, auditevent::kServiceStop);
  if (last.Step()) {
    run.any = true;
    run.stopped_cleanly = last.Int(0) == auditevent::kServiceStop;
  }
  Statement start = (*db)->Prepare(
      "SELECT p.payload FROM audit_events e JOIN payloads p ON p.record_id = e.record_id "
      "WHERE e.type = ? ORDER BY e.seq DESC LIMIT 1");
  start.Bind(1, auditevent::kServiceStart);
  if (start.Step()) {
    auto payload = AuditPayload::Decode(start.Blob(0));
    if (!payload.ok()) return payload.status();
    run.config = payload->after;
  }
  return run;
}

}  // namespace

Status RecordServiceStart(Archive& archive, const std::string& effective_config, const std::string& version,
                          const std::vector<std::string>& benchmark_only_flags) {
  auto previous = ReadPreviousRun(archive.options().data_dir);
  if (!previous.ok()) return previous.status();
  AuditLog log(archive);
  if (previous->config && *previous->config != effective_config) {
    AuditEvent change = SystemEvent(auditevent::kConfigChange, "ok",
                                    "{\"config_sha256\":" + JsonQuote(ToHex(Sha256::Of(effective_config))) + "}");
    change.payload.before = *previous->config;
    change.payload.after = effective_config;
    if (auto r = log.Record(std::move(change)); !r.ok()) return r.status();
  }
  std::string flags;
  for (const std::string& f : benchmark_only_flags) flags += (flags.empty() ? "" : ",") + JsonQuote(f);
  std::string detail = std::string("{") + (flags.empty() ? "" : "\"benchmark_only_flags\":[" + flags + "],") +
                       "\"config_sha256\":" + JsonQuote(ToHex(Sha256::Of(effective_config))) +
                       ",\"previous_run\":" +
                       JsonQuote(!previous->any ? "none" : previous->stopped_cleanly ? "clean" : "unclean") +
                       ",\"version\":" + JsonQuote(version) + "}";
  AuditEvent start = SystemEvent(auditevent::kServiceStart, "ok", std::move(detail));
  start.payload.after = effective_config;
  auto r = log.Record(std::move(start));
  return r.ok() ? Status::Ok() : r.status();
}

Status RecordServiceStop(Archive& archive, const std::string& reason) {
  auto r = AuditLog(archive).Record(
      SystemEvent(auditevent::kServiceStop, "ok", "{\"reason\":" + JsonQuote(reason) + "}"));
  return r.ok() ? Status::Ok() : r.status();
}

}  // namespace chainmail
