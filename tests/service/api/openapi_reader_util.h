// A minimal reader of docs/openapi.yaml for tests (no YAML library): the spec's block
// structure is regular, so it is flattened into (key path, value) entries — indentation
// opens and closes keys, "- " items are numbered, block scalars (| and >) are skipped,
// comments dropped — and flow values ({...}, [...]) are split where needed. What it
// yields: each operation's roles (x-roles), `security: []`, response codes and
// parameters, and the component parameters its $refs may name. Pure functions.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chainmail::testing {

struct Parameter {
  std::string name, in;
  std::string ref;  // "#/components/parameters/X" when the entry is a $ref (then no name/in)
};

struct Operation {
  int line = 0;
  bool security_empty = false;
  std::optional<std::set<std::string>> roles;
  std::set<std::string> responses;
  std::vector<Parameter> parameters;  // the operation's and its path's
};

struct Spec {
  std::map<std::pair<std::string, std::string>, Operation> operations;  // (METHOD, path)
  std::map<std::string, Parameter> component_parameters;                 // by component name
};

Spec ReadSpec(std::string_view yaml);

}  // namespace chainmail::testing
