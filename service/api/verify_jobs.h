// VerifyJob: one POST /api/v1/verify, run in the background by JobRunner (jobs.h): the
// real ArchiveVerifier (archive/archive_verifier.h, what `chainmail verify` runs) over
// the whole archive, with the audit layer's AuditChecker and the verifier keys the
// auditor pinned, on half the cores so ingest keeps its share. It reads in short
// transactions through its own connections, so it is safe while the daemon ingests.
//
// The report: counts per log, checkpoints checked (and whether their signatures were,
// which needs pinned keys), and every problem as (log, seq, record id, what) — the
// first kMaxReportedProblems of them, with the total. Problems name fields, never their
// content. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "archive/archive_verifier.h"
#include "archive/format/verifier_key.h"
#include "service/api/jobs.h"

namespace chainmail {

inline constexpr size_t kMaxReportedProblems = 1000;

class VerifyJob : public Job {
 public:
  VerifyJob(std::string data_dir, std::vector<VerifierKey> keys, std::string owner);

  // Set once the job is done; problems trimmed to kMaxReportedProblems.
  std::optional<VerifyReport> report() const;
  uint64_t problem_count() const;

 protected:
  Status Run() override;
  void Describe(JsonWriter& json) const override;

 private:
  const std::string data_dir_;
  const std::vector<VerifierKey> keys_;
  mutable std::mutex mu_;
  std::optional<VerifyReport> report_;  // guarded by mu_
  uint64_t problem_count_ = 0;          // guarded by mu_
  std::array<uint64_t, 3> problems_by_log_{};  // messages, audit, archive-wide; guarded by mu_
};

}  // namespace chainmail
