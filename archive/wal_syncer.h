// WalSyncer: makes the single writer's group commits durable on a thread of its own, so
// that the writer gathers and writes the next batch while the disk syncs the last one.
//
// The writer commits with synchronous=NORMAL: COMMIT writes the batch's frames to the WAL
// file and publishes them, without an fsync. It then hands the batch's acknowledgement to
// Sync(). The syncer runs one fdatasync of the WAL file for every batch handed over since
// its last one, and only then runs their acknowledgements, in order — so "acknowledged"
// still means "synced": a commit is answered after an fdatasync that began after its WAL
// write returned. A commit that others could read before it was synced is never
// answered before it is; and every later answer's own sync covers it, since the WAL is
// one file written in order.
//
// The first failed fdatasync is final (after a failed fsync Linux may report later ones as
// successful although pages were dropped): its batches and every later one are answered
// with that error, and failure() reports it, so the archive stops acknowledging.
//
// The WAL file is opened by path once (and again if SQLite ever replaces it); when it is
// first opened its directory is synced too, so a new WAL file's name is durable.
// Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "archive/format/status.h"

namespace chainmail {

// Makes what was written to an open file durable: fdatasync by default. Tests put a gate
// or a failure in its place; it runs on the syncer thread.
using SyncFile = std::function<Status(int fd)>;

// Histogram bounds of the syncs' durations (inclusive upper bounds, microseconds; a last
// bucket takes the rest): finer than a commit's, since an idle disk syncs in 0.1-0.3 ms.
inline constexpr std::array<uint64_t, 14> kSyncTimeBoundsUs = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000, 2500000, 10000000};

class WalSyncer {
 public:
  // `wal_path`: the database's "-wal" file. `on_idle` runs on the syncer thread each time
  // it has answered everything handed to it (the writer waits for that to commit again).
  // `sync`: null for fdatasync.
  WalSyncer(std::string wal_path, std::function<void()> on_idle, SyncFile sync = nullptr);
  ~WalSyncer();  // Stop()

  // Runs `ack` on the syncer thread once an fdatasync begun after this call has ended,
  // with its outcome (or the first failure's).
  void Sync(std::function<void(const Status&)> ack);
  // Whether an acknowledgement handed to Sync() has not run yet.
  bool busy() const { return busy_.load(std::memory_order_acquire); }
  // Answers what was handed over, then ends the thread. Idempotent.
  void Stop();
  // The first failed sync; OK while there was none.
  Status failure() const;
  // The syncs so far, their summed time and how many took how long (kSyncTimeBoundsUs,
  // histogram.h), as one snapshot.
  struct Times {
    uint64_t syncs = 0;
    uint64_t sync_us = 0;
    std::array<uint64_t, kSyncTimeBoundsUs.size() + 1> buckets{};
  };
  Times times() const;

 private:
  void Run();
  Status SyncWal();

  const std::string wal_path_;
  const std::function<void()> on_idle_;
  const SyncFile sync_;
  int wal_fd_ = -1;  // syncer thread only
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void(const Status&)>> pending_;  // guarded by mu_
  bool stopping_ = false;                                   // guarded by mu_
  Status failure_;                                          // guarded by mu_
  Times times_;                                             // guarded by mu_
  std::atomic<bool> busy_{false};
  std::thread thread_;
};

}  // namespace chainmail
