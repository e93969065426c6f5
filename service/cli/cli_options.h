// Options every chainmail CLI command takes: --data DIR, --config FILE, --set key=value.
// They default like the daemon's, so the CLI finds the same archive. ParseCliOptions
// removes the options it knows from `args` and leaves the command's own.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "archive/archive.h"
#include "service/config/config.h"

namespace chainmail {

Result<Config> ParseCliOptions(std::vector<std::string>& args);

// The configured archive, opened for a command that writes to it (import, token, export,
// the audit record of a read). Never creates one: the daemon's first start does that, so a
// data dir without an archive (a typo, a forgotten --data) is an error that names it.
Result<std::unique_ptr<Archive>> OpenExistingArchive(const Config& config);

}  // namespace chainmail
