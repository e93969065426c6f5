// Checkpointer: signs each log's checkpoint after group commits — only ever over committed
// leaves (it is told sizes and roots by the writer after COMMIT), at most once per
// interval per log — and stores it, on its own thread and connection so signing never
// delays a commit. Thins old checkpoints once an hour. Stop() signs what is pending, so a
// clean shutdown leaves a checkpoint covering every leaf.
//
// It also runs SQLite's WAL checkpoints (a different thing: copying WAL pages into the
// database file) as PASSIVE checkpoints on the same schedule, so that most of that I/O
// happens off the commit path.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "archive/checkpoint_store.h"
#include "archive/database.h"
#include "archive/signed_heads.h"

namespace chainmail {

struct CheckpointerOptions {
  std::chrono::milliseconds interval{1000};
  uint32_t keep_days = 7;
  std::map<LogName, std::string> origins;  // each log's origin (the note's first line)
  // Checked before each signature and raised after it; null: not kept.
  std::shared_ptr<const SignedHeads> signed_heads;
};

class Checkpointer {
 public:
  Checkpointer(std::unique_ptr<Database> db, CheckpointerOptions options, NoteSigner signer);
  ~Checkpointer();  // Stop()

  // From the writer thread, after a commit. Cheap: records and wakes.
  void OnCommit(LogName log, uint64_t size, const Hash32& root);
  // Signs what is pending, then stops the thread. Idempotent.
  void Stop();
  // The failure of the latest signing round (for health reporting), a refusal to sign over
  // a log that no longer extends its signed head among them, or of thinning since; OK
  // once a round signs everything due.
  Status last_error() const;

 private:
  struct Pending {
    uint64_t size = 0;
    Hash32 root{};
    uint64_t signed_size = 0;
    std::chrono::steady_clock::time_point last_signed{};
  };
  void Run();
  void SignPending(bool force);
  void CheckpointWal();

  std::unique_ptr<Database> db_;  // checkpointer thread only
  const CheckpointerOptions options_;
  const NoteSigner signer_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::map<LogName, Pending> pending_;  // guarded by mu_
  bool stopping_ = false;               // guarded by mu_
  Status error_;                        // guarded by mu_
  std::thread thread_;
};

}  // namespace chainmail
