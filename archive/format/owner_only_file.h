// Owner-only files: secrets on disk, such as the checkpoint signing key, that no one but
// their owner may read.
//
// Reading goes through one descriptor opened with O_NOFOLLOW, so the mode checked is the
// mode of the file read, and refuses anything but a regular file without group or other
// permission bits. The file is refused, never repaired: whoever could read it may already
// hold a copy, and only a person can decide what that means.
//
// Creating writes a temporary file opened with O_CREAT|O_EXCL and mode 0600 (so it is
// owner-only from its first byte and never chmod'ed afterwards), fsyncs it, renames it into
// place with RENAME_NOREPLACE (link() where the file system cannot), and fsyncs the
// directory. The file appears whole or not at all, and an existing file is never replaced.
//
// Thread-safe; processes racing to create one path are safe too (exactly one succeeds).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "archive/format/status.h"

namespace chainmail {

// Reads `path` into `*contents`, which the caller owns (and should wipe when it holds a
// secret). `what` names the file in messages, e.g. "signing key". NotFound when the file
// does not exist; InvalidArgument when it is not a regular file, grants group or other
// access, or exceeds `max_bytes`; IoError when the OS fails.
Status ReadOwnerOnlyFile(const std::string& path, std::string_view what, size_t max_bytes,
                         std::string* contents);

// Creates `path` holding `contents`, mode 0600, as described above. When it fails because
// `path` already exists, sets `*existed` and leaves that file untouched.
Status CreateOwnerOnlyFile(const std::string& path, std::string_view contents, bool* existed);

}  // namespace chainmail
