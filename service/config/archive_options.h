// The archive's options as the configuration sets them; shared by chainmaild and the CLI
// so both open the same archive the same way.
#pragma once

#include "archive/archive.h"
#include "service/config/config.h"

namespace chainmail {

inline ArchiveOptions ArchiveOptionsFrom(const Config& c) {
  ArchiveOptions o;
  o.data_dir = c.data_dir;
  o.origin_name = c.origin_name;
  o.zstd_level = c.zstd_level;
  o.min_free_bytes = c.min_free_mb << 20;
  o.spool_memory_bytes = c.spool_memory_kb << 10;
  return o;
}

}  // namespace chainmail
