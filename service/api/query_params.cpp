#include "service/api/query_params.h"

#include <charconv>

#include "archive/format/rfc3339.h"
#include "archive/format/utf8.h"
#include "service/api/problem.h"

namespace chainmail {

Checked<QueryParams> QueryParams::Parse(const ApiRequest& request, std::initializer_list<std::string_view> allowed) {
  QueryParams p;
  for (const auto& [name, value] : request.query) {
    bool known = false;
    for (std::string_view a : allowed) known = known || a == name;
    const std::string shown = IsValidUtf8(name) && name.size() <= 64 ? name : "(unreadable name)";
    if (!known) return BadParameter(shown, "unknown parameter '" + shown + "'");
    if (!p.values_.emplace(name, value).second)
      return BadParameter(shown, "parameter '" + shown + "' is given more than once");
  }
  return p;
}

Checked<std::optional<std::string>> QueryParams::Text(std::string_view name, size_t max_bytes) const {
  auto it = values_.find(std::string(name));
  if (it == values_.end()) return std::optional<std::string>();
  const std::string& v = it->second;
  const std::string n(name);
  if (v.size() > max_bytes) return BadParameter(n, n + " is longer than " + std::to_string(max_bytes) + " bytes");
  if (!IsValidUtf8(v)) return BadParameter(n, n + " is not valid UTF-8");
  for (unsigned char c : v)
    if (c < 0x20 || c == 0x7f) return BadParameter(n, n + " contains a control character");
  return std::optional<std::string>(v);
}

Checked<std::optional<int64_t>> QueryParams::Int(std::string_view name, int64_t min, int64_t max) const {
  auto it = values_.find(std::string(name));
  if (it == values_.end()) return std::optional<int64_t>();
  const std::string& v = it->second;
  const std::string n(name);
  int64_t out = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  const std::string range = " (" + std::to_string(min) + "-" + std::to_string(max) + ")";
  if (v.empty() || ec != std::errc() || end != v.data() + v.size())
    return BadParameter(n, n + " must be an integer" + range);
  if (out < min || out > max) return BadParameter(n, n + " is out of range" + range);
  return std::optional<int64_t>(out);
}

Checked<std::optional<int64_t>> QueryParams::Time(std::string_view name) const {
  auto text = Text(name, 64);
  if (!text.ok()) return text.error();
  if (!*text) return std::optional<int64_t>();
  auto us = ParseRfc3339(**text);
  if (!us) return BadParameter(std::string(name), std::string(name) + " must be an RFC 3339 time, e.g. 2026-11-27T09:30:00Z");
  return std::optional<int64_t>(*us);
}

Checked<std::optional<std::string>> QueryParams::Word(std::string_view name,
                                                      std::initializer_list<std::string_view> words) const {
  auto text = Text(name, 64);
  if (!text.ok()) return text.error();
  if (!*text) return std::optional<std::string>();
  std::string list;
  for (std::string_view w : words) {
    if (w == **text) return *text;
    list += (list.empty() ? "" : ", ") + std::string(w);
  }
  return BadParameter(std::string(name), std::string(name) + " must be one of: " + list);
}

std::optional<ApiError> NoQueryParams(const ApiRequest& request) {
  auto p = QueryParams::Parse(request, {});
  if (!p.ok()) return p.error();
  return std::nullopt;
}

}  // namespace chainmail
