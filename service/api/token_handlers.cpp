// Token routes (admin only). Separation of duties: over REST an admin creates and revokes
// admin tokens only; officer and auditor tokens come from `chainmail token create` on the
// host, so no API role can grant itself access to mail.

#include "archive/format/rfc3339.h"
#include "service/api/handlers.h"
#include "service/api/json_body.h"
#include "service/api/json_writer.h"
#include "service/api/problem.h"
#include "service/api/query_params.h"

namespace chainmail::handlers {
namespace {

constexpr int64_t kMaxExpiryDays = 3650;

std::string TokenJson(const ApiToken& t) {
  return JsonWriter::Object()
      .Str("id", t.id)
      .Str("name", t.name)
      .Str("role", RoleName(t.role))
      .Time("created", t.created_us)
      .Str("created_by", t.created_by)
      .OptTime("expires", t.expires_us)
      .OptTime("revoked", t.revoked_us)
      .OptTime("last_used", t.last_used_us)
      .Done();
}

}  // namespace

Checked<ApiResponse> ListTokens(ApiContext& ctx, const Call& call) {
  if (auto e = NoQueryParams(call.request)) return *e;
  auto reader = ctx.readers().Acquire();
  if (!reader.ok()) return ProblemFromStatus(reader.status());
  auto tokens = ListApiTokens(**reader);
  if (!tokens.ok()) return ProblemFromStatus(tokens.status());
  JsonWriter items = JsonWriter::Array();
  for (const ApiToken& t : *tokens) items.Raw(TokenJson(t));
  return JsonResponse(200, JsonWriter::Object().Raw("tokens", items.Done()).Done());
}

Checked<ApiResponse> CreateToken(ApiContext& ctx, const Call& call) {
  auto body = JsonBody::Parse(call.request, {"name", "role", "expires_days"});
  if (!body.ok()) return body.error();
  auto name = body->Text("name", kMaxTokenNameBytes);
  if (!name.ok()) return name.error();
  if (!*name || (*name)->empty()) return BadParameter("name", "member 'name' is required");
  auto role = body->Text("role", 16);
  if (!role.ok()) return role.error();
  if (*role && !ParseRole(**role)) return BadParameter("role", "member 'role' must be admin, officer or auditor");
  if (*role && **role != "admin")
    return ctx.Forbid(call, "creating a token of role " + **role + " over the API",
                      "over the API an admin creates admin tokens only; officer and auditor tokens are "
                      "created on the host with `chainmail token create`");
  auto days = body->Int("expires_days", 1, kMaxExpiryDays);
  if (!days.ok()) return days.error();
  std::optional<int64_t> expires;
  if (*days)
    expires = UnixNowUs() + **days * 86'400'000'000LL;
  auto issued = CreateApiToken(ctx.archive(), call.Event(0, ""), Role::kAdmin, **name, expires);
  if (!issued.ok()) return ProblemFromStatus(issued.status());
  ApiResponse r = JsonResponse(201, JsonWriter::Object()
                                .Raw("token", TokenJson(issued->token))
                                .Str("secret", issued->secret)
                                .Str("note", "the secret is shown only now; store it safely")
                                .Done());
  r.Header("Location", "/api/v1/tokens/" + issued->token.id);
  return r;
}

Checked<ApiResponse> RevokeToken(ApiContext& ctx, const Call& call) {
  if (auto e = NoQueryParams(call.request)) return *e;
  const std::string& id = call.path.at("id");
  Result<ApiToken> found = Status::NotFound("");
  {
    auto reader = ctx.readers().Acquire();
    if (!reader.ok()) return ProblemFromStatus(reader.status());
    found = FindApiToken(**reader, id);
  }
  if (!found.ok()) return found.status().code() == Status::Code::kNotFound ? NotFoundProblem("no token " + id)
                                                                          : ProblemFromStatus(found.status());
  if (found->role != Role::kAdmin)
    return ctx.Forbid(call, "revoking a token of role " + std::string(RoleName(found->role)) + " over the API",
                      "over the API an admin revokes admin tokens only; use `chainmail token revoke` on the host");
  if (found->revoked_us) return ConflictProblem("token " + id + " is already revoked");
  auto revoked = RevokeApiToken(ctx.archive(), call.Event(0, ""), id);
  if (!revoked.ok()) {
    if (revoked.status().code() == Status::Code::kInvalidArgument) return ConflictProblem(revoked.status().message());
    return ProblemFromStatus(revoked.status());
  }
  return JsonResponse(200, JsonWriter::Object().Raw("token", TokenJson(*revoked)).Done());
}

}  // namespace chainmail::handlers
