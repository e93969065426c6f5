#include "service/net/io_wait.h"

#include <poll.h>

#include <cerrno>
#include <cstring>

namespace chainmail {

IoWait WaitForFd(int fd, short events, IoClock::time_point deadline, int interrupt_fd) {
  pollfd fds[2] = {{fd, events, 0}, {interrupt_fd, POLLIN, 0}};  // poll skips fd -1
  for (;;) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - IoClock::now());
    int timeout_ms = left.count() < 0 ? 0 : static_cast<int>(left.count());
    int n = poll(fds, 2, timeout_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoWait::kError;
    }
    if (fds[1].revents != 0) return IoWait::kInterrupted;
    // POLLERR / POLLHUP also mean "ready": the next read or write reports the error.
    if (fds[0].revents != 0) return IoWait::kReady;
    if (IoClock::now() >= deadline) return IoWait::kTimeout;
  }
}

ReadResult ReadResult::FromWait(IoWait wait) {
  switch (wait) {
    case IoWait::kTimeout:
      return {Kind::kTimeout, 0, {}};
    case IoWait::kInterrupted:
      return {Kind::kInterrupted, 0, {}};
    default:
      return Error(DescribeWait(wait));
  }
}

std::string DescribeWait(IoWait wait) {
  switch (wait) {
    case IoWait::kReady:
      return "ready";
    case IoWait::kTimeout:
      return "timed out";
    case IoWait::kInterrupted:
      return "interrupted";
    default:
      return "poll failed: " + ErrnoText(errno);
  }
}

std::string ErrnoText(int error_number) {
  char buffer[128];
  return strerror_r(error_number, buffer, sizeof buffer);  // GNU variant returns char*
}

}  // namespace chainmail
