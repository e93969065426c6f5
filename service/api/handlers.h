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

// message_handlers.cpp

// audit_handlers.cpp

// job_handlers.cpp

// system_handlers.cpp

}  // namespace chainmail::handlers
