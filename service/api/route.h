// A REST route: method, path pattern, who may call it, and its handler. The whole table
// is in routes.cpp — the one place that says what the API is (docs/openapi.yaml must list
// the same routes; a test holds them together, and the authorization matrix is generated
// from it).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/api_tokens.h"
#include "audit/audit_event.h"
#include "service/api/api_types.h"

namespace chainmail {

class ApiContext;

// Which roles may call a route; none = public (no token at all).
struct Roles {
  bool admin = false, officer = false, auditor = false;
  bool Public() const { return !admin && !officer && !auditor; }
  bool Allows(Role r) const {
    return (r == Role::kAdmin && admin) || (r == Role::kOfficer && officer) || (r == Role::kAuditor && auditor);
  }
};
inline constexpr Roles kPublic{};
inline constexpr Roles kAdminOnly{true, false, false};
inline constexpr Roles kOfficerOnly{false, true, false};
inline constexpr Roles kAuditorOnly{false, false, true};
inline constexpr Roles kOfficerOrAuditor{false, true, true};

// One call of a route: the request, its path parameters, who made it.
struct Call {
  const ApiRequest& request;
  std::map<std::string, std::string> path;  // {name} segments, percent-decoded
  std::optional<ApiToken> token;            // set for every non-public route
  std::string request_id;

  std::optional<Role> role() const { return token ? std::optional<Role>(token->role) : std::nullopt; }
  // An audit event of `type` with this call's actor fields (token name and id, method
  // "token", source address, request id), outcome "ok" and `detail_json`.
  AuditEvent Event(uint16_t type, std::string detail_json) const;
  // How the audit trail names the caller: "<token name> [<token id>]".
  std::string Actor() const;
};

using Handler = Checked<ApiResponse> (*)(ApiContext& ctx, const Call& call);

struct Route {
  std::string_view method;
  std::string_view pattern;  // "/api/v1/messages/{id}/labels/{label}"
  Roles roles;
  Handler handler;
};

const std::vector<Route>& Routes();

// HEAD matches the GET route of its path (RFC 9110 9.3.2: GET without the content): the
// same authorization, the same handler and so the same audit event, committed before the
// answer — a HEAD discloses what GET's header fields do (a search's Content-Length, a
// message's ETag, which is its SHA-256), so it is recorded as the read it stands for. The
// HTTP layer sends only the head: a streamed body (/raw) is never read.
struct RouteMatch {
  const Route* route = nullptr;  // null: no route has this path (404) or method (405)
  std::map<std::string, std::string> path;
  std::vector<std::string_view> allowed_methods;  // for 405's Allow header (GET brings HEAD)
};
RouteMatch MatchRoute(std::string_view method, std::string_view path);

}  // namespace chainmail
