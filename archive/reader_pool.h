// ReaderPool: a bounded set of read-only connections to the archive database, for the
// REST API and other concurrent readers. Acquire() lends one, waiting up to `wait` while
// all are lent (then Unavailable: the caller answers 503, never queues without bound).
// Each read runs in its own short transaction, so WAL checkpoints are never starved.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "archive/database.h"

namespace chainmail {

class ReaderPool {
 public:
  class Lease {
   public:
    Lease(ReaderPool* pool, Database* db) : pool_(pool), db_(db) {}
    Lease(Lease&& o) noexcept : pool_(o.pool_), db_(o.db_) { o.pool_ = nullptr; }
    Lease& operator=(Lease&&) = delete;
    ~Lease() { if (pool_) pool_->Release(db_); }
    Database& operator*() const { return *db_; }
    Database* operator->() const { return db_; }

   private:
    ReaderPool* pool_;
    Database* db_;
  };

  ReaderPool(std::string db_path, size_t size);
  Result<Lease> Acquire(std::chrono::milliseconds wait = std::chrono::milliseconds(2000));

 private:
  void Release(Database* db);
  const std::string path_;
  const size_t size_;
  std::mutex mu_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Database>> all_;  // guarded by mu_
  std::vector<Database*> free_;                 // guarded by mu_
};

}  // namespace chainmail
