// WakeEvent: a one-shot, level-triggered signal that any number of threads can wait on
// with poll(): once Set(), fd() stays readable forever and is_set() is true.
//
// The SMTP server uses two: "draining" (idle sessions say 421 and close) and "closing"
// (every session closes now). Thread-safe: Set(), is_set() and fd() from any thread.
#pragma once

#include <atomic>
#include <memory>

#include "archive/format/status.h"

namespace chainmail {

class WakeEvent {
 public:
  // Fails (IoError) only when the process is out of descriptors.
  static Result<std::unique_ptr<WakeEvent>> Create();
  ~WakeEvent();
  WakeEvent(const WakeEvent&) = delete;
  WakeEvent& operator=(const WakeEvent&) = delete;

  void Set();
  bool is_set() const { return set_.load(std::memory_order_acquire); }
  int fd() const { return fd_; }

 private:
  explicit WakeEvent(int fd) : fd_(fd) {}
  int fd_;
  std::atomic<bool> set_{false};
};

}  // namespace chainmail
