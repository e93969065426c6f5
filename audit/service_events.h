// The daemon's lifecycle in the audit trail, so a gap in operation is visible:
// `service.start` (with the effective configuration's SHA-256, and whether the previous
// run ended without a `service.stop`), `config.change` (exact before/after configuration
// text) when it differs from the last start's, and `service.stop`. Thread-safe.
#pragma once

#include <string>

#include "archive/archive.h"

namespace chainmail {

// `effective_config` is the canonical "key = value\n" text of every key, sorted.
Status RecordServiceStart(Archive& archive, const std::string& effective_config, const std::string& version);
Status RecordServiceStop(Archive& archive, const std::string& reason);

}  // namespace chainmail
