// CompressorPool: a bounded set of zstd compression contexts (one per core by default).
// Compress() borrows a context, blocking while all are in use, and streams a TempBuffer
// into another one, so memory stays bounded however many sessions finish at once.
// Thread-safe.
#pragma once

#include <zstd.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "archive/temp_buffer.h"

namespace chainmail {

class CompressorPool {
 public:
  CompressorPool(size_t contexts, int level);
  ~CompressorPool();
  CompressorPool(const CompressorPool&) = delete;
  CompressorPool& operator=(const CompressorPool&) = delete;

  // Compresses all of `in` into a fresh buffer (one zstd frame with content size and checksum).
  Result<std::unique_ptr<TempBuffer>> Compress(const TempBuffer& in, const std::string& spool_dir,
                                               size_t memory_limit);

 private:
  // A context and its output buffer, allocated once: no per-message allocation or
  // zero-filling of the 128 KiB buffer zstd wants.
  struct Slot {
    ZSTD_CCtx* ctx = nullptr;
    std::string out;
  };
  Slot* Acquire();
  void Release(Slot* slot);
  int level_;
  std::mutex mu_;
  std::condition_variable available_;
  std::vector<Slot*> free_;  // guarded by mu_
  std::vector<std::unique_ptr<Slot>> all_;
};

}  // namespace chainmail
