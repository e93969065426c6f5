// ByteBudget: a bound on the memory that many threads may hold at once for one purpose,
// counted in bytes. A thread takes a Share before it allocates and the Share gives the
// bytes back when it goes (or shrinks to what the thread keeps). A Share larger than the
// whole budget is granted alone, once nothing else is held, so no request waits forever.
//
// The archive uses one for MIME extraction at ingest (archive.cpp): a session reads up to
// 64 MiB of a spilled message to extract it and keeps its text until the commit, and 100
// sessions receiving 10 MB messages at once would otherwise hold a gigabyte.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace chainmail {

class ByteBudget {
 public:
  explicit ByteBudget(size_t bytes) : limit_(bytes) {}

  // Bytes held from a budget; returned when it goes.
  class Share {
   public:
    Share() = default;
    Share(Share&& o) noexcept : budget_(o.budget_), bytes_(o.bytes_) { o.budget_ = nullptr; }
    Share& operator=(Share&&) = delete;
    ~Share() { Shrink(0); }
    // Keeps only `bytes` (no more than held) and gives the rest back.
    void Shrink(size_t bytes);
    size_t bytes() const { return bytes_; }

   private:
    friend class ByteBudget;
    Share(ByteBudget* budget, size_t bytes) : budget_(budget), bytes_(bytes) {}
    ByteBudget* budget_ = nullptr;
    size_t bytes_ = 0;
  };

  // Waits until `bytes` fit beside what others hold (or, for more than the whole budget,
  // until nothing else is held), then holds them.
  Share Take(size_t bytes);
  size_t held() const;
  size_t limit() const { return limit_; }

 private:
  void Give(size_t bytes);

  const size_t limit_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  size_t held_ = 0;  // guarded by mu_
};

}  // namespace chainmail
