#include "service/api/verify_jobs.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <thread>

#include "audit/audit_checker.h"

namespace chainmail {
namespace {

// Where a problem counts: 0 messages log, 1 audit log, 2 archive-wide.
size_t LogIndex(const std::string& log) { return log == "messages" ? 0 : log == "audit" ? 1 : 2; }

}  // namespace

VerifyJob::VerifyJob(std::string data_dir, std::vector<VerifierKey> keys, std::string owner)
    : Job("verify", std::move(owner)), data_dir_(std::move(data_dir)), keys_(std::move(keys)) {}

std::optional<VerifyReport> VerifyJob::report() const {
  std::lock_guard<std::mutex> lock(mu_);
  return report_;
}

uint64_t VerifyJob::problem_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return problem_count_;
}

Status VerifyJob::Run() {
  VerifyOptions options;
  options.threads = std::max(1u, std::thread::hardware_concurrency() / 2);
  options.audit_checker = std::make_shared<AuditChecker>();
  options.pinned_keys = keys_;
  options.progress = [this](uint64_t done, uint64_t total) { SetProgress(done, total); };
  auto report = VerifyArchive(data_dir_, options);
  if (!report.ok()) return report.status();
  const uint64_t count = report->problems.size();
  std::array<uint64_t, 3> by_log{};
  for (const VerifyProblem& p : report->problems) ++by_log[LogIndex(p.log)];
  if (report->problems.size() > kMaxReportedProblems) {
    report->problems.resize(kMaxReportedProblems);
    report->problems.shrink_to_fit();
  }
  std::lock_guard<std::mutex> lock(mu_);
  problem_count_ = count;
  problems_by_log_ = by_log;
  report_ = std::move(*report);
  return Status::Ok();
}

void VerifyJob::Describe(JsonWriter& json) const {
  JsonWriter keys = JsonWriter::Array();
  for (const VerifierKey& k : keys_) keys.Str(KeyLabel(k.name(), k.key_id()));
  json.Raw("request", JsonWriter::Object().Raw("keys", keys.Done()).Done());
  std::lock_guard<std::mutex> lock(mu_);
  if (!report_) {
    json.Null("report");
    return;
  }
  const VerifyReport& r = *report_;
  JsonWriter problems = JsonWriter::Array();
  for (const VerifyProblem& p : r.problems) {
    JsonWriter item = JsonWriter::Object();
    if (p.log.empty()) item.Null("log");
    else item.Str("log", p.log);
    if (p.seq == UINT64_MAX) item.Null("seq");
    else item.Int("seq", static_cast<int64_t>(p.seq));
    if (p.record_id.empty()) item.Null("record_id");
    else item.Str("record_id", p.record_id);
    problems.Raw(item.Str("what", p.what).Done());
  }
  json.Raw("report",
           JsonWriter::Object()
               .Bool("valid", problem_count_ == 0)
               .Raw("messages", JsonWriter::Object().Int("records", static_cast<int64_t>(r.message_leaves))
                                    .Int("raw_bytes", static_cast<int64_t>(r.raw_bytes)).Done())
               .Raw("audit", JsonWriter::Object().Int("records", static_cast<int64_t>(r.audit_leaves)).Done())
               .Raw("checkpoints", JsonWriter::Object().Int("checked", static_cast<int64_t>(r.checkpoints))
                                       .Bool("signatures_checked", r.checkpoint_signatures_checked).Done())
               .Int("problem_count", static_cast<int64_t>(problem_count_))
               .Raw("problems_by_log", JsonWriter::Object().Int("messages", static_cast<int64_t>(problems_by_log_[0]))
                                           .Int("audit", static_cast<int64_t>(problems_by_log_[1]))
                                           .Int("archive", static_cast<int64_t>(problems_by_log_[2])).Done())
               .Bool("problems_truncated", problem_count_ > r.problems.size())
               .Raw("problems", problems.Done())
               .Done());
}

}  // namespace chainmail
