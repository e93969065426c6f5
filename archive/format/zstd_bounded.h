// Bounded zstd decompression for verifiers: a frame from an untrusted bundle is expanded
// only up to the length its commitment gives, so a crafted frame cannot exhaust memory.
// Pure; thread-safe (each call owns its context).
#pragma once

#include <cstdint>
#include <string_view>

#include "archive/format/bytes.h"
#include "archive/format/status.h"

namespace chainmail {

// Decompresses exactly one complete zstd frame (several concatenated frames are fine,
// trailing garbage is not). Corruption when the data is not valid zstd, is truncated, or
// would produce more than `max_output` bytes (decompression stops there).
Result<Bytes> DecompressBounded(std::string_view compressed, uint64_t max_output);

}  // namespace chainmail
