// ArchiveVerifier: checks a whole archive against its own commitments. For every leaf of
// the messages log: version, log id, consecutive seq, chain link, non-decreasing time,
// stored leaf hash, the salted payload commitment, a strict payload parse, the blob
// (decompressed, bounded) against the payload's raw hash and length, the recomputable
// flags, and the metadata index row re-derived from payload and raw bytes. Then orphan
// rows (index, payload, address rows without a leaf) and blob reference counts.
//
// Works in short read transactions over seq blocks, in parallel (one read-only
// connection per worker), so it is safe while the daemon ingests. Not itself thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "archive/format/status.h"

namespace chainmail {

struct VerifyProblem {
  uint64_t seq = 0;          // UINT64_MAX for problems not tied to one leaf
  std::string record_id;     // canonical id when known
  std::string what;
};

struct VerifyReport {
  uint64_t leaves = 0;
  uint64_t raw_bytes = 0;
  std::vector<VerifyProblem> problems;  // ordered by seq
  bool ok() const { return problems.empty(); }
};

struct VerifyOptions {
  unsigned threads = 0;  // 0: one per core
  // Called now and then with (leaves done, total) for progress display. May be empty.
  std::function<void(uint64_t, uint64_t)> progress;
};

Result<VerifyReport> VerifyArchive(const std::string& data_dir, const VerifyOptions& options);

}  // namespace chainmail
