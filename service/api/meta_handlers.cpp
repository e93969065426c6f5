// The API describing itself: docs/openapi.yaml, compiled in, served without a token.
#include "service/api/handlers.h"
#include "service/api/openapi_text.h"
#include "service/api/problem.h"
#include "service/api/query_params.h"

namespace chainmail::handlers {

Checked<ApiResponse> OpenApiSpec(ApiContext&, const Call& call) {
  if (auto e = NoQueryParams(call.request)) return *e;
  ApiResponse r;
  r.content_type = "application/yaml";
  r.body = std::string(OpenApiYaml());
  return r;
}

}  // namespace chainmail::handlers
