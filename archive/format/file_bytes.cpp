#include "archive/format/file_bytes.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace chainmail {

std::optional<std::string> ReadFileBytes(const std::string& path) {
  // Plain read(2): an iostream copy swallows a failed allocation and hands back a prefix.
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n == 0) return out;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;  // EISDIR, EIO, ...
    out.append(buf, static_cast<size_t>(n));  // std::bad_alloc, never a prefix
  }
}

}  // namespace chainmail
