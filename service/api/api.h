// Api: one REST request in, one response out — route lookup (404/405), bearer-token
// authentication (401), role check (403), slowing down sources that keep failing (429
// for what they would be refused; a usable token of an allowed role still passes),
// then the route's handler; every error a problem+json. Denials are summarised into
// auth.denied audit events per source and window by a background flush. Never lets an
// exception or internal message out: a handler that throws gets a 500 with the request
// id, and the error goes to the log. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "service/api/api_context.h"
#include "service/api/api_types.h"
#include "service/api/route.h"

namespace chainmail {

class Api {
 public:
  explicit Api(ApiContext& ctx);
  ~Api();  // records the denials still open
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  // Also counts the response in ctx.metrics() by route and status.
  ApiResponse Handle(const ApiRequest& request);
  // A problem the HTTP layer answers itself, before any route (a malformed request, a
  // body too large, a slow client...): the same headers and a fresh request id like any
  // API response, and counted in the metrics as unmatched.
  ApiResponse Refuse(const ApiError& problem, std::string_view method);
  // Records every finished window's denials now (also runs every few seconds).
  void FlushDenials(bool all);

 private:
  Checked<ApiResponse> Dispatch(const ApiRequest& request, const std::string& request_id, const Route** route);
  ApiContext& ctx_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread flusher_;
};

}  // namespace chainmail
