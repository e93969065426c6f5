// Health and metrics (public: no token; never any address, subject or content), for the
// operator's monitoring. /healthz is HealthMonitor's report (200 when ok or degraded, 503
// when failing); /metrics is the Prometheus text of Metrics.
#include "service/api/handlers.h"
#include "service/api/query_params.h"

namespace chainmail::handlers {

Checked<ApiResponse> Healthz(ApiContext& ctx, const Call& call) {
  if (auto e = NoQueryParams(call.request)) return *e;
  HealthReport report = ctx.health().Check();
  ApiResponse r;
  r.status = report.status == Health::kFailing ? 503 : 200;
  r.body = std::move(report.json);
  return r;
}

Checked<ApiResponse> PrometheusMetrics(ApiContext& ctx, const Call& call) {
  if (auto e = NoQueryParams(call.request)) return *e;
  ApiResponse r;
  r.content_type = std::string(Metrics::kContentType);
  r.body = ctx.metrics().Render(ctx.archive().writer_stats());
  return r;
}

}  // namespace chainmail::handlers
