#include "tests/service/api/openapi_reader_util.h"

#include <algorithm>
#include <cctype>

namespace chainmail::testing {
namespace {

struct Entry {
  std::vector<std::string> path;  // keys from the document root; "-0", "-1"... for items
  std::string value;              // scalar or flow text, "" when the key opens a block
  int line = 0;
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string Unquote(std::string_view s) {
  s = Trim(s);
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front())
    s = s.substr(1, s.size() - 2);
  return std::string(s);
}

// Whether s[i] opens a quoted scalar (a quote where a value can start, not an apostrophe
// inside a word).
bool OpensQuote(std::string_view s, size_t i) {
  if (s[i] != '"' && s[i] != '\'') return false;
  if (i == 0) return true;
  const char before = s[i - 1];
  return before == ' ' || before == '[' || before == '{' || before == ',' || before == ':';
}

// The line without its comment ('#' at the start or after a blank, outside quotes).
std::string_view StripComment(std::string_view line) {
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (OpensQuote(line, i)) {
      quote = c;
    } else if (c == '#' && (i == 0 || line[i - 1] == ' ')) {
      return line.substr(0, i);
    }
  }
  return line;
}

// Position of the ':' that ends a mapping key ("key:" or "key: value"), outside quotes
// and brackets; npos when the text is not a key.
size_t KeyColon(std::string_view s) {
  char quote = 0;
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if ((c == '"' || c == '\'') && i == 0) {
      quote = c;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == ':' && depth == 0 && (i + 1 == s.size() || s[i + 1] == ' ')) {
      return i;
    }
  }
  return std::string_view::npos;
}

bool IsBlockScalar(std::string_view v) {
  return !v.empty() && (v[0] == '|' || v[0] == '>') && v.find(' ') == std::string_view::npos;
}

std::vector<Entry> Flatten(std::string_view text) {
  struct Open {
    int indent;
    std::string key;
    int items = 0;  // "- " items seen directly under this key
  };
  std::vector<Entry> out;
  std::vector<Open> stack;
  int skip_deeper_than = -1;  // inside a block scalar: lines indented more than this
  int line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    const size_t first = line.find_first_not_of(' ');
    if (first == std::string_view::npos) continue;
    const int indent = static_cast<int>(first);
    if (skip_deeper_than >= 0 && indent > skip_deeper_than) continue;
    skip_deeper_than = -1;
    std::string_view content = Trim(StripComment(line.substr(first)));
    if (content.empty()) continue;
    const bool item_line = content.substr(0, 2) == "- " || content == "-";
    // An item closes what is deeper and the previous item at its own indent (items may
    // line up with their key); any other line closes everything at its indent or deeper.
    while (!stack.empty() && (stack.back().indent > indent ||
                              (stack.back().indent == indent && (!item_line || stack.back().key[0] == '-'))))
      stack.pop_back();
    int key_indent = indent;
    if (item_line) {  // a sequence item
      std::string item = "-0";
      if (!stack.empty()) item = "-" + std::to_string(stack.back().items++);
      content = Trim(content.substr(1));
      std::vector<std::string> path;
      for (const Open& o : stack) path.push_back(o.key);
      path.push_back(item);
      const size_t colon = content.empty() || content.front() == '{' ? std::string_view::npos : KeyColon(content);
      stack.push_back({indent, item});
      if (colon == std::string_view::npos) {
        out.push_back({path, std::string(content), line_no});
        continue;
      }
      key_indent = indent + 2;  // "- key: value": a map whose keys line up after "- "
    }
    const size_t colon = KeyColon(content);
    if (colon == std::string_view::npos) continue;  // a continuation of a flow value
    std::vector<std::string> path;
    for (const Open& o : stack) path.push_back(o.key);
    const std::string key = Unquote(content.substr(0, colon));
    path.push_back(key);
    const std::string_view value = Trim(content.substr(colon + 1));
    out.push_back({path, IsBlockScalar(value) ? "" : std::string(value), line_no});
    if (IsBlockScalar(value)) skip_deeper_than = key_indent;
    else if (value.empty()) stack.push_back({key_indent, key});
  }
  return out;
}

// "{a: 1, b: {c: 2}}" -> {a: "1", b: "{c: 2}"}; "[x, y]" -> items via SplitFlow.
std::vector<std::string> SplitFlow(std::string_view flow) {
  flow = Trim(flow);
  std::vector<std::string> parts;
  if (flow.size() < 2) return parts;
  flow = flow.substr(1, flow.size() - 2);
  int depth = 0;
  char quote = 0;
  size_t start = 0;
  for (size_t i = 0; i <= flow.size(); ++i) {
    const char c = i < flow.size() ? flow[i] : ',';
    if (quote) {
      if (c == quote) quote = 0;
    } else if (i < flow.size() && OpensQuote(flow, i)) {
      quote = c;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == ',' && depth == 0) {
      if (std::string_view piece = Trim(flow.substr(start, i - start)); !piece.empty())
        parts.emplace_back(piece);
      start = i + 1;
    }
  }
  return parts;
}

std::map<std::string, std::string> FlowMap(std::string_view flow) {
  std::map<std::string, std::string> m;
  for (const std::string& part : SplitFlow(flow)) {
    const size_t colon = KeyColon(part);
    if (colon != std::string::npos) m[Unquote(std::string_view(part).substr(0, colon))] = Unquote(part.substr(colon + 1));
  }
  return m;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Parameters from entries under `base` (a "parameters" key): flow items, block items,
// and $refs.
void CollectParameters(const std::vector<Entry>& entries, const std::vector<std::string>& base,
                       std::vector<Parameter>* out) {
  std::map<std::string, Parameter> items;
  for (const Entry& e : entries) {
    if (e.path.size() <= base.size() || !std::equal(base.begin(), base.end(), e.path.begin())) continue;
    const std::string& item = e.path[base.size()];
    if (e.path.size() == base.size() + 1) {
      auto m = FlowMap(e.value);
      items[item] = {m["name"], m["in"], m["$ref"]};
    } else if (e.path.size() == base.size() + 2) {
      const std::string& key = e.path.back();
      if (key == "name") items[item].name = Unquote(e.value);
      if (key == "in") items[item].in = Unquote(e.value);
      if (key == "$ref") items[item].ref = Unquote(e.value);
    }
  }
  for (auto& [k, p] : items) out->push_back(p);
}

}  // namespace

Spec ReadSpec(std::string_view yaml) {
  static const std::set<std::string> kMethods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"};
  const std::vector<Entry> entries = Flatten(yaml);
  Spec spec;
  std::map<std::string, std::vector<Parameter>> path_parameters;
  for (const Entry& e : entries) {
    const auto& p = e.path;
    if (p.size() >= 3 && p[0] == "components" && p[1] == "parameters") {
      Parameter& c = spec.component_parameters[p[2]];
      if (p.size() == 3 && !e.value.empty()) {
        auto m = FlowMap(e.value);
        c.name = m["name"];
        c.in = m["in"];
      }
      if (p.size() == 4 && p[3] == "name") c.name = Unquote(e.value);
      if (p.size() == 4 && p[3] == "in") c.in = Unquote(e.value);
    }
    if (p.size() < 3 || p[0] != "paths") continue;
    if (p[2] == "parameters" && p.size() == 3) CollectParameters(entries, p, &path_parameters[p[1]]);
    if (!kMethods.count(p[2])) continue;
    Operation& op = spec.operations[{Upper(p[2]), p[1]}];
    if (p.size() == 3) {
      op.line = e.line;
      continue;
    }
    const std::string& field = p[3];
    if (field == "security" && p.size() == 4) op.security_empty = Trim(e.value) == "[]";
    if (field == "x-roles") {
      if (!op.roles) op.roles.emplace();
      if (p.size() == 4)
        for (const std::string& r : SplitFlow(e.value)) op.roles->insert(Unquote(r));
      if (p.size() == 5) op.roles->insert(Unquote(e.value));
    }
    if (field == "responses" && p.size() == 5) op.responses.insert(p[4]);
    if (field == "parameters" && p.size() == 4) CollectParameters(entries, p, &op.parameters);
  }
  for (auto& [key, op] : spec.operations)
    for (const Parameter& p : path_parameters[key.second]) op.parameters.push_back(p);
  return spec;
}

}  // namespace chainmail::testing
