// Reading a whole (small) file into memory: checkpoints a user holds, bundles handed to
// the verifier. Pure apart from the read; thread-safe.
#pragma once

#include <optional>
#include <string>

namespace chainmail {

// The file's exact bytes, or nullopt when it cannot be opened or read.
std::optional<std::string> ReadFileBytes(const std::string& path);

}  // namespace chainmail
