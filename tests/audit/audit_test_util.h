// Helpers for the audit tests: a message archived the way the daemon archives it, with
// its policy decision (so that verify finds every message decided).
#pragma once

#include <string>
#include <vector>

#include "audit/decided_ingest.h"

namespace chainmail::testing {

RecordId IngestDecided(Archive& archive, const std::string& bytes, DecidedIngest::Decide decide = DefaultPolicy,
                       std::vector<std::string> rcpt = {"<j@archive.test>"});

}  // namespace chainmail::testing
