#include "archive/reader_pool.h"

namespace chainmail {

ReaderPool::ReaderPool(std::string db_path, size_t size) : path_(std::move(db_path)), size_(size ? size : 1) {}

Result<ReaderPool::Lease> ReaderPool::Acquire(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mu_);
  if (free_.empty() && all_.size() < size_) {
    auto db = Database::Open(path_, Database::Mode::kReadOnly);
    if (!db.ok()) return db.status();
    // A larger cache: searches and reads touch index and row pages all over a large
    // archive. Not mmap: an I/O error on a mapped file is a SIGBUS that kills the daemon,
    // where a read error is a Status the request can answer with.
    if (Status s = (*db)->Exec("PRAGMA cache_size=-32768"); !s.ok()) return s;
    all_.push_back(std::move(*db));
    return Lease(this, all_.back().get());
  }
  if (!available_.wait_for(lock, wait, [&] { return !free_.empty(); }))
    return Status::Unavailable("every database reader is busy");
  Database* db = free_.back();
  free_.pop_back();
  return Lease(this, db);
}

void ReaderPool::Release(Database* db) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(db);
  }
  available_.notify_one();
}

}  // namespace chainmail
