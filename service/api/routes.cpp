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

      // -- audit log, checkpoints, proofs --

      // -- export and verification jobs --

      // -- health and metrics (public, no content) --
  };
  return kRoutes;
}

}  // namespace chainmail
