// THE route table: every REST route, who may call it, and its handler. docs/openapi.yaml
// describes the same routes (tests/service/api checks), and the authorization matrix
// test walks this table, so a route added here is documented and tested or the build's
// tests fail.
#include "service/api/handlers.h"
#include "service/api/route.h"

namespace chainmail {

const std::vector<Route>& Routes() {
  using namespace handlers;  // NOLINT
  static const std::vector<Route> kRoutes = {
      {"GET", "/api/v1/openapi.yaml", kPublic, OpenApiSpec},

      {"GET", "/api/v1/tokens", kAdminOnly, ListTokens},
      {"POST", "/api/v1/tokens", kAdminOnly, CreateToken},
      {"DELETE", "/api/v1/tokens/{id}", kAdminOnly, RevokeToken},

      // -- messages (officer; auditor sees envelope-level fields only) --
      {"GET", "/api/v1/messages", kOfficerOrAuditor, ListMessages},
      {"GET", "/api/v1/messages/{id}", kOfficerOrAuditor, GetMessage},
      {"PUT", "/api/v1/messages/{id}/labels/{label}", kOfficerOnly, PutMessageLabel},
      {"DELETE", "/api/v1/messages/{id}/labels/{label}", kOfficerOnly, DeleteMessageLabel},
      {"GET", "/api/v1/messages/{id}/raw", kOfficerOnly, GetMessageRaw},
      {"GET", "/api/v1/messages/{id}/proof", kOfficerOrAuditor, GetMessageProof},
      {"GET", "/api/v1/messages/{id}/parts", kOfficerOnly, GetMessageParts},
      {"GET", "/api/v1/messages/{id}/parts/{n}", kOfficerOnly, GetMessagePart},

      // -- audit log, checkpoints, proofs --
      {"GET", "/api/v1/audit/events", kAuditorOnly, ListAuditEvents},
      {"GET", "/api/v1/checkpoints/{log}/latest", kAuditorOnly, GetLatestCheckpoint},
      {"GET", "/api/v1/checkpoints/{log}", kAuditorOnly, GetCheckpoint},
      {"GET", "/api/v1/logs/{log}/consistency", kAuditorOnly, GetConsistencyProof},

      // -- export and verification jobs --
      {"POST", "/api/v1/exports", kOfficerOrAuditor, CreateExport},
      {"GET", "/api/v1/exports/{id}", kOfficerOrAuditor, GetExport},
      {"GET", "/api/v1/exports/{id}/bundle", kOfficerOrAuditor, GetExportBundle},
      {"POST", "/api/v1/verify", kAuditorOnly, CreateVerify},
      {"GET", "/api/v1/verify/{id}", kAuditorOnly, GetVerify},

      // -- health and metrics (public, no content) --
      {"GET", "/healthz", kPublic, Healthz},
      {"GET", "/metrics", kPublic, PrometheusMetrics},
  };
  return kRoutes;
}

}  // namespace chainmail
