#include "service/api/problem.h"

#include <iostream>

#include "archive/format/json_text.h"

namespace chainmail {

ApiResponse ProblemResponse(const ApiError& e, const std::string& request_id) {
  ApiResponse r;
  r.status = e.status;
  r.content_type = "application/problem+json";
  r.body = "{\"type\":" + JsonQuote("urn:chainmail:problem:" + e.slug) + ",\"title\":" + JsonQuote(e.title) +
           ",\"status\":" + std::to_string(e.status) + ",\"detail\":" + JsonQuote(e.detail);
  if (!e.parameter.empty()) r.body += ",\"parameter\":" + JsonQuote(e.parameter);
  r.body += ",\"request_id\":" + JsonQuote(request_id) + "}\n";
  r.headers = e.headers;
  return r;
}

ApiError BadParameter(std::string parameter, std::string detail) {
  return {400, "invalid-parameter", "Invalid parameter", std::move(detail), std::move(parameter), {}};
}

ApiError NotFoundProblem(std::string detail) { return {404, "not-found", "Not found", std::move(detail), "", {}}; }

ApiError ConflictProblem(std::string detail) { return {409, "conflict", "Conflict", std::move(detail), "", {}}; }

ApiError UnprocessableProblem(std::string detail) {
  return {422, "unprocessable", "Request cannot be carried out", std::move(detail), "", {}};
}

ApiError ForbiddenProblem(std::string detail) {
  return {403, "forbidden", "Forbidden", std::move(detail), "", {}};
}

ApiError UnavailableProblem(std::string detail, int retry_after_s) {
  return {503, "unavailable", "Service unavailable", std::move(detail), "",
          {{"Retry-After", std::to_string(retry_after_s)}}};
}

ApiError InternalProblem() {
  return {500, "internal", "Internal error", "the error was logged with this request id", "", {}};
}

ApiError ProblemFromStatus(const Status& s) {
  switch (s.code()) {
    case Status::Code::kNotFound: return NotFoundProblem(s.message());
    case Status::Code::kInvalidArgument: return UnprocessableProblem(s.message());
    case Status::Code::kUnavailable:
    case Status::Code::kNoSpace: return UnavailableProblem("the archive cannot serve this now; try again");
    default:
      std::cerr << "chainmaild: REST: " << s.message() << std::endl;
      return InternalProblem();
  }
}

ApiError Unaudited(const Status& s) {
  if (s.code() != Status::Code::kUnavailable && s.code() != Status::Code::kNoSpace) ProblemFromStatus(s);  // logs it
  return UnavailableProblem("this request cannot be recorded in the audit log now, so nothing is served; try again");
}

ApiResponse JsonResponse(int status, std::string body) {
  ApiResponse r;
  r.status = status;
  r.body = std::move(body);
  r.body += '\n';
  return r;
}

}  // namespace chainmail
