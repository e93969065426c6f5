// TempBuffer: bytes held in memory up to a limit, then spilled to an unlinked temporary
// file in a spool directory (so nothing is left behind after a crash). Used for message
// bodies while they arrive and for their compressed form until the writer stores it.
//
// One owner thread at a time. A write error (ENOSPC, EIO) is latched in status(); later
// appends are ignored, so a receiving session can keep reading and reply once at the end.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "archive/format/status.h"

namespace chainmail {

class TempBuffer {
 public:
  TempBuffer(std::string spool_dir, size_t memory_limit);
  ~TempBuffer();
  TempBuffer(const TempBuffer&) = delete;
  TempBuffer& operator=(const TempBuffer&) = delete;

  void Append(std::string_view bytes);
  // Flushes buffered file writes; call once after the last Append, before reading.
  Status Finish();
  uint64_t size() const { return size_; }
  const Status& status() const { return status_; }
  bool spilled() const { return fd_ >= 0; }

  // Calls sink with consecutive pieces of at most `piece` bytes, from the start. Stops at
  // the first non-OK Status from sink or from reading.
  Status ReadAll(size_t piece, const std::function<Status(std::string_view)>& sink) const;
  // The whole content when it never spilled (empty view otherwise).
  std::string_view memory() const { return fd_ < 0 ? std::string_view(memory_) : std::string_view(); }

 private:
  Status Spill();
  Status FlushPending();
  std::string spool_dir_;
  size_t memory_limit_;
  std::string memory_;   // all content until spilled; afterwards a write-behind buffer
  int fd_ = -1;
  uint64_t size_ = 0;
  Status status_;
};

}  // namespace chainmail
