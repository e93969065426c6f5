// JsonBody: a request body that must be one JSON object with known members. Malformed
// JSON, a body that is not an object, an unknown member, a member named twice (which one
// would count is a parser's choice) or one of the wrong type is a
// 400 naming the member; a Content-Type other than application/json is a 415.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <Poco/JSON/Object.h>

#include "service/api/api_types.h"

namespace chainmail {

class JsonBody {
 public:
  // An empty body counts as {} when `empty_ok`.
  static Checked<JsonBody> Parse(const ApiRequest& request, std::initializer_list<std::string_view> members,
                                 bool empty_ok = false);

  Checked<std::optional<std::string>> Text(std::string_view name, size_t max_bytes) const;
  Checked<std::optional<int64_t>> Int(std::string_view name, int64_t min, int64_t max) const;
  Checked<std::optional<bool>> Bool(std::string_view name) const;
  // An array of strings, each at most `max_bytes`, at most `max_items`.
  Checked<std::optional<std::vector<std::string>>> TextList(std::string_view name, size_t max_items,
                                                             size_t max_bytes) const;

 private:
  Poco::JSON::Object::Ptr object_;
};

}  // namespace chainmail
