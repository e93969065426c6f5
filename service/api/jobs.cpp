#include "service/api/jobs.h"

#include <algorithm>
#include <iostream>
#include <vector>

#include "archive/format/record_id.h"
#include "archive/format/rfc3339.h"

namespace chainmail {
namespace {

bool Finished(JobState s) { return s == JobState::kDone || s == JobState::kFailed; }

// What a caller is shown for a failed job: the caller's own mistakes and the limits as
// they are; anything internal only as a pointer to the daemon's log (where it goes).
Status JobFailure(std::string_view job_id, std::string_view kind, const Status& s) {
  switch (s.code()) {
    case Status::Code::kInvalidArgument:
    case Status::Code::kNotFound:
    case Status::Code::kLimitExceeded: return s;
    case Status::Code::kNoSpace: return Status::NoSpace("not enough disk space for the " + std::string(kind));
    case Status::Code::kUnavailable: return Status::Unavailable("the archive could not do the " + std::string(kind) +
                                                                " now (busy or stopping); try again");
    default:
      std::cerr << "chainmaild: REST " << kind << " job " << job_id << ": " << s.message() << std::endl;
      if (s.code() == Status::Code::kCorruption)
        return Status::Corruption("the " + std::string(kind) + " met stored data that fails its checks; "
                                  "run a verification (POST /api/v1/verify)");
      return Status::IoError("the " + std::string(kind) + " failed; the daemon's log has the details (job " +
                             std::string(job_id) + ")");
  }
}

}  // namespace

std::string_view JobStateName(JobState state) {
  switch (state) {
    case JobState::kQueued: return "queued";
    case JobState::kRunning: return "running";
    case JobState::kDone: return "done";
    case JobState::kFailed: return "failed";
  }
  return "failed";
}

Job::Job(std::string kind, std::string owner)
    : id_(RecordId::Generate().ToString()), kind_(std::move(kind)), owner_(std::move(owner)), created_us_(UnixNowUs()) {}

JobState Job::state() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

std::string Job::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

void Job::SetProgress(uint64_t done, uint64_t total) {
  total_.store(total);
  done_.store(done);
}

std::string Job::Json() const {
  JsonWriter w = JsonWriter::Object();
  w.Str("id", id_).Str("kind", kind_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    w.Str("state", JobStateName(state_)).Time("created", created_us_).OptTime("started", started_us_)
        .OptTime("finished", finished_us_);
    if (state_ == JobState::kFailed) w.Str("error", error_);
    else w.Null("error");
  }
  w.Raw("progress", JsonWriter::Object().Int("done", static_cast<int64_t>(done_.load()))
                        .Int("total", static_cast<int64_t>(total_.load())).Done());
  Describe(w);
  return w.Done();
}

JobRunner::JobRunner(JobLimits limits) : limits_(limits) {}

JobRunner::~JobRunner() {
  std::deque<std::shared_ptr<Job>> cancelled;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cancelled.swap(queue_);
  }
  wake_.notify_all();
  for (const auto& job : cancelled) {
    std::lock_guard<std::mutex> lock(job->mu_);
    job->state_ = JobState::kFailed;
    job->error_ = "the service stopped before the job ran";
  }
  if (worker_.joinable()) worker_.join();
  for (const auto& [id, job] : jobs_) job->Discard();
}

Status JobRunner::Submit(std::shared_ptr<Job> job, const std::function<Status()>& on_accept) {
  std::vector<std::shared_ptr<Job>> expired;
  Status result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    expired = Expire();
    size_t active = 0;
    for (const auto& [id, j] : jobs_)
      if (j->owner() == job->owner() && !Finished(j->state())) ++active;
    if (stopping_) {
      result = Status::Unavailable("the service is stopping");
    } else if (active >= limits_.max_active_per_owner) {
      result = Status::LimitExceeded("this token already has " + std::to_string(active) +
                                     " jobs queued or running; wait for one to finish");
    } else if (queue_.size() >= limits_.max_queued) {
      result = Status::Unavailable("the job queue is full (" + std::to_string(limits_.max_queued) + " jobs waiting)");
    } else if (on_accept && !(result = on_accept()).ok()) {
      // refused: nothing queued
    } else {
      if (!worker_.joinable()) worker_ = std::thread([this] { Work(); });
      jobs_.emplace(job->id(), job);
      queue_.push_back(job);
    }
  }
  for (const auto& j : expired) j->Discard();
  if (result.ok()) wake_.notify_one();
  return result;
}

std::shared_ptr<Job> JobRunner::Find(std::string_view id, std::string_view owner) {
  std::vector<std::shared_ptr<Job>> expired;
  std::shared_ptr<Job> found;
  {
    std::lock_guard<std::mutex> lock(mu_);
    expired = Expire();
    auto it = jobs_.find(std::string(id));
    if (it != jobs_.end() && it->second->owner() == owner) found = it->second;
  }
  for (const auto& j : expired) j->Discard();
  return found;
}

std::vector<std::shared_ptr<Job>> JobRunner::Expire() {
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::pair<std::chrono::steady_clock::time_point, std::string>> finished;
  uint64_t bytes = 0;  // what the finished jobs keep on disk
  for (const auto& [id, job] : jobs_) {
    {
      std::lock_guard<std::mutex> lock(job->mu_);
      if (!Finished(job->state_)) continue;
      finished.emplace_back(job->finished_at_, id);
    }
    bytes += job->DiskBytes();
  }
  std::sort(finished.begin(), finished.end());  // oldest first
  std::vector<std::shared_ptr<Job>> out;
  for (size_t i = 0; i < finished.size(); ++i) {
    const bool too_many = finished.size() - i > limits_.max_finished;
    const bool too_big = bytes > limits_.max_finished_bytes;
    if (!too_many && !too_big && now - finished[i].first < limits_.keep_finished) continue;
    auto it = jobs_.find(finished[i].second);
    bytes -= std::min(bytes, it->second->DiskBytes());
    out.push_back(it->second);
    jobs_.erase(it);
  }
  return out;
}

void JobRunner::Work() {
  for (;;) {
    std::shared_ptr<Job> job;
    std::vector<std::shared_ptr<Job>> expired;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (!wake_.wait_for(lock, limits_.sweep_every, [&] { return stopping_ || !queue_.empty(); })) {
        expired = Expire();  // idle: the sweep
      } else {
        if (queue_.empty()) return;  // stopping
        job = queue_.front();
        queue_.pop_front();
        std::lock_guard<std::mutex> job_lock(job->mu_);
        job->state_ = JobState::kRunning;
        job->started_us_ = UnixNowUs();
      }
    }
    for (const auto& j : expired) j->Discard();
    if (!job) continue;
    Status s;
    try {
      s = job->Run();
    } catch (const std::exception& e) {
      s = Status::IoError(e.what());
    }
    if (!s.ok()) s = JobFailure(job->id(), job->kind(), s);
    std::lock_guard<std::mutex> job_lock(job->mu_);
    job->state_ = s.ok() ? JobState::kDone : JobState::kFailed;
    job->error_ = s.ok() ? "" : s.message();
    job->finished_us_ = UnixNowUs();
    job->finished_at_ = std::chrono::steady_clock::now();
  }
}

}  // namespace chainmail
