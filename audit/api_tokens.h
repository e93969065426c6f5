// ApiTokens: the REST API's bearer tokens. A token is 256 random bits shown once
// ("cmt_" + base64url); only its SHA-256 is stored. Every creation and revocation commits
// together with its token.create / token.revoke audit event (after = the stored row as
// JSON), so a token never exists without its trail. Roles: admin (tokens, routes,
// policies, configuration; no message content), officer (search, read, label, export
// messages), auditor (audit log, checkpoints, proofs, verification; envelope-level
// message fields only). Thread-safe (each call brings its database or goes through the
// archive's writer).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "archive/archive.h"
#include "audit/audit_event.h"

namespace chainmail {

enum class Role { kAdmin, kOfficer, kAuditor };
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

struct ApiToken {
  std::string id;  // 16 hex characters; public, names the token in lists and the trail
  std::string name;
  Role role = Role::kAuditor;
  int64_t created_us = 0;
  std::string created_by;
  std::optional<int64_t> expires_us;
  std::optional<int64_t> revoked_us;
  std::optional<int64_t> last_used_us;

  // Why this token may not be used at `now_us` ("expired", "revoked"), or "" if it may.
  std::string_view Unusable(int64_t now_us) const;
  // The row as JSON (the audit event's before/after), without the secret's hash.
  std::string Json() const;
};

struct IssuedToken {
  ApiToken token;
  std::string secret;  // shown once; never stored
};

inline constexpr size_t kMaxTokenNameBytes = 100;
inline constexpr std::string_view kTokenPrefix = "cmt_";

// Creates a token; `by` carries the actor fields of the event (its type and detail are
// set here). `name` must be 1-100 bytes of valid UTF-8 without control characters.
Result<IssuedToken> CreateApiToken(Archive& archive, AuditEvent by, Role role, std::string name,
                                   std::optional<int64_t> expires_us);
// Revokes token `id`: NotFound if there is none, InvalidArgument if already revoked.
Result<ApiToken> RevokeApiToken(Archive& archive, AuditEvent by, const std::string& id);

Result<std::vector<ApiToken>> ListApiTokens(Database& db);
Result<ApiToken> FindApiToken(Database& db, const std::string& id);
// The token `secret` belongs to (NotFound for anything else, malformed or unknown alike).
// The caller decides about expiry and revocation (ApiToken::Unusable).
Result<ApiToken> TokenForSecret(Database& db, std::string_view secret);
// last_used_us is kept to this resolution: a token used again within it is not written.
inline constexpr int64_t kTokenLastUsedResolutionUs = 60'000'000;
// Sets last_used_us when the stored value is older than a minute (a short write on `db`,
// which must be a read-write connection; contention is not an error worth failing a
// request for, so a busy database is skipped).
void MarkTokenUsed(Database& db, const ApiToken& token, int64_t now_us);

}  // namespace chainmail
