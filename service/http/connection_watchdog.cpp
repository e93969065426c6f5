#include "service/http/connection_watchdog.h"

#include <sys/socket.h>

namespace chainmail {
namespace {

constexpr std::chrono::milliseconds kTick{200};

}  // namespace

ConnectionWatchdog::ConnectionWatchdog() : thread_([this] { Run(); }) {}

ConnectionWatchdog::~ConnectionWatchdog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void ConnectionWatchdog::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!quit_) {
    wake_.wait_for(lock, kTick);
    const Clock::time_point now = Clock::now();
    for (auto& [id, e] : entries_)
      if (e.phase == Phase::kReading && !e.expired && now >= e.deadline) {
        e.expired = true;
        ShutdownLocked(e, SHUT_RD);  // the write side stays open for the 408
      }
  }
}

void ConnectionWatchdog::ShutdownLocked(Entry& e, int how) {
  if (e.fd >= 0) ::shutdown(e.fd, how);
}

uint64_t ConnectionWatchdog::Register(int fd, Clock::time_point deadline) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return 0;
  const uint64_t id = next_id_++;
  entries_[id] = Entry{fd, Phase::kReading, deadline, false};
  return id;
}

void ConnectionWatchdog::Unregister(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(id);
  if (entries_.empty()) empty_.notify_all();
}

bool ConnectionWatchdog::Reading(uint64_t id, Clock::time_point deadline) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  if (stopping_ || it == entries_.end()) return false;
  it->second.phase = Phase::kReading;
  it->second.deadline = deadline;
  return true;
}

void ConnectionWatchdog::Busy(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = entries_.find(id); it != entries_.end()) it->second.phase = Phase::kBusy;
}

bool ConnectionWatchdog::Idle(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  if (stopping_ || it == entries_.end()) return false;
  it->second.phase = Phase::kIdle;
  return true;
}

bool ConnectionWatchdog::Expired(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  return it != entries_.end() && it->second.expired;
}

void ConnectionWatchdog::BeginStop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = true;
  for (auto& [id, e] : entries_)
    if (e.phase != Phase::kBusy) ShutdownLocked(e, SHUT_RDWR);
}

bool ConnectionWatchdog::WaitUntilEmpty(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return empty_.wait_until(lock, deadline, [this] { return entries_.empty(); });
}

void ConnectionWatchdog::ShutdownAll() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [id, e] : entries_) ShutdownLocked(e, SHUT_RDWR);
}

}  // namespace chainmail
