// Problem details (RFC 9457, application/problem+json): every error the REST API gives.
// The type is "urn:chainmail:problem:<slug>"; docs/openapi.yaml lists the slugs. Nothing
// internal (SQL, paths, stack traces) ever reaches the detail of a 5xx.
#pragma once

#include <string>

#include "service/api/api_types.h"

namespace chainmail {

ApiResponse ProblemResponse(const ApiError& e, const std::string& request_id);

// The usual problems, so handlers say the same thing the same way.
ApiError BadParameter(std::string parameter, std::string detail);
ApiError NotFoundProblem(std::string detail);
ApiError ConflictProblem(std::string detail);
ApiError UnprocessableProblem(std::string detail);
ApiError ForbiddenProblem(std::string detail);
ApiError UnavailableProblem(std::string detail, int retry_after_s = 1);
ApiError InternalProblem();  // detail says only that it was logged, with the request id
// A Status from a lower layer, mapped by its code (NotFound 404, InvalidArgument 422,
// Unavailable/NoSpace 503, anything else 500 with the message logged, not shown).
ApiError ProblemFromStatus(const Status& s);
// An audit event could not be committed, so nothing is served (503; the cause is logged
// unless it is the expected busy / disk-full kind).
ApiError Unaudited(const Status& s);

// A plain JSON response (newline-terminated body).
ApiResponse JsonResponse(int status, std::string body);

}  // namespace chainmail
