#include "service/cli/cli_options.h"

namespace chainmail {

Result<Config> ParseCliOptions(std::vector<std::string>& args) {
  std::string file;
  std::vector<std::string> overrides, rest;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    bool has_value = i + 1 < args.size();
    if (a == "--config" && has_value) file = args[++i];
    else if (a == "--set" && has_value) overrides.push_back(args[++i]);
    else if (a == "--data" && has_value) overrides.push_back("data.dir=" + args[++i]);
    else rest.push_back(a);
  }
  args = std::move(rest);
  return Config::Load(file, overrides);
}

}  // namespace chainmail
