#include "service/api/route.h"

namespace chainmail {
namespace {

// Splits "/a/b/c" into {"a","b","c"}; an empty segment (double or trailing slash) is kept
// so that such a path matches nothing.
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path[0] != '/') return out;
  path.remove_prefix(1);
  for (;;) {
    const size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool Matches(std::string_view pattern, const std::vector<std::string_view>& segs,
             std::map<std::string, std::string>* params) {
  const auto pat = Segments(pattern);
  if (pat.size() != segs.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < pat.size(); ++i) {
    if (pat[i].size() > 2 && pat[i].front() == '{' && pat[i].back() == '}') {
      if (segs[i].empty()) return false;
      found.emplace(pat[i].substr(1, pat[i].size() - 2), segs[i]);
    } else if (pat[i] != segs[i]) {
      return false;
    }
  }
  *params = std::move(found);
  return true;
}

}  // namespace

std::string Call::Actor() const {
  return token ? token->name + " [" + token->id + "]" : std::string("anonymous");
}

AuditEvent Call::Event(uint16_t type, std::string detail_json) const {
  AuditEvent e;
  e.type = type;
  e.payload.actor = Actor();
  e.payload.auth_method = token ? "token" : "none";
  e.payload.source_address = request.client_address;
  e.payload.request_id = request_id;
  e.payload.outcome = "ok";
  e.payload.detail = std::move(detail_json);
  return e;
}

RouteMatch MatchRoute(std::string_view method, std::string_view path) {
  RouteMatch m;
  const auto segs = Segments(path);
  const std::string_view wanted = method == "HEAD" ? std::string_view("GET") : method;
  for (const Route& r : Routes()) {
    std::map<std::string, std::string> params;
    if (!Matches(r.pattern, segs, &params)) continue;
    if (r.method == wanted) {
      m.route = &r;
      m.path = std::move(params);
      return m;
    }
    m.allowed_methods.push_back(r.method);
    if (r.method == "GET") m.allowed_methods.push_back("HEAD");
  }
  return m;
}

}  // namespace chainmail
