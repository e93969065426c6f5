// QueryParams: a request's query string, checked. Only the names a route declares are
// accepted (an unknown or repeated name is a 400 naming it, so a typo never silently
// widens a search); values are read as bounded text, integers in a range, RFC 3339 times
// or one of a set of words, each failure a 400 naming the parameter.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "service/api/api_types.h"

namespace chainmail {

inline constexpr size_t kMaxParameterBytes = 998;

class QueryParams {
 public:
  static Checked<QueryParams> Parse(const ApiRequest& request, std::initializer_list<std::string_view> allowed);

  bool Has(std::string_view name) const { return values_.count(std::string(name)) > 0; }
  // Valid UTF-8, no control characters, at most `max_bytes`; absent → nullopt.
  Checked<std::optional<std::string>> Text(std::string_view name, size_t max_bytes = kMaxParameterBytes) const;
  Checked<std::optional<int64_t>> Int(std::string_view name, int64_t min, int64_t max) const;
  // RFC 3339 → UTC microseconds.
  Checked<std::optional<int64_t>> Time(std::string_view name) const;
  // One of `words`.
  Checked<std::optional<std::string>> Word(std::string_view name, std::initializer_list<std::string_view> words) const;

 private:
  std::map<std::string, std::string> values_;
};

// For routes that take no query parameters: an unexpected one is a 400 naming it.
std::optional<ApiError> NoQueryParams(const ApiRequest& request);

}  // namespace chainmail
