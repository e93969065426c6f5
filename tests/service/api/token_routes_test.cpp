// Token routes over the in-process API: admin-only, admin tokens only (separation of
// duties), creation and revocation audited, the secret shown once and never stored.
#include <gtest/gtest.h>

#include "archive/format/payload_tags.h"
#include "tests/service/api/api_test_util.h"

namespace chainmail::testing {
namespace {

TEST(TokenRoutes, AdminCreatesAndRevokesAdminTokensOnly) {
  ApiFixture f;
  const std::string admin = f.Token(Role::kAdmin);
  ApiResponse created = f.Call("POST", "/api/v1/tokens", admin, R"({"name":"second admin","expires_days":30})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_NE(created.body.find("\"secret\":\"cmt_"), std::string::npos);
  EXPECT_EQ(f.Call("POST", "/api/v1/tokens", admin, R"({"name":"x","role":"officer"})").status, 403);
  EXPECT_EQ(f.Call("POST", "/api/v1/tokens", admin, R"({"name":"x","role":"auditor"})").status, 403);

  const std::string officer = f.Token(Role::kOfficer);
  ApiResponse list = f.Call("GET", "/api/v1/tokens", admin);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.find("cmt_"), std::string::npos) << "a list never shows a secret";

  // The officer token's id, from the list; revoking it over REST is refused.
  const size_t at = list.body.find("\"role\":\"officer\"");
  ASSERT_NE(at, std::string::npos);
  const size_t id_at = list.body.rfind("\"id\":\"", at);
  const std::string officer_id = list.body.substr(id_at + 6, 16);
  EXPECT_EQ(f.Call("DELETE", "/api/v1/tokens/" + officer_id, admin).status, 403);

  const size_t new_id_at = created.body.find("\"id\":\"");
  const std::string new_id = created.body.substr(new_id_at + 6, 16);
  EXPECT_EQ(f.Call("DELETE", "/api/v1/tokens/" + new_id, admin).status, 200);
  EXPECT_EQ(f.Call("DELETE", "/api/v1/tokens/" + new_id, admin).status, 409);
  EXPECT_EQ(f.Call("DELETE", "/api/v1/tokens/0000000000000000", admin).status, 404);

  EXPECT_EQ(f.AuditEvents(auditevent::kTokenCreate).size(), 3u);  // admin, second admin, officer
  EXPECT_EQ(f.AuditEvents(auditevent::kTokenRevoke).size(), 1u);
}

TEST(TokenRoutes, BadBodiesAreNamed400s) {
  ApiFixture f;
  const std::string admin = f.Token(Role::kAdmin);
  for (const char* body : {"{", "[]", "\"x\"", R"({"name":5})", R"({"name":"a","extra":1})",
                           R"({"name":"a","expires_days":0})", R"({"name":"a","expires_days":"7"})",
                           R"({"name":"a\u0000b"})", R"({})"}) {
    ApiResponse r = f.Call("POST", "/api/v1/tokens", admin, body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_EQ(r.content_type, "application/problem+json");
  }
}

TEST(TokenRoutes, ExpiredRevokedAndUnknownTokensAre401) {
  ApiFixture f;
  const std::string admin = f.Token(Role::kAdmin);
  const std::string revoked = f.Token(Role::kAdmin);
  f.Revoke(revoked);
  EXPECT_EQ(f.Call("GET", "/api/v1/tokens", revoked).status, 401);
  EXPECT_EQ(f.Call("GET", "/api/v1/tokens", "cmt_" + std::string(43, 'A')).status, 401);
  EXPECT_EQ(f.Call("GET", "/api/v1/tokens").status, 401);
  EXPECT_EQ(f.Call("GET", "/api/v1/tokens", admin).status, 200);
  EXPECT_EQ(f.Call("GET", "/api/v1/tokens", f.Token(Role::kOfficer)).status, 403);
}

TEST(TokenRoutes, RepeatedFailuresAreSlowedAndAuditedAsOneEvent) {
  ApiFixture f;
  for (int i = 0; i < 10; ++i) EXPECT_EQ(f.Call("GET", "/api/v1/tokens", "cmt_nope").status, 401);
  ApiResponse slowed = f.Call("GET", "/api/v1/tokens", "cmt_nope");
  EXPECT_EQ(slowed.status, 429);
  f.api().FlushDenials(true);
  auto denied = f.AuditEvents(auditevent::kAuthDenied);
  ASSERT_EQ(denied.size(), 1u);
  EXPECT_EQ(std::get<2>(denied[0]), "denied");
}

}  // namespace
}  // namespace chainmail::testing
