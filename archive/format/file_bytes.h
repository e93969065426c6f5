// Reading a whole (small) file into memory: checkpoints a user holds, bundles handed to
// the verifier. Pure apart from the read; thread-safe.
#pragma once

#include <optional>
#include <string>

namespace chainmail {

// The file's exact bytes, or nullopt when it cannot be opened or read (a directory, an I/O
// error). Throws std::bad_alloc when it does not fit in memory: never returns a prefix.
std::optional<std::string> ReadFileBytes(const std::string& path);

}  // namespace chainmail
