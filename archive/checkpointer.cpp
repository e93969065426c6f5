#include "archive/checkpointer.h"

#include <vector>

#include "archive/format/rfc3339.h"
#include "archive/thread_name.h"

namespace chainmail {

Checkpointer::Checkpointer(std::unique_ptr<Database> db, CheckpointerOptions options, NoteSigner signer)
    : db_(std::move(db)), options_(std::move(options)), signer_(std::move(signer)) {
  thread_ = NamedThread("cm-checkpoint", [this] { Run(); });
}

Checkpointer::~Checkpointer() { Stop(); }

void Checkpointer::OnCommit(LogName log, uint64_t size, const Hash32& root) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    Pending& p = pending_[log];
    if (size <= p.size) return;
    p.size = size;
    p.root = root;
  }
  // No wake-up: the thread signs on its interval (Run), and a commit does not end that
  // wait. Notified here, it woke at every group commit only to sleep again.
}

void Checkpointer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status Checkpointer::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

void Checkpointer::Run() {
  auto next_thin = std::chrono::steady_clock::now();
  for (;;) {
    bool stopping;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_for(lock, options_.interval, [&] { return stopping_; });
      stopping = stopping_;
    }
    SignPending(stopping);
    CheckpointWal();
    if (stopping) return;
    if (std::chrono::steady_clock::now() >= next_thin) {
      next_thin += std::chrono::hours(1);
      auto thinned = ThinCheckpoints(*db_, UnixNowUs(), options_.keep_days);
      if (!thinned.ok()) {
        std::lock_guard<std::mutex> lock(mu_);
        if (error_.ok()) error_ = thinned.status();
      }
    }
  }
}

void Checkpointer::CheckpointWal() {
  // PASSIVE never blocks the writer: it copies what it can, so that the writer's own
  // (rare, see Archive::Open) automatic checkpoint has little left to do.
  Statement passive = db_->Prepare("PRAGMA wal_checkpoint(PASSIVE)");
  passive.Run();
}

void Checkpointer::SignPending(bool force) {
  const auto now = std::chrono::steady_clock::now();
  std::vector<StoredCheckpoint> due;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [log, p] : pending_) {
      if (p.size == p.signed_size) continue;
      if (!force && now - p.last_signed < options_.interval) continue;
      due.push_back({log, p.size, p.root, "", UnixNowUs()});
    }
  }
  Status round_failed;
  for (StoredCheckpoint& c : due) {
    auto origin = options_.origins.find(c.log);
    Status s = origin == options_.origins.end() ? Status::InvalidArgument("no origin for log") : Status::Ok();
    if (s.ok() && options_.signed_heads) s = options_.signed_heads->Check(*db_, c.log, origin->second, c.size, c.root);
    if (s.ok()) {
      auto note = SignCheckpointNote(signer_, origin->second, c.size, c.root);
      if (note.ok()) {
        c.note = std::move(*note);
        // Recorded before it is stored: a stored note is served (REST, exports), so one
        // whose record failed (its disk full) would leave unrecorded. A record without its
        // note only makes the next signing check against leaves that are all committed.
        if (options_.signed_heads) s = options_.signed_heads->Record(origin->second, c.size, c.root);
        if (s.ok()) s = StoreCheckpoint(*db_, c);
      } else {
        s = note.status();
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    Pending& p = pending_[c.log];
    p.last_signed = now;
    if (s.ok()) p.signed_size = std::max(p.signed_size, c.size);
    else round_failed = s;
  }
  // The latest round decides: a transient failure (a busy database) clears once signing
  // works again, a refusal (signed_heads.h) stays as long as it is refused.
  if (!due.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    error_ = round_failed;
  }
}

}  // namespace chainmail
