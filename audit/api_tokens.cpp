#include "audit/api_tokens.h"

#include <openssl/rand.h>

#include <chrono>

#include "archive/format/bytes.h"
#include "archive/format/json_text.h"
#include "archive/format/payload_tags.h"
#include "archive/format/rfc3339.h"
#include "archive/format/sha256.h"
#include "archive/format/utf8.h"
#include "audit/audit_log.h"

namespace chainmail {
namespace {

std::string Base64Url(std::string_view raw) {
  std::string b = Base64Encode(raw);
  for (char& c : b) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!b.empty() && b.back() == '=') b.pop_back();
  return b;
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) return "";
  return out;
}

Hash32 SecretHash(std::string_view secret) { return Sha256::Of(secret); }

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > kMaxTokenNameBytes || !IsValidUtf8(name)) return false;
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

std::string OptionalTime(const std::optional<int64_t>& us) {
  return us ? JsonQuote(FormatRfc3339(*us)) : "null";
}

ApiToken TokenFromRow(Statement& st) {
  ApiToken t;
  t.id = std::string(st.Text(0));
  t.name = std::string(st.Text(1));
  t.role = ParseRole(st.Text(2)).value_or(Role::kAuditor);
  t.created_us = st.Int(3);
  t.created_by = std::string(st.Text(4));
  if (!st.IsNull(5)) t.expires_us = st.Int(5);
  if (!st.IsNull(6)) t.revoked_us = st.Int(6);
  if (!st.IsNull(7)) t.last_used_us = st.Int(7);
  return t;
}

constexpr const char* kSelect =
    "SELECT id, name, role, created_us, created_by, expires_us, revoked_us, last_used_us FROM api_tokens ";

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin: return "admin";
    case Role::kOfficer: return "officer";
    case Role::kAuditor: return "auditor";
  }
  return "auditor";
}

std::optional<Role> ParseRole(std::string_view name) {
  if (name == "admin") return Role::kAdmin;
  if (name == "officer") return Role::kOfficer;
  if (name == "auditor") return Role::kAuditor;
  return std::nullopt;
}

std::string_view ApiToken::Unusable(int64_t now_us) const {
  if (revoked_us) return "revoked";
  if (expires_us && now_us >= *expires_us) return "expired";
  return "";
}

std::string ApiToken::Json() const {
  return "{\"id\":" + JsonQuote(id) + ",\"name\":" + JsonQuote(name) + ",\"role\":" +
         JsonQuote(RoleName(role)) + ",\"created\":" + JsonQuote(FormatRfc3339(created_us)) +
         ",\"created_by\":" + JsonQuote(created_by) + ",\"expires\":" + OptionalTime(expires_us) +
         ",\"revoked\":" + OptionalTime(revoked_us) + "}";
}

Result<IssuedToken> CreateApiToken(Archive& archive, AuditEvent by, Role role, std::string name,
                                   std::optional<int64_t> expires_us) {
  if (!ValidName(name))
    return Status::InvalidArgument("a token name is 1-100 bytes of UTF-8 without control characters");
  const std::string random = RandomBytes(32), id_bytes = RandomBytes(8);
  if (random.size() != 32 || id_bytes.size() != 8) return Status::IoError("no randomness for a token");
  IssuedToken issued;
  issued.secret = std::string(kTokenPrefix) + Base64Url(random);
  ApiToken& t = issued.token;
  t.id = ToHex(id_bytes);
  t.name = std::move(name);
  t.role = role;
  t.created_us = UnixNowUs();
  t.created_by = by.payload.actor;
  t.expires_us = expires_us;
  if (expires_us && *expires_us <= t.created_us) return Status::InvalidArgument("the expiry is in the past");

  by.type = auditevent::kTokenCreate;
  by.payload.after = t.Json();
  by.payload.detail = "{\"token\":" + JsonQuote(t.id) + ",\"role\":" + JsonQuote(RoleName(role)) + "}";
  if (by.payload.outcome.empty()) by.payload.outcome = "ok";
  const Hash32 hash = SecretHash(issued.secret);
  auto s = AuditLog(archive).RecordWith(std::move(by), [&t, hash](Database& db) {
    Statement ins = db.Prepare(
        "INSERT INTO api_tokens(id, secret_hash, name, role, created_us, created_by, expires_us) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)");
    ins.Bind(1, t.id).BindBlob(2, AsView(hash)).Bind(3, t.name).Bind(4, RoleName(t.role))
        .Bind(5, t.created_us).Bind(6, t.created_by);
    if (t.expires_us) ins.Bind(7, *t.expires_us);
    return ins.Run();
  });
  if (!s.ok()) return s.status();
  return issued;
}

Result<ApiToken> RevokeApiToken(Archive& archive, AuditEvent by, const std::string& id) {
  Result<ApiToken> before = Status::NotFound("no token " + id);
  {
    auto db = Database::Open(DatabasePath(archive.options().data_dir), Database::Mode::kReadOnly);
    if (!db.ok()) return db.status();
    before = FindApiToken(**db, id);
  }
  if (!before.ok()) return before.status();
  if (before->revoked_us) return Status::InvalidArgument("token " + id + " is already revoked");
  ApiToken after = *before;
  after.revoked_us = UnixNowUs();
  by.type = auditevent::kTokenRevoke;
  by.payload.before = before->Json();
  by.payload.after = after.Json();
  by.payload.detail = "{\"token\":" + JsonQuote(id) + "}";
  if (by.payload.outcome.empty()) by.payload.outcome = "ok";
  auto s = AuditLog(archive).RecordWith(std::move(by), [&after](Database& db) {
    Statement up = db.Prepare("UPDATE api_tokens SET revoked_us = ? WHERE id = ? AND revoked_us IS NULL");
    if (Status s = up.Bind(1, *after.revoked_us).Bind(2, after.id).Run(); !s.ok()) return s;
    if (sqlite3_changes(db.handle()) != 1)
      return Status::InvalidArgument("token " + after.id + " is already revoked");
    return Status::Ok();
  });
  if (!s.ok()) return s.status();
  return after;
}

Result<std::vector<ApiToken>> ListApiTokens(Database& db) {
  Statement st = db.Prepare(std::string(kSelect) + "ORDER BY created_us, id");
  std::vector<ApiToken> out;
  while (st.Step()) out.push_back(TokenFromRow(st));
  if (!st.status().ok()) return st.status();
  return out;
}

Result<ApiToken> FindApiToken(Database& db, const std::string& id) {
  Statement st = db.Prepare(std::string(kSelect) + "WHERE id = ?");
  st.Bind(1, id);
  if (st.Step()) return TokenFromRow(st);
  if (!st.status().ok()) return st.status();
  return Status::NotFound("no token " + id);
}

Result<ApiToken> TokenForSecret(Database& db, std::string_view secret) {
  if (secret.size() != kTokenPrefix.size() + 43 || secret.substr(0, kTokenPrefix.size()) != kTokenPrefix)
    return Status::NotFound("not a chainmail token");
  Statement st = db.Prepare(std::string(kSelect) + "WHERE secret_hash = ?");
  const Hash32 hash = SecretHash(secret);
  st.BindBlob(1, AsView(hash));
  if (st.Step()) return TokenFromRow(st);
  if (!st.status().ok()) return st.status();
  return Status::NotFound("unknown token");
}

void MarkTokenUsed(Database& db, const ApiToken& token, int64_t now_us) {
  if (token.last_used_us && now_us - *token.last_used_us < kTokenLastUsedResolutionUs) return;
  db.SetLockWait(std::chrono::milliseconds(0));
  Statement up = db.Prepare(
      "UPDATE api_tokens SET last_used_us = ? WHERE id = ? AND (last_used_us IS NULL OR last_used_us < ?)");
  up.Bind(1, now_us).Bind(2, token.id).Bind(3, now_us - kTokenLastUsedResolutionUs).Run();
  db.SetLockWait(Database::kDefaultLockWait);
}

}  // namespace chainmail
