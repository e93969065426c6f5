#include "service/api/api.h"

#include <chrono>
#include <iostream>

#include "archive/format/payload_tags.h"
#include "archive/format/record_id.h"
#include "archive/format/rfc3339.h"
#include "audit/audit_log.h"
#include "service/api/problem.h"
#include "service/api/route.h"

namespace chainmail {
namespace {

ApiError Unauthorized(std::string detail) {
  return {401, "unauthorized", "Authentication required", std::move(detail), "",
          {{"WWW-Authenticate", "Bearer realm=\"chainmail\""}}};
}

// The headers every response carries.
void AddCommonHeaders(ApiResponse& response, const std::string& request_id) {
  response.Header("X-Request-Id", request_id);
  response.Header("Cache-Control", "no-store");
  response.Header("X-Content-Type-Options", "nosniff");
}

std::string_view BearerSecret(const ApiRequest& request) {
  std::string_view h = request.Header("authorization");
  constexpr std::string_view kScheme = "Bearer ";
  if (h.size() <= kScheme.size()) return {};
  for (size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(h[i])) != std::tolower(static_cast<unsigned char>(kScheme[i])))
      return {};
  h.remove_prefix(kScheme.size());
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  while (!h.empty() && h.back() == ' ') h.remove_suffix(1);
  return h;
}

}  // namespace

std::string_view ApiRequest::Header(std::string_view lower_name) const {
  auto it = headers.find(std::string(lower_name));
  return it == headers.end() ? std::string_view() : std::string_view(it->second);
}

Api::Api(ApiContext& ctx) : ctx_(ctx) {
  flusher_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!wake_.wait_for(lock, std::chrono::seconds(5), [&] { return stopping_; })) {
      lock.unlock();
      FlushDenials(false);
      lock.lock();
    }
  });
}

Api::~Api() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  flusher_.join();
  FlushDenials(true);
}

void Api::FlushDenials(bool all) {
  // A summary the audit log cannot take now goes back to the tracker for the next flush:
  // a denial is never dropped because the archive was busy or full for a moment.
  size_t unrecorded = 0;
  Status why;
  for (DenialSummary& s : ctx_.denials().Drain(UnixNowUs(), all)) {
    AuditEvent e;
    e.type = auditevent::kAuthDenied;
    e.payload.actor = s.actors.size() == 1 ? *s.actors.begin() : "anonymous";
    e.payload.auth_method = "token";
    e.payload.source_address = s.source;
    e.payload.outcome = "denied";
    e.payload.detail = s.DetailJson();
    if (auto r = AuditLog(ctx_.archive()).Record(std::move(e)); !r.ok()) {
      ++unrecorded;
      why = r.status();
      ctx_.denials().Restore(std::move(s));
    }
  }
  if (unrecorded > 0)
    std::cerr << "chainmaild: REST: cannot record " << unrecorded << " auth.denied summaries"
              << (all ? "" : " (kept for the next attempt)") << ": " << why.message() << std::endl;
}

ApiResponse Api::Handle(const ApiRequest& request) {
  const uint64_t started_us = MonotonicUs();
  const std::string request_id = RecordId::Generate().ToString();
  const Route* route = nullptr;
  ApiResponse response;
  try {
    Checked<ApiResponse> out = Dispatch(request, request_id, &route);
    response = out.ok() ? std::move(*out) : ProblemResponse(out.error(), request_id);
  } catch (const std::exception& e) {
    std::cerr << "chainmaild: REST " << request_id << " " << request.method << " "
              << (route ? route->pattern : std::string_view(request.path)) << ": " << e.what() << std::endl;
    response = ProblemResponse(InternalProblem(), request_id);
  } catch (...) {
    response = ProblemResponse(InternalProblem(), request_id);
  }
  AddCommonHeaders(response, request_id);
  ctx_.metrics().CountRequest(route, request.method, response.status, MonotonicUs() - started_us);
  return response;
}

ApiResponse Api::Refuse(const ApiError& problem, std::string_view method) {
  const uint64_t started_us = MonotonicUs();
  const std::string request_id = RecordId::Generate().ToString();
  ApiResponse response = ProblemResponse(problem, request_id);
  AddCommonHeaders(response, request_id);
  ctx_.metrics().CountRequest(nullptr, method, response.status, MonotonicUs() - started_us);
  return response;
}

Checked<ApiResponse> Api::Dispatch(const ApiRequest& request, const std::string& request_id, const Route** route) {
  RouteMatch m = MatchRoute(request.method, request.path);
  if (!m.route) {
    if (m.allowed_methods.empty()) return NotFoundProblem("no such resource: " + request.path);
    std::string allow;
    for (std::string_view a : m.allowed_methods) allow += (allow.empty() ? "" : ", ") + std::string(a);
    return ApiError{405, "method-not-allowed", "Method not allowed",
                    request.method + " is not allowed here; use " + allow, "", {{"Allow", allow}}};
  }
  *route = m.route;
  Call call{request, std::move(m.path), std::nullopt, request_id};
  if (!m.route->roles.Public()) {
    const int64_t now = UnixNowUs();
    const std::string& source = request.client_address;
    // A source that keeps failing is slowed: until its window ends, whatever it would be
    // refused is a 429 (counted in its summary as slowed), while a request with a usable
    // token of an allowed role still passes, so whoever shares the address cannot lock
    // its users out.
    const int wait = ctx_.denials().RetryAfterSeconds(source, now);
    auto slowed = [&]() -> ApiError {
      ctx_.denials().Slowed(source, now);
      return ApiError{429, "too-many-failures", "Too many failed attempts",
                      "too many failed authentications from " + DenialTracker::SourceOf(source) + "; try again later",
                      "", {{"Retry-After", std::to_string(wait)}}};
    };
    auto deny = [&](const std::string& reason, const std::string& actor, ApiError problem) -> ApiError {
      if (wait > 0) return slowed();
      ctx_.denials().Deny(source, reason, actor, now);
      return problem;
    };
    const std::string_view secret = BearerSecret(request);
    if (secret.empty()) return deny("no token", "", Unauthorized("this route needs 'Authorization: Bearer <token>'"));
    Result<ApiToken> token = Status::Unavailable("");
    {
      auto reader = ctx_.readers().Acquire();
      if (!reader.ok()) return UnavailableProblem("the archive is busy; try again");
      token = TokenForSecret(**reader, secret);
    }
    if (!token.ok()) {
      if (token.status().code() != Status::Code::kNotFound) return ProblemFromStatus(token.status());
      return deny("invalid token", "", Unauthorized("the token is not valid"));
    }
    const std::string_view unusable = token->Unusable(now);
    if (!unusable.empty())
      return deny(std::string(unusable) + " token", token->name + " [" + token->id + "]",
                  Unauthorized("the token is " + std::string(unusable)));
    call.token = std::move(*token);
    if (!m.route->roles.Allows(call.token->role)) {
      const std::string role(RoleName(call.token->role)), what = request.method + " " + std::string(m.route->pattern);
      if (wait > 0) return slowed();
      return ctx_.Forbid(call, "role " + role + " on " + what, "role " + role + " may not " + what);
    }
    ctx_.MarkUsed(*call.token, now);
  }
  return m.route->handler(ctx_, call);
}

}  // namespace chainmail
