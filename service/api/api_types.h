// The REST API's request and response as plain values, with no sockets: the HTTP layer
// (service/http) fills an ApiRequest from the wire and writes the ApiResponse back, so
// routing, authentication and every handler can be tested without a server.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "archive/format/status.h"

namespace chainmail {

struct ApiRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // percent-decoded, without the query
  std::vector<std::pair<std::string, std::string>> query;  // percent-decoded, in order
  std::map<std::string, std::string> headers;              // names lower-case
  std::string body;
  std::string client_address;  // IP address of the peer
  bool tls = false;

  std::string_view Header(std::string_view lower_name) const;
};

// Writes one piece of a streamed body; an error stops the stream (the peer went away).
using BodySink = std::function<Status(std::string_view)>;

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set the body is streamed piece by piece (chunked) and `body` is unused. Runs
  // after the status line and headers are sent, so it cannot change them.
  std::function<Status(const BodySink&)> stream;

  ApiResponse& Header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

// A problem (RFC 9457) before it becomes a response: the handler's way to say no.
struct ApiError {
  int status = 500;
  std::string slug;    // the type URI's last segment, e.g. "invalid-parameter"
  std::string title;   // short, the same for every instance of the type
  std::string detail;  // this occurrence, for a human
  std::string parameter;  // the offending query/body parameter, when there is one
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. Retry-After, Allow
};

// A value or the problem that prevented it.
template <typename T>
class Checked {
 public:
  Checked(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Checked(ApiError error) : error_(std::move(error)) {}  // NOLINT
  bool ok() const { return value_.has_value(); }
  const T& operator*() const { return *value_; }
  T& operator*() { return *value_; }
  const T* operator->() const { return &*value_; }
  const ApiError& error() const { return *error_; }

 private:
  std::optional<T> value_;
  std::optional<ApiError> error_;
};

}  // namespace chainmail
