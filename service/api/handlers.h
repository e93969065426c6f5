// Every REST handler, by area. Each takes the context and the authenticated call and
// returns a response or a problem; routes.cpp says which route runs which.
#pragma once

#include "service/api/api_context.h"
#include "service/api/route.h"

namespace chainmail::handlers {

// meta_handlers.cpp
Checked<ApiResponse> OpenApiSpec(ApiContext& ctx, const Call& call);

// token_handlers.cpp (admin)
Checked<ApiResponse> ListTokens(ApiContext& ctx, const Call& call);
Checked<ApiResponse> CreateToken(ApiContext& ctx, const Call& call);
Checked<ApiResponse> RevokeToken(ApiContext& ctx, const Call& call);

// message_handlers.cpp, message_label_handlers.cpp, message_content_handlers.cpp
// (officer; auditor: envelope-level fields, proofs)
Checked<ApiResponse> ListMessages(ApiContext& ctx, const Call& call);
Checked<ApiResponse> GetMessage(ApiContext& ctx, const Call& call);
Checked<ApiResponse> PutMessageLabel(ApiContext& ctx, const Call& call);
Checked<ApiResponse> DeleteMessageLabel(ApiContext& ctx, const Call& call);
Checked<ApiResponse> GetMessageRaw(ApiContext& ctx, const Call& call);
Checked<ApiResponse> GetMessageProof(ApiContext& ctx, const Call& call);
// message_part_handlers.cpp (officer)
Checked<ApiResponse> GetMessageParts(ApiContext& ctx, const Call& call);
Checked<ApiResponse> GetMessagePart(ApiContext& ctx, const Call& call);

// audit_handlers.cpp, checkpoint_handlers.cpp (auditor)
Checked<ApiResponse> ListAuditEvents(ApiContext& ctx, const Call& call);
Checked<ApiResponse> GetLatestCheckpoint(ApiContext& ctx, const Call& call);
Checked<ApiResponse> GetCheckpoint(ApiContext& ctx, const Call& call);
Checked<ApiResponse> GetConsistencyProof(ApiContext& ctx, const Call& call);

// job_handlers.cpp (exports: officer messages, auditor audit log; verify: auditor)
Checked<ApiResponse> CreateExport(ApiContext& ctx, const Call& call);
Checked<ApiResponse> GetExport(ApiContext& ctx, const Call& call);
Checked<ApiResponse> GetExportBundle(ApiContext& ctx, const Call& call);
Checked<ApiResponse> CreateVerify(ApiContext& ctx, const Call& call);
Checked<ApiResponse> GetVerify(ApiContext& ctx, const Call& call);

// system_handlers.cpp (public: no token, no content)
Checked<ApiResponse> Healthz(ApiContext& ctx, const Call& call);
Checked<ApiResponse> PrometheusMetrics(ApiContext& ctx, const Call& call);

}  // namespace chainmail::handlers
