// What the auditor's evidence route files (audit_handlers.cpp, checkpoint_handlers.cpp,
// job_handlers.cpp) share: naming the logs in paths and texts, recording an audit.read
// before anything is served.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "archive/format/payload_tags.h"
#include "archive/log_head.h"
#include "audit/audit_log.h"
#include "service/api/api_context.h"
#include "service/api/problem.h"
#include "service/api/route.h"

namespace chainmail::handlers {

// Commits an audit.read event for this call with `detail`; the problem to answer if it fails.
inline std::optional<ApiError> RecordAuditRead(ApiContext& ctx, const Call& call, std::string detail) {
  auto recorded = AuditLog(ctx.archive()).Record(call.Event(auditevent::kAuditRead, std::move(detail)));
  if (!recorded.ok()) return Unaudited(recorded.status());
  return std::nullopt;
}

inline std::string_view LogText(LogName log) { return log == LogName::kMessages ? "messages" : "audit"; }

inline std::optional<LogName> ParseLog(std::string_view name) {
  if (name == "messages") return LogName::kMessages;
  if (name == "audit") return LogName::kAudit;
  return std::nullopt;
}

inline const std::string& OriginOf(ApiContext& ctx, LogName log) {
  const Identity& id = ctx.archive().identity();
  return log == LogName::kMessages ? id.messages_origin : id.audit_origin;
}

}  // namespace chainmail::handlers
