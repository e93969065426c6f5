// Background jobs of the REST API — evidence exports and archive verifications — and
// JobRunner, which runs them one at a time on one worker thread from a bounded queue.
//
// Limits (JobLimits): at most `max_queued` jobs wait (Submit → Unavailable, a 503), a
// token has at most `max_active_per_owner` jobs queued or running (LimitExceeded, a 429),
// and a finished job is kept for `keep_finished`, among the newest `max_finished`
// finished jobs, and while the newer finished jobs' files (Job::DiskBytes) leave room
// within `max_finished_bytes`; then it is forgotten and its files are removed
// (Job::Discard) — at the next Submit or Find, or by the idle worker's sweep. Jobs live
// in memory only: a restart forgets them all (the export bundles they left are removed
// at start, see export_jobs.h); what an export did stays in the audit log.
//
// A job belongs to the token that created it: Find() answers only that token, so a job
// is invisible (404) to every other caller, whatever their role.
//
// Thread-safe. The destructor fails the queued jobs and waits for the running one.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "archive/format/status.h"
#include "service/api/json_writer.h"

namespace chainmail {

enum class JobState { kQueued, kRunning, kDone, kFailed };
std::string_view JobStateName(JobState state);

class Job {
 public:
  // `kind` names the job in its JSON ("export", "verify"); `owner` is the creating token's id.
  Job(std::string kind, std::string owner);
  virtual ~Job() = default;
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;

  const std::string& id() const { return id_; }
  const std::string& kind() const { return kind_; }
  const std::string& owner() const { return owner_; }
  JobState state() const;
  // Why the job failed ("" unless kFailed).
  std::string error() const;
  // The job as JSON: id, kind, state, times, progress, error, then Describe()'s members.
  std::string Json() const;

 protected:
  // The work, on the worker thread. A non-OK status fails the job with its message.
  virtual Status Run() = 0;
  // Adds the kind's own members (its request, and its results once done). Called with
  // no lock held, from any thread: implementations guard what Run() writes.
  virtual void Describe(JsonWriter& json) const = 0;
  // Removes whatever the job left on disk; the job is being forgotten.
  virtual void Discard() {}
  // What the finished job keeps on disk until Discard() (an export's bundle).
  virtual uint64_t DiskBytes() const { return 0; }
  // For Run(): how far the work is (units are the job's own, e.g. records).
  void SetProgress(uint64_t done, uint64_t total);

 private:
  friend class JobRunner;
  const std::string id_;
  const std::string kind_;
  const std::string owner_;
  const int64_t created_us_;
  std::atomic<uint64_t> done_{0}, total_{0};
  mutable std::mutex mu_;
  JobState state_ = JobState::kQueued;  // guarded by mu_
  std::optional<int64_t> started_us_;   // guarded by mu_
  std::optional<int64_t> finished_us_;  // guarded by mu_
  std::chrono::steady_clock::time_point finished_at_;  // guarded by mu_
  std::string error_;                   // guarded by mu_
};

struct JobLimits {
  size_t max_queued = 8;
  size_t max_active_per_owner = 2;
  size_t max_finished = 32;
  std::chrono::seconds keep_finished{24 * 3600};
  uint64_t max_finished_bytes = 2ull << 30;  // 8 bundles of the REST limit (export_jobs.h)
  // How often the idle worker forgets what has outlived the limits above, so that files
  // go even when no request comes to trigger it.
  std::chrono::milliseconds sweep_every{60'000};
};

class JobRunner {
 public:
  explicit JobRunner(JobLimits limits = {});
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Queues `job` (starting the worker on first use). Unavailable when the queue is full,
  // LimitExceeded when the job's owner already has max_active_per_owner jobs unfinished.
  // `on_accept`, when given, runs once the job is admitted and before it is queued, with
  // the runner locked (keep it short: one audit commit); its failure refuses the job, so
  // e.g. an audit event is recorded exactly when its job is accepted.
  Status Submit(std::shared_ptr<Job> job, const std::function<Status()>& on_accept = nullptr);
  // The job `id` when `owner` created it and it is not forgotten; null otherwise.
  std::shared_ptr<Job> Find(std::string_view id, std::string_view owner);
  const JobLimits& limits() const { return limits_; }

 private:
  void Work();
  // Forgets finished jobs beyond the limits; returns them for Discard() outside the lock.
  std::vector<std::shared_ptr<Job>> Expire();  // call with mu_ held

  const JobLimits limits_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;             // guarded by mu_
  std::map<std::string, std::shared_ptr<Job>> jobs_;   // guarded by mu_; every known job
  bool stopping_ = false;                              // guarded by mu_
  std::thread worker_;                                 // started by the first Submit
};

}  // namespace chainmail
