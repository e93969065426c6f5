// The route table (routes.cpp) and docs/openapi.yaml (as compiled in and served) say the
// same thing: the same (method, path) pairs, the same roles per operation (`x-roles`;
// public routes `security: []`), every path parameter declared, and every response the
// API layer itself gives an authenticated route (401, 403, 429) documented.
//
// The spec is read with openapi_reader_util.h (no YAML library).
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "service/api/openapi_text.h"
#include "service/api/route.h"
#include "tests/service/api/openapi_reader_util.h"

namespace chainmail::testing {
namespace {

std::set<std::string> RoleNames(const Roles& r) {
  std::set<std::string> s;
  if (r.admin) s.insert("admin");
  if (r.officer) s.insert("officer");
  if (r.auditor) s.insert("auditor");
  return s;
}

std::set<std::string> PathParams(std::string_view pattern) {
  std::set<std::string> names;
  for (size_t open = pattern.find('{'); open != std::string_view::npos; open = pattern.find('{', open + 1)) {
    const size_t close = pattern.find('}', open);
    if (close == std::string_view::npos) break;
    names.insert(std::string(pattern.substr(open + 1, close - open - 1)));
  }
  return names;
}

std::string Join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
  return "[" + out + "]";
}

// --- the reader itself, on the shapes the spec uses --------------------------------------

TEST(OpenApiReader, ReadsFlowAndBlockFormsAndSkipsScalarsAndComments) {
  const Spec spec = ReadSpec(R"(openapi: 3.1.0
info:
  description: |
    paths:
      /not/a/path:
        get: {}
components:
  parameters:
    Id: {name: ignored, in: query}
    MessageId:
      name: id
      in: path
paths:
  # a comment
  /a/{id}:
    parameters:
      - $ref: "#/components/parameters/MessageId"
    get:
      summary: "quoted: with # inside"   # trailing comment
      x-roles: [officer, auditor]
      responses:
        "200": {description: ok}
        '401': {$ref: "#/components/responses/Unauthorized"}
    delete:
      x-roles:
        - admin
      parameters:
        - name: force
          in: query
        - {name: id, in: path, required: true, schema: {type: string, pattern: "^[a-f]{2}$"}}
      responses:
        204:
          description: gone
  /open:
    get:
      security: []
      responses:
        "200": {description: x}
)");
  ASSERT_EQ(spec.operations.size(), 3u);
  const Operation& get = spec.operations.at({"GET", "/a/{id}"});
  EXPECT_EQ(*get.roles, (std::set<std::string>{"auditor", "officer"}));
  EXPECT_EQ(get.responses, (std::set<std::string>{"200", "401"}));
  ASSERT_EQ(get.parameters.size(), 1u);
  EXPECT_EQ(get.parameters[0].ref, "#/components/parameters/MessageId");
  const Operation& del = spec.operations.at({"DELETE", "/a/{id}"});
  EXPECT_EQ(*del.roles, std::set<std::string>{"admin"});
  EXPECT_EQ(del.responses, std::set<std::string>{"204"});
  ASSERT_EQ(del.parameters.size(), 3u);  // force, id, and the path-level $ref
  EXPECT_EQ(del.parameters[0].name, "force");
  EXPECT_EQ(del.parameters[1].name, "id");
  EXPECT_EQ(del.parameters[1].in, "path");
  const Operation& open = spec.operations.at({"GET", "/open"});
  EXPECT_TRUE(open.security_empty);
  EXPECT_FALSE(open.roles.has_value());
  EXPECT_EQ(spec.component_parameters.at("MessageId").name, "id");
  EXPECT_EQ(spec.component_parameters.at("MessageId").in, "path");
}

// --- the real table against the real spec -----------------------------------------------

class RouteTableTest : public ::testing::Test {
 protected:
  const Spec spec_ = ReadSpec(OpenApiYaml());
};

TEST_F(RouteTableTest, SpecAndTableListTheSameRoutes) {
  ASSERT_GT(spec_.operations.size(), 3u) << "the spec reader found almost nothing: is docs/openapi.yaml intact?";
  std::set<std::pair<std::string, std::string>> table;
  for (const Route& r : Routes()) {
    EXPECT_TRUE(table.emplace(std::string(r.method), std::string(r.pattern)).second)
        << "routes.cpp lists " << r.method << " " << r.pattern << " twice";
    EXPECT_TRUE(spec_.operations.count({std::string(r.method), std::string(r.pattern)}))
        << r.method << " " << r.pattern << " is in routes.cpp but not documented in docs/openapi.yaml";
  }
  for (const auto& [key, op] : spec_.operations)
    EXPECT_TRUE(table.count(key)) << key.first << " " << key.second << " (docs/openapi.yaml line " << op.line
                                  << ") is documented but not in routes.cpp";
}

TEST_F(RouteTableTest, RolesMatchXRolesAndPublicRoutesHaveNoSecurity) {
  for (const Route& r : Routes()) {
    auto it = spec_.operations.find({std::string(r.method), std::string(r.pattern)});
    if (it == spec_.operations.end()) continue;  // reported above
    const Operation& op = it->second;
    const std::string where = std::string(r.method) + " " + std::string(r.pattern);
    if (r.roles.Public()) {
      EXPECT_TRUE(op.security_empty) << where << " is public: document it with `security: []`";
      EXPECT_TRUE(!op.roles || op.roles->empty()) << where << " is public but has x-roles " << Join(*op.roles);
    } else {
      EXPECT_FALSE(op.security_empty) << where << " needs a token but is documented with `security: []`";
      ASSERT_TRUE(op.roles.has_value()) << where << " has no x-roles";
      EXPECT_EQ(*op.roles, RoleNames(r.roles))
          << where << ": x-roles " << Join(*op.roles) << " but routes.cpp allows " << Join(RoleNames(r.roles));
    }
  }
}

TEST_F(RouteTableTest, AuthenticatedRoutesDocument401And403And429) {
  for (const Route& r : Routes()) {
    if (r.roles.Public()) continue;
    auto it = spec_.operations.find({std::string(r.method), std::string(r.pattern)});
    if (it == spec_.operations.end()) continue;
    for (const char* code : {"401", "403", "429"})
      EXPECT_TRUE(it->second.responses.count(code))
          << r.method << " " << r.pattern << " needs a token, so it can answer " << code
          << ": document it in docs/openapi.yaml";
  }
}

TEST_F(RouteTableTest, EveryPathParameterIsDeclared) {
  for (const Route& r : Routes()) {
    auto it = spec_.operations.find({std::string(r.method), std::string(r.pattern)});
    if (it == spec_.operations.end()) continue;
    std::set<std::string> declared;
    for (const Parameter& p : it->second.parameters) {
      Parameter resolved = p;
      if (!p.ref.empty()) {
        const std::string prefix = "#/components/parameters/";
        ASSERT_EQ(p.ref.rfind(prefix, 0), 0u) << r.pattern << ": unexpected parameter $ref " << p.ref;
        auto c = spec_.component_parameters.find(p.ref.substr(prefix.size()));
        ASSERT_NE(c, spec_.component_parameters.end()) << r.pattern << ": $ref to a missing " << p.ref;
        resolved = c->second;
      }
      if (resolved.in == "path") declared.insert(resolved.name);
    }
    EXPECT_EQ(declared, PathParams(r.pattern))
        << r.method << " " << r.pattern << ": path parameters declared " << Join(declared);
  }
}

}  // namespace
}  // namespace chainmail::testing
