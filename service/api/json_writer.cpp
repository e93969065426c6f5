#include "service/api/json_writer.h"

#include "archive/format/bytes.h"
#include "archive/format/json_text.h"
#include "archive/format/rfc3339.h"

namespace chainmail {

void JsonWriter::Next() {
  if (!first_) text_ += ',';
  first_ = false;
}

void JsonWriter::Name(std::string_view name) {
  Next();
  AppendJsonQuoted(text_, name);
  text_ += ':';
}

JsonWriter& JsonWriter::Str(std::string_view name, std::string_view value) {
  Name(name);
  AppendJsonQuoted(text_, value);
  return *this;
}

JsonWriter& JsonWriter::Int(std::string_view name, int64_t value) {
  Name(name);
  text_ += std::to_string(value);
  return *this;
}

JsonWriter& JsonWriter::Bool(std::string_view name, bool value) {
  Name(name);
  text_ += value ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::Null(std::string_view name) {
  Name(name);
  text_ += "null";
  return *this;
}

JsonWriter& JsonWriter::Raw(std::string_view name, std::string_view json) {
  Name(name);
  text_ += json;
  return *this;
}

JsonWriter& JsonWriter::Time(std::string_view name, int64_t unix_us) {
  Name(name);
  text_ += '"';  // RFC 3339 text needs no escaping
  AppendRfc3339(text_, unix_us);
  text_ += '"';
  return *this;
}

JsonWriter& JsonWriter::OptTime(std::string_view name, const std::optional<int64_t>& unix_us) {
  return unix_us ? Time(name, *unix_us) : Null(name);
}

JsonWriter& JsonWriter::Hex(std::string_view name, std::string_view bytes) {
  Name(name);
  text_ += '"';
  AppendHex(text_, bytes.data(), bytes.size());
  text_ += '"';
  return *this;
}

JsonWriter& JsonWriter::Strs(std::string_view name, const std::vector<std::string>& items) {
  Name(name);
  text_ += '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) text_ += ',';
    AppendJsonQuoted(text_, items[i]);
  }
  text_ += ']';
  return *this;
}

JsonWriter& JsonWriter::Str(std::string_view value) {
  Next();
  AppendJsonQuoted(text_, value);
  return *this;
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
  Next();
  text_ += json;
  return *this;
}

}  // namespace chainmail
