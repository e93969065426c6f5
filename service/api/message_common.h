// What the message route files (message_handlers.cpp, message_label_handlers.cpp,
// message_content_handlers.cpp) share: the {id} path parameter, the label syntax, the
// messages log's id for audit target refs, and the problems they answer alike. JSON
// responses and the 503 for an access that cannot be audited are evidence_common.h's,
// shared with the audit routes.
#pragma once

#include <cctype>
#include <optional>
#include <string>
#include <string_view>

#include "archive/format/leaf.h"
#include "archive/format/record_id.h"
#include "service/api/api_context.h"
#include "service/api/evidence_common.h"
#include "service/api/problem.h"
#include "service/api/query_params.h"
#include "service/api/route.h"

namespace chainmail::handlers {

inline constexpr size_t kMaxLabelBytes = 64;

// The route's {id}: a message id (UUID), else a 400 naming `id`.
inline Checked<RecordId> MessageIdFromPath(const Call& call) {
  auto id = RecordId::Parse(call.path.at("id"));
  if (!id) return BadParameter("id", "id must be a message id, a UUID such as 0190b5c2-7d4e-7a3b-8c1d-2e3f4a5b6c7d");
  return *id;
}

// Case labels: 1-64 characters of A-Z a-z 0-9 . _ : -
inline bool ValidLabel(std::string_view label) {
  if (label.empty() || label.size() > kMaxLabelBytes) return false;
  for (unsigned char c : label)
    if (!(std::isalnum(c) || c == '.' || c == '_' || c == ':' || c == '-')) return false;
  return true;
}
inline std::string LabelSyntax() { return "label must be 1-64 characters of A-Z a-z 0-9 . _ : -"; }

// A lookup of message `id` that failed: 404 when there is no such message.
inline ApiError MessageProblem(const Status& s, const RecordId& id) {
  if (s.code() == Status::Code::kNotFound) return NotFoundProblem("no message " + id.ToString());
  return ProblemFromStatus(s);
}

inline Hash32 MessagesLogId(ApiContext& ctx) { return LogIdForOrigin(ctx.archive().identity().messages_origin); }

}  // namespace chainmail::handlers
