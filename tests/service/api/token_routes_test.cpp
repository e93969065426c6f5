// Token routes over the in-process API: admin-only, admin tokens only (separation of
// duties), creation and revocation audited, the secret shown once and never stored.
#include <gtest/gtest.h>

#include "archive/format/payload_tags.h"
#include "service/api/denial_tracker.h"
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

// Whoever shares an address with a flood keeps working: the slowdown refuses failures,
// not a usable token of an allowed role. The 429s are in the summary as "slowed".
TEST(TokenRoutes, ASlowedSourceStillServesAValidTokenAndCountsWhatItSlowed) {
  ApiFixture f;
  const std::string admin = f.Token(Role::kAdmin), officer = f.Token(Role::kOfficer);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(f.Call("GET", "/api/v1/tokens", "cmt_nope").status, 401);
  EXPECT_EQ(f.Call("GET", "/api/v1/tokens", "cmt_nope").status, 429);
  EXPECT_EQ(f.Call("GET", "/api/v1/tokens", admin).status, 200) << "a neighbour's flood locks nobody out";
  EXPECT_EQ(f.Call("GET", "/api/v1/tokens", officer).status, 429) << "a refusal while slowed";
  EXPECT_EQ(f.Call("GET", "/api/v1/tokens").status, 429);
  auto open = f.context().denials().Drain(INT64_MAX, /*all=*/true);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].count, 10u);
  EXPECT_EQ(open[0].slowed, 3u);
  EXPECT_NE(open[0].DetailJson().find("\"slowed\":3"), std::string::npos) << open[0].DetailJson();
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

// A handler's own refusal across a role boundary (an admin minting or revoking an
// officer token, an officer exporting the audit log, an auditor exporting messages) is a
// denial like the route table's: summarised into auth.denied, counted towards the 429.
TEST(TokenRoutes, RefusalsInsideHandlersAreDenialsToo) {
  ApiFixture f(1, /*signed_checkpoints=*/true);
  const std::string admin = f.Token(Role::kAdmin), officer = f.Token(Role::kOfficer);
  const std::string auditor = f.Token(Role::kAuditor);
  ApiResponse list = f.Call("GET", "/api/v1/tokens", admin);
  const size_t at = list.body.find("\"role\":\"officer\"");
  ASSERT_NE(at, std::string::npos) << list.body;
  const std::string officer_id = list.body.substr(list.body.rfind("\"id\":\"", at) + 6, 16);

  EXPECT_EQ(f.Call("POST", "/api/v1/tokens", admin, R"({"name":"x","role":"officer"})").status, 403);
  EXPECT_EQ(f.Call("DELETE", "/api/v1/tokens/" + officer_id, admin).status, 403);
  EXPECT_EQ(f.Call("POST", "/api/v1/exports", officer, R"({"messages":"all","audit":true})").status, 403);
  EXPECT_EQ(f.Call("POST", "/api/v1/exports", auditor, R"({"audit":true,"messages":"all"})").status, 403);

  auto open = f.context().denials().Drain(INT64_MAX, /*all=*/true);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].count, 4u);
  EXPECT_EQ(open[0].reasons.size(), 4u) << open[0].DetailJson();
  EXPECT_EQ(open[0].actors.size(), 3u) << open[0].DetailJson();
}

TEST(TokenRoutes, DenialsTheAuditLogCannotTakeAreKeptNotDropped) {
  ApiFixture f;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(f.Call("GET", "/api/v1/tokens", "cmt_nope").status, 401);
  f.archive().Close();  // the writer stops: auth.denied cannot commit
  f.api().FlushDenials(true);
  auto kept = f.context().denials().Drain(INT64_MAX, /*all=*/true);
  ASSERT_EQ(kept.size(), 1u) << "the summary waits for the next flush";
  EXPECT_EQ(kept[0].count, 3u);
  EXPECT_EQ(kept[0].reasons.at("invalid token"), 3u);
}

TEST(DenialTracker, RestoredSummariesStayWithinTheSourceBound) {
  DenialTracker t(10, 60'000'000);
  const size_t n = DenialTracker::kMaxSources + 50;
  for (size_t i = 0; i < n; ++i) {
    DenialSummary s;
    s.source = "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256);
    s.window_start_us = 60'000'000;
    s.first_us = s.last_us = 60'000'001;
    s.count = 2;
    s.reasons["invalid token"] = 2;
    t.Restore(std::move(s));
  }
  auto back = t.Drain(INT64_MAX, /*all=*/true);
  EXPECT_LE(back.size(), DenialTracker::kMaxSources + 1);
  uint64_t total = 0;
  for (const DenialSummary& s : back) total += s.count;
  EXPECT_EQ(total, 2 * n) << "merged, never dropped";
}

// An IPv6 host owns its /64: walking through its addresses does not reset the count.
TEST(DenialTracker, AnIpv6SourceIsItsSlash64) {
  DenialTracker t(3, 60'000'000);
  const int64_t now = 60'000'001;
  for (const char* a : {"2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff:0:0:3"})
    t.Deny(a, "invalid token", "", now);
  EXPECT_GT(t.RetryAfterSeconds("2001:db8:1:2::99", now), 0);
  EXPECT_EQ(t.RetryAfterSeconds("2001:db8:1:3::1", now), 0) << "another /64";
  t.Deny("192.0.2.1", "invalid token", "", now);
  EXPECT_EQ(t.RetryAfterSeconds("192.0.2.1", now), 0);
  EXPECT_EQ(DenialTracker::SourceOf("2001:db8:1:2:ffff::3"), "2001:db8:1:2::/64");
  EXPECT_EQ(DenialTracker::SourceOf("192.0.2.1"), "192.0.2.1");
  auto drained = t.Drain(INT64_MAX, /*all=*/true);
  ASSERT_EQ(drained.size(), 2u);
}

}  // namespace
}  // namespace chainmail::testing
