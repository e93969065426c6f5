// The chainmail CLI's commands. Each takes the loaded configuration and its remaining
// arguments, prints to stdout/stderr and returns the process exit code (0 ok, 1 a failed
// check or operation, 2 usage). All are safe while the daemon runs.
#pragma once

#include <string>
#include <vector>

#include "service/config/config.h"

namespace chainmail {

int VerifyCommand(const Config& config, const std::vector<std::string>& args);
int ShowCommand(const Config& config, const std::vector<std::string>& args);
int ImportCommand(const Config& config, const std::vector<std::string>& args);
int KeyCommand(const Config& config, const std::vector<std::string>& args);
int ExportCommand(const Config& config, const std::vector<std::string>& args);
int TokenCommand(const Config& config, const std::vector<std::string>& args);

}  // namespace chainmail
