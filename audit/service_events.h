// The daemon's lifecycle in the audit trail, so a gap in operation is visible:
// `service.start` (with the effective configuration's SHA-256, and whether the previous
// run ended without a `service.stop`), `config.change` (exact before/after configuration
// text) when it differs from the last start's, and `service.stop`. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "archive/archive.h"

namespace chainmail {

// `effective_config` is the canonical "key = value\n" text of every key, sorted.
// `benchmark_only_flags` (e.g. "--without-checkpoints"), when any, are listed in the
// event's detail, so that an archive run with them shows it in its audit trail.
Status RecordServiceStart(Archive& archive, const std::string& effective_config, const std::string& version,
                          const std::vector<std::string>& benchmark_only_flags = {});
Status RecordServiceStop(Archive& archive, const std::string& reason);

}  // namespace chainmail
