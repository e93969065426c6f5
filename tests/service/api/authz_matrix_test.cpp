// The authorization matrix, generated from the route table: every route × {no token,
// malformed, unknown, expired, revoked, admin, officer, auditor}. The first five are 401
// on every route that needs a token (never a hint of what is behind it); a role the
// route does not allow is 403; an allowed role gets anything but 401/403 (path
// parameters are syntactically valid ids of nothing, so the handler answers 404, 400...).
// Public routes answer every caller alike, never 401/403. A route added to routes.cpp is
// in the matrix without anyone touching this file.
//
// Every 401/403 is problem+json with exactly the problem members, and carries nothing of
// the archive: the pass with real ids checks that no subject, address or body of the
// archived messages, and no token secret, appears in a refusal.
#include <gtest/gtest.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <chrono>
#include <set>
#include <thread>

#include "archive/format/payload_tags.h"

#include "tests/service/api/api_test_util.h"

namespace chainmail::testing {
namespace {

constexpr const char* kMarker = "MatrixSecretSubject";
constexpr const char* kMarkerAddress = "matrix-secret@customer.test";

enum class Caller { kNone, kMalformed, kUnknown, kExpired, kRevoked, kAdmin, kOfficer, kAuditor };
constexpr Caller kCallers[] = {Caller::kNone,    Caller::kMalformed, Caller::kUnknown, Caller::kExpired,
                               Caller::kRevoked, Caller::kAdmin,     Caller::kOfficer, Caller::kAuditor};
constexpr Role kRoles[] = {Role::kAdmin, Role::kOfficer, Role::kAuditor};

const char* CallerName(Caller c) {
  switch (c) {
    case Caller::kNone: return "no token";
    case Caller::kMalformed: return "malformed token";
    case Caller::kUnknown: return "unknown token";
    case Caller::kExpired: return "expired token";
    case Caller::kRevoked: return "revoked token";
    case Caller::kAdmin: return "admin";
    case Caller::kOfficer: return "officer";
    case Caller::kAuditor: return "auditor";
  }
  return "?";
}

std::optional<Role> RoleOf(Caller c) {
  if (c == Caller::kAdmin) return Role::kAdmin;
  if (c == Caller::kOfficer) return Role::kOfficer;
  if (c == Caller::kAuditor) return Role::kAuditor;
  return std::nullopt;
}

// A value for path parameter `name` that is well-formed but names nothing (or, with
// `existing`, names something in the fixture where the parameter is a message id).
std::string ParamValue(const std::string& name, const std::string& pattern, bool existing, ApiFixture& f) {
  if (name == "log") return "messages";
  if (name == "label") return "matrix-case";
  if (existing && name == "id" && pattern.rfind("/api/v1/messages/", 0) == 0) return f.ids().front().ToString();
  return RecordId::Generate().ToString();  // a fresh UUIDv7: valid, and in no table
}

std::string FillPath(const std::string& pattern, bool existing, ApiFixture& f) {
  std::string out;
  size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] == '{') {
      const size_t close = pattern.find('}', i);
      out += ParamValue(pattern.substr(i + 1, close - i - 1), pattern, existing, f);
      i = close + 1;
    } else {
      out += pattern[i++];
    }
  }
  return out;
}

class AuthzMatrix : public ::testing::Test {
 protected:
  AuthzMatrix() : f_(0) {
    f_.AddMessage("From: Someone <" + std::string(kMarkerAddress) + ">\r\nTo: <j@archive.test>\r\nSubject: " +
                  kMarker + "\r\nMessage-ID: <matrix@customer.test>\r\n\r\n" + kMarker + " body text\r\n");
    // A token cannot be made already expired (nor its expiry changed): make them expire
    // in a moment, and wait for that.
    const auto soon = std::chrono::system_clock::now() + std::chrono::milliseconds(300);
    for (Role r : kRoles) {
      tokens_[r] = f_.Token(r);
      expired_[r] = f_.Token(r, std::chrono::duration_cast<std::chrono::microseconds>(soon.time_since_epoch()).count());
      revoked_[r] = f_.Token(r);
      f_.Revoke(revoked_[r]);
    }
    std::this_thread::sleep_until(soon + std::chrono::milliseconds(10));
  }

  // The secret `c` presents on `route` (expired and revoked tokens are of a role the
  // route allows, so that only their state can be why they are refused).
  std::string SecretFor(Caller c, const Route& route) {
    Role usable = Role::kAdmin;
    for (Role r : kRoles)
      if (route.roles.Allows(r)) usable = r;
    switch (c) {
      case Caller::kNone: return "";
      case Caller::kMalformed: return "not a token \"'%00";
      case Caller::kUnknown: return "cmt_" + std::string(43, 'Q');
      case Caller::kExpired: return expired_[usable];
      case Caller::kRevoked: return revoked_[usable];
      default: return tokens_[*RoleOf(c)];
    }
  }

  // One request from a source address of its own, so that the matrix's many refusals do
  // not trip the per-source slow-down (429) meant for floods.
  // `method` in place of the route's own (e.g. HEAD for a GET route).
  ApiResponse Call(const Route& route, const std::string& path, const std::string& secret,
                   std::string_view method = {}) {
    ApiRequest r;
    r.method = std::string(method.empty() ? route.method : method);
    r.path = path;
    r.client_address = "10.0." + std::to_string(source_ / 250) + "." + std::to_string(source_ % 250 + 1);
    ++source_;
    if (!secret.empty()) r.headers["authorization"] = "Bearer " + secret;
    if (route.method == "POST" || route.method == "PUT" || route.method == "PATCH") {
      r.headers["content-type"] = "application/json";
      r.body = "{}";
    }
    return f_.api().Handle(r);
  }

  // A refusal: problem+json, only the problem members, nothing from the archive.
  void ExpectBareProblem(const ApiResponse& resp, const std::string& where) {
    EXPECT_EQ(resp.content_type, "application/problem+json") << where;
    const std::string body = ApiFixture::Body(resp);
    Poco::JSON::Object::Ptr o;
    try {
      o = Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
    } catch (const std::exception&) {
      ADD_FAILURE() << where << ": not JSON: " << body;
      return;
    }
    static const std::set<std::string> kMembers = {"type", "title", "status", "detail", "request_id"};
    for (const auto& [name, value] : *o) EXPECT_TRUE(kMembers.count(name)) << where << ": extra member " << name;
    for (const char* m : {"type", "title", "status", "detail", "request_id"})
      EXPECT_TRUE(o->has(m)) << where << ": no " << m;
    EXPECT_EQ(o->getValue<int>("status"), resp.status) << where;
    for (const std::string& leak : {std::string(kMarker), std::string(kMarkerAddress), std::string("cmt_")})
      EXPECT_EQ(body.find(leak), std::string::npos) << where << " leaks '" << leak << "': " << body;
    bool has_id = false;
    for (const auto& [k, v] : resp.headers) has_id |= k == "X-Request-Id" && !v.empty();
    EXPECT_TRUE(has_id) << where << ": no X-Request-Id";
  }

  void RunMatrix(bool existing) {
    ASSERT_FALSE(Routes().empty());
    for (const Route& route : Routes()) {
      const std::string pattern(route.pattern);
      const std::string path = FillPath(pattern, existing, f_);
      for (Caller c : kCallers) {
        const std::string where = std::string(route.method) + " " + path + " as " + CallerName(c);
        const ApiResponse resp = Call(route, path, SecretFor(c, route));
        ++checked_;
        if (route.roles.Public()) {
          EXPECT_NE(resp.status, 401) << where;
          EXPECT_NE(resp.status, 403) << where;
          continue;
        }
        const std::optional<Role> role = RoleOf(c);
        if (!role) {
          EXPECT_EQ(resp.status, 401) << where << ": " << ApiFixture::Body(resp);
          ExpectBareProblem(resp, where);
          bool challenge = false;
          for (const auto& [k, v] : resp.headers) challenge |= k == "WWW-Authenticate" && v.rfind("Bearer", 0) == 0;
          EXPECT_TRUE(challenge) << where << ": a 401 says how to authenticate (WWW-Authenticate: Bearer)";
        } else if (!route.roles.Allows(*role)) {
          EXPECT_EQ(resp.status, 403) << where << ": " << ApiFixture::Body(resp);
          ExpectBareProblem(resp, where);
        } else {
          EXPECT_NE(resp.status, 401) << where << ": " << ApiFixture::Body(resp);
          EXPECT_NE(resp.status, 403) << where << ": " << ApiFixture::Body(resp);
          EXPECT_NE(resp.status, 500) << where << ": " << ApiFixture::Body(resp);
        }
      }
    }
  }

  ApiFixture f_;
  std::map<Role, std::string> tokens_, expired_, revoked_;
  int source_ = 0;
  int checked_ = 0;
};

TEST_F(AuthzMatrix, EveryRouteTimesEveryCallerWithIdsOfNothing) {
  RunMatrix(false);
  EXPECT_EQ(checked_, static_cast<int>(Routes().size() * std::size(kCallers)));
}

TEST_F(AuthzMatrix, EveryRouteTimesEveryCallerWithRealIdsLeaksNothing) { RunMatrix(true); }

// HEAD is GET without the body (route.h): on every GET route, with real ids, each caller
// gets from HEAD the status GET gives it — the same refusals, the same handler.
TEST_F(AuthzMatrix, HeadOnEveryGetRouteAnswersEveryCallerAsGetDoes) {
  int heads = 0;
  for (const Route& route : Routes()) {
    if (route.method != "GET") continue;
    const std::string path = FillPath(std::string(route.pattern), true, f_);
    for (Caller c : kCallers) {
      const ApiResponse get = Call(route, path, SecretFor(c, route));
      const ApiResponse head = Call(route, path, SecretFor(c, route), "HEAD");
      EXPECT_EQ(head.status, get.status) << "HEAD " << path << " as " << CallerName(c) << ": "
                                         << ApiFixture::Body(head);
      ++heads;
    }
  }
  EXPECT_GE(heads, 10 * static_cast<int>(std::size(kCallers)));
}

TEST_F(AuthzMatrix, HeadIsAllowedWhereGetIsAndNowhereElse) {
  const std::string admin = tokens_[Role::kAdmin];
  ApiResponse r = f_.Call("PATCH", "/api/v1/tokens", admin);
  ASSERT_EQ(r.status, 405);
  std::string allow;
  for (const auto& [k, v] : r.headers)
    if (k == "Allow") allow = v;
  EXPECT_EQ(allow, "GET, HEAD, POST");
  r = f_.Call("HEAD", "/api/v1/exports", tokens_[Role::kOfficer]);  // POST only
  ASSERT_EQ(r.status, 405);
  for (const auto& [k, v] : r.headers)
    if (k == "Allow") allow = v;
  EXPECT_EQ(allow, "POST");
}

TEST_F(AuthzMatrix, RefusalsAreAuditedAsAggregatedDenials) {
  RunMatrix(false);
  f_.api().FlushDenials(true);
  // One auth.denied per source and window: each matrix call had its own source, and
  // every refused one was recorded.
  int refused = 0;
  for (const Route& route : Routes()) {
    if (route.roles.Public()) continue;
    for (Caller c : kCallers)
      if (!RoleOf(c) || !route.roles.Allows(*RoleOf(c))) ++refused;
  }
  EXPECT_EQ(static_cast<int>(f_.AuditEvents(auditevent::kAuthDenied).size()), refused);
}

}  // namespace
}  // namespace chainmail::testing
