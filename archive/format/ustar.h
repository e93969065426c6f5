// A minimal POSIX ustar writer and strict reader: the container of evidence bundles
// (docs/bundle.md "Container"). Deterministic by construction: entries in path order,
// regular files only, mode 0644, uid/gid 0, mtime 0, no user or group names, no prefix.
//
// The reader accepts exactly what the writer produces and nothing else, so a bundle has
// one byte form: bad header checksums, other entry types, a prefix, unsorted or duplicate
// paths, absolute or ".." paths, bytes outside printable ASCII in a path, non-zero padding
// and data after the end are Corruption. Messages show a name's bytes escaped (\xHH).
//
// Whole archives in memory: fine for the bundles chainmail writes today; a streaming
// writer can replace this without changing the format. Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "archive/format/bytes.h"
#include "archive/format/status.h"

namespace chainmail {

inline constexpr size_t kUstarBlock = 512;
inline constexpr size_t kUstarMaxPath = 100;

// Files by path; std::map keeps them in the byte order the format requires.
using TarFiles = std::map<std::string, Bytes>;

// The archive of `files`. InvalidArgument for a path that is empty, longer than
// kUstarMaxPath, absolute, has an empty, "." or ".." component or a byte outside printable
// ASCII, or a file of 8 GiB or more.
Result<Bytes> WriteUstar(const TarFiles& files);

// Parses an archive written by WriteUstar (strict, see above).
Result<TarFiles> ReadUstar(std::string_view tar);

}  // namespace chainmail
