// JsonWriter: builds JSON text for responses, member by member, always valid (strings
// are escaped and repaired to UTF-8 by JsonQuote). Nesting by appending raw JSON built by
// another writer. Plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chainmail {

class JsonWriter {
 public:
  // An object ({...}) or an array ([...]).
  static JsonWriter Object() { return JsonWriter('{', '}'); }
  static JsonWriter Array() { return JsonWriter('[', ']'); }

  // Object members.
  JsonWriter& Str(std::string_view name, std::string_view value);
  JsonWriter& Int(std::string_view name, int64_t value);
  JsonWriter& Bool(std::string_view name, bool value);
  JsonWriter& Null(std::string_view name);
  JsonWriter& Raw(std::string_view name, std::string_view json);  // already JSON
  JsonWriter& Time(std::string_view name, int64_t unix_us);         // RFC 3339 string
  JsonWriter& OptTime(std::string_view name, const std::optional<int64_t>& unix_us);
  JsonWriter& Hex(std::string_view name, std::string_view bytes);  // lowercase hex string
  JsonWriter& Strs(std::string_view name, const std::vector<std::string>& items);  // array of strings
  // Array elements.
  JsonWriter& Str(std::string_view value);
  JsonWriter& Raw(std::string_view json);

  // Room for `bytes` of text, where the caller knows about how much it will write.
  JsonWriter& Reserve(size_t bytes) {
    text_.reserve(bytes);
    return *this;
  }
  // Ends the writer: its text, closed, moved out (the writer is left empty).
  std::string Done() {
    text_ += close_;
    return std::move(text_);
  }

 private:
  JsonWriter(char open, char close) : text_(1, open), close_(close) {}
  void Name(std::string_view name);
  void Next();
  std::string text_;
  char close_;
  bool first_ = true;
};

}  // namespace chainmail
