// The table of every configuration key: name, default, and what it means, including what
// a client sees when a limit is hit. The single source for parsing, `chainmaild
// --print-config`, and the documented chainmail.ini (a test checks they agree).
#pragma once

#include <string_view>
#include <vector>

namespace chainmail {

struct ConfigKey {
  std::string_view name;           // "section.key"
  std::string_view default_value;  // as written in the INI file; "" = empty
  std::string_view doc;
};

const std::vector<ConfigKey>& ConfigKeys();
const ConfigKey* FindConfigKey(std::string_view name);

}  // namespace chainmail
