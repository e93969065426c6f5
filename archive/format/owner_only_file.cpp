#include "archive/format/owner_only_file.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <utility>

#include "archive/format/bytes.h"

namespace chainmail {
namespace {

// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

std::string Errno(int err) { return std::strerror(err); }

std::string ModeText(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

Status WriteAllAndSync(int fd, std::string_view data, const std::string& name) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IoError("cannot write " + name + ": " + Errno(errno));
    data.remove_prefix(static_cast<size_t>(n));
  }
  if (fsync(fd) != 0) return Status::IoError("cannot fsync " + name + ": " + Errno(errno));
  return Status::Ok();
}

// Moves `from` to `to` unless `to` exists; sets *existed when that is why it failed.
Status RenameNoReplace(const std::string& from, const std::string& to, bool* existed) {
  int rc = renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE);
  if (rc != 0 && errno == EINVAL) {
    // The file system cannot rename without replacing; link() never replaces either.
    rc = link(from.c_str(), to.c_str());
    if (rc == 0) unlink(from.c_str());
  }
  if (rc == 0) return Status::Ok();
  const int err = errno;
  *existed = err == EEXIST;
  return Status::IoError("cannot create " + to + ": " + Errno(err));
}

Status FsyncDirectoryOf(const std::string& path) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  Fd fd(open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || fsync(fd.get()) != 0)
    return Status::IoError("cannot fsync the directory of " + path + ": " + Errno(errno));
  return Status::Ok();
}

}  // namespace

Status ReadOwnerOnlyFile(const std::string& path, std::string_view what, size_t max_bytes,
                         std::string* contents) {
  const std::string name = std::string(what) + " " + path;
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ENOENT) return Status::NotFound(name + " does not exist");
    return Status::IoError("cannot open " + name + ": " + Errno(err));
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0)
    return Status::IoError("cannot stat " + name + ": " + Errno(errno));
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(name + " is not a regular file");
  if ((st.st_mode & 077) != 0)
    return Status::InvalidArgument(
        "refusing " + name + ": its mode " + ModeText(st.st_mode) +
        " gives group or others access; it must be 0600 (owner only). Treat its contents as "
        "exposed, and decide what that means, before running chmod 600 on it");
  contents->assign(max_bytes + 1, '\0');  // one spare byte detects a file that grew
  size_t total = 0;
  while (total < contents->size()) {
    ssize_t n = read(fd.get(), contents->data() + total, contents->size() - total);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IoError("cannot read " + name + ": " + Errno(errno));
    if (n == 0) break;
    total += static_cast<size_t>(n);
  }
  contents->resize(total);
  if (total > max_bytes)
    return Status::InvalidArgument(name + " is larger than " + std::to_string(max_bytes) +
                                   " bytes");
  return Status::Ok();
}

Status CreateOwnerOnlyFile(const std::string& path, std::string_view contents, bool* existed) {
  *existed = false;
  unsigned char nonce[8];
  if (RAND_bytes(nonce, sizeof nonce) != 1)
    return Status::IoError("no randomness for a temporary file name");
  const std::string tmp = path + ".tmp-" + ToHex(nonce, sizeof nonce);
  Fd fd(open(tmp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.get() < 0) return Status::IoError("cannot create " + tmp + ": " + Errno(errno));
  Status s = WriteAllAndSync(fd.get(), contents, tmp);
  if (s.ok() && close(fd.Release()) != 0)
    s = Status::IoError("cannot close " + tmp + ": " + Errno(errno));
  if (s.ok()) s = RenameNoReplace(tmp, path, existed);
  if (!s.ok()) {
    unlink(tmp.c_str());
    return s;
  }
  return FsyncDirectoryOf(path);
}

}  // namespace chainmail
