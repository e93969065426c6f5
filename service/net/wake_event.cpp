#include "service/net/wake_event.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "service/net/io_wait.h"

namespace chainmail {

Result<std::unique_ptr<WakeEvent>> WakeEvent::Create() {
  int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) return Status::IoError("eventfd: " + ErrnoText(errno));
  return std::unique_ptr<WakeEvent>(new WakeEvent(fd));
}

WakeEvent::~WakeEvent() { close(fd_); }

void WakeEvent::Set() {
  if (set_.exchange(true, std::memory_order_acq_rel)) return;
  // Never read back: the counter stays non-zero, so the descriptor stays readable.
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(fd_, &one, sizeof one);
}

}  // namespace chainmail
