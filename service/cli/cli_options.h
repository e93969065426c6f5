// Options every chainmail CLI command takes: --data DIR, --config FILE, --set key=value.
// They default like the daemon's, so the CLI finds the same archive. ParseCliOptions
// removes the options it knows from `args` and leaves the command's own.
#pragma once

#include <string>
#include <vector>

#include "service/config/config.h"

namespace chainmail {

Result<Config> ParseCliOptions(std::vector<std::string>& args);

}  // namespace chainmail
