#include "service/api/json_body.h"

#include <set>
#include <vector>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include "archive/format/utf8.h"
#include "service/api/problem.h"

namespace chainmail {
namespace {

ApiError WrongType(std::string_view name, std::string_view want) {
  return BadParameter(std::string(name), "member '" + std::string(name) + "' must be " + std::string(want));
}

Checked<std::optional<std::string>> CheckedText(std::string_view name, const std::string& v, size_t max_bytes) {
  if (v.size() > max_bytes)
    return BadParameter(std::string(name), "member '" + std::string(name) + "' is longer than " +
                                               std::to_string(max_bytes) + " bytes");
  if (!IsValidUtf8(v)) return BadParameter(std::string(name), "member '" + std::string(name) + "' is not valid UTF-8");
  for (unsigned char c : v)
    if (c < 0x20 || c == 0x7f)
      return BadParameter(std::string(name), "member '" + std::string(name) + "' contains a control character");
  return std::optional<std::string>(v);
}

// A member name as a problem may show it.
std::string ShownName(const std::string& name) {
  return IsValidUtf8(name) && name.size() <= 64 ? name : "(unreadable name)";
}

// Poco's handler, noting the first member an object names twice. Which of the two would
// count is a parser's choice (RFC 8259 §4 leaves it open), so a proxy or an auditor's tool
// reading the same body could act on the other one: such a body is refused.
class UniqueMembers : public Poco::JSON::ParseHandler {
 public:
  void startObject() override {
    open_.emplace_back();
    ParseHandler::startObject();
  }
  void endObject() override {
    open_.pop_back();
    ParseHandler::endObject();
  }
  void key(const std::string& k) override {
    if (!open_.empty() && !open_.back().insert(k).second && !duplicate) duplicate = k;
    ParseHandler::key(k);
  }
  std::optional<std::string> duplicate;

 private:
  std::vector<std::set<std::string>> open_;  // member names of each object being read
};

}  // namespace

Checked<JsonBody> JsonBody::Parse(const ApiRequest& request, std::initializer_list<std::string_view> members,
                                  bool empty_ok) {
  const std::string_view type = request.Header("content-type");
  if (!type.empty() && type.substr(0, type.find(';')) != "application/json")
    return ApiError{415, "unsupported-media-type", "Unsupported media type",
                    "send the body as application/json", "", {}};
  JsonBody body;
  if (request.body.empty()) {
    if (!empty_ok) return ApiError{400, "invalid-json", "Invalid JSON body", "a JSON object is required", "", {}};
    body.object_ = new Poco::JSON::Object;
    return body;
  }
  if (!IsValidUtf8(request.body))
    return ApiError{400, "invalid-json", "Invalid JSON body", "the body is not valid UTF-8", "", {}};
  try {
    Poco::SharedPtr<UniqueMembers> members(new UniqueMembers);
    Poco::JSON::Parser parser(members);
    Poco::Dynamic::Var v = parser.parse(request.body);
    if (members->duplicate) {
      const std::string shown = ShownName(*members->duplicate);
      return BadParameter(shown, "member '" + shown + "' appears more than once");
    }
    if (v.type() != typeid(Poco::JSON::Object::Ptr))
      return ApiError{400, "invalid-json", "Invalid JSON body", "the body must be a JSON object", "", {}};
    body.object_ = v.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    return ApiError{400, "invalid-json", "Invalid JSON body", "the body is not valid JSON", "", {}};
  }
  for (const auto& [name, value] : *body.object_) {
    bool known = false;
    for (std::string_view m : members) known = known || m == name;
    if (!known) {
      const std::string shown = ShownName(name);
      return BadParameter(shown, "unknown member '" + shown + "'");
    }
  }
  return body;
}

Checked<std::optional<std::string>> JsonBody::Text(std::string_view name, size_t max_bytes) const {
  const std::string n(name);
  if (!object_->has(n) || object_->isNull(n)) return std::optional<std::string>();
  Poco::Dynamic::Var v = object_->get(n);
  if (!v.isString()) return WrongType(name, "a string");
  return CheckedText(name, v.extract<std::string>(), max_bytes);
}

Checked<std::optional<int64_t>> JsonBody::Int(std::string_view name, int64_t min, int64_t max) const {
  const std::string n(name);
  if (!object_->has(n) || object_->isNull(n)) return std::optional<int64_t>();
  Poco::Dynamic::Var v = object_->get(n);
  if (!v.isInteger() || v.isBoolean()) return WrongType(name, "an integer");
  int64_t out = 0;
  try {
    out = v.convert<int64_t>();
  } catch (const Poco::Exception&) {
    return WrongType(name, "an integer");
  }
  if (out < min || out > max)
    return BadParameter(n, "member '" + n + "' is out of range (" + std::to_string(min) + "-" + std::to_string(max) + ")");
  return std::optional<int64_t>(out);
}

Checked<std::optional<bool>> JsonBody::Bool(std::string_view name) const {
  const std::string n(name);
  if (!object_->has(n) || object_->isNull(n)) return std::optional<bool>();
  Poco::Dynamic::Var v = object_->get(n);
  if (!v.isBoolean()) return WrongType(name, "true or false");
  return std::optional<bool>(v.extract<bool>());
}

Checked<std::optional<std::vector<std::string>>> JsonBody::TextList(std::string_view name, size_t max_items,
                                                                    size_t max_bytes) const {
  const std::string n(name);
  if (!object_->has(n) || object_->isNull(n)) return std::optional<std::vector<std::string>>();
  Poco::JSON::Array::Ptr a = object_->getArray(n);
  if (a.isNull()) return WrongType(name, "an array of strings");
  if (a->size() > max_items)
    return BadParameter(n, "member '" + n + "' has more than " + std::to_string(max_items) + " items");
  std::vector<std::string> out;
  for (size_t i = 0; i < a->size(); ++i) {
    Poco::Dynamic::Var v = a->get(static_cast<unsigned>(i));
    if (!v.isString()) return WrongType(name, "an array of strings");
    auto t = CheckedText(name, v.extract<std::string>(), max_bytes);
    if (!t.ok()) return t.error();
    out.push_back(**t);
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

}  // namespace chainmail
