#include "archive/wal_syncer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "archive/format/rfc3339.h"
#include "archive/histogram.h"
#include "archive/thread_name.h"

namespace chainmail {
namespace {

Status Errno(const std::string& what) { return ErrnoStatus(what, errno); }

Status SyncDirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open " + dir + " to sync it");
  Status s = fsync(fd) == 0 ? Status::Ok() : Errno("cannot sync " + dir);
  close(fd);
  return s;
}

}  // namespace

WalSyncer::WalSyncer(std::string wal_path, std::function<void()> on_idle, SyncFile sync)
    : wal_path_(std::move(wal_path)), on_idle_(std::move(on_idle)), sync_(std::move(sync)) {
  thread_ = NamedThread("cm-walsync", [this] { Run(); });
}

WalSyncer::~WalSyncer() {
  Stop();
  if (wal_fd_ >= 0) close(wal_fd_);
}

void WalSyncer::Sync(std::function<void(const Status&)> ack) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    busy_.store(true, std::memory_order_release);
    pending_.push_back(std::move(ack));
  }
  wake_.notify_one();
}

void WalSyncer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

WalSyncer::Times WalSyncer::times() const {
  std::lock_guard<std::mutex> lock(mu_);
  return times_;
}

Status WalSyncer::failure() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failure_;
}

Status WalSyncer::SyncWal() {
  struct stat by_path {};
  if (stat(wal_path_.c_str(), &by_path) != 0) return Errno("cannot find the write-ahead log " + wal_path_);
  struct stat open_one {};
  if (wal_fd_ >= 0 && (fstat(wal_fd_, &open_one) != 0 || open_one.st_ino != by_path.st_ino ||
                       open_one.st_dev != by_path.st_dev)) {
    close(wal_fd_);  // SQLite made a new file: sync that one
    wal_fd_ = -1;
  }
  if (wal_fd_ < 0) {
    wal_fd_ = open(wal_path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (wal_fd_ < 0) return Errno("cannot open the write-ahead log " + wal_path_);
    if (Status s = SyncDirectoryOf(wal_path_); !s.ok()) return s;
  }
  if (sync_) return sync_(wal_fd_);
  if (fdatasync(wal_fd_) != 0) return Errno("cannot sync the write-ahead log " + wal_path_);
  return Status::Ok();
}

void WalSyncer::Run() {
  for (;;) {
    std::deque<std::function<void(const Status&)>> acks;
    Status failed;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;  // stopping, and everything answered
      acks.swap(pending_);
      failed = failure_;
    }
    Status s = failed;
    if (s.ok()) {  // one sync for every batch handed over so far
      const uint64_t start = MonotonicUs();
      s = SyncWal();
      const uint64_t took = MonotonicUs() - start;
      std::lock_guard<std::mutex> lock(mu_);
      Observe(times_.buckets, kSyncTimeBoundsUs, took);
      times_.sync_us += took;
      ++times_.syncs;
    }
    if (!s.ok()) {  // before any answer: whoever got this failure finds it in failure()
      std::lock_guard<std::mutex> lock(mu_);
      if (failure_.ok()) failure_ = s;
    }
    for (auto& ack : acks) ack(s);
    {
      std::lock_guard<std::mutex> lock(mu_);
      busy_.store(!pending_.empty(), std::memory_order_release);
    }
    if (!busy()) on_idle_();
  }
}

}  // namespace chainmail
