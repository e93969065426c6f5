#include "archive/temp_buffer.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace chainmail {
namespace {

constexpr size_t kWriteBehind = 256 * 1024;

}  // namespace

TempBuffer::TempBuffer(std::string spool_dir, size_t memory_limit)
    : spool_dir_(std::move(spool_dir)), memory_limit_(memory_limit) {}

TempBuffer::~TempBuffer() {
  if (fd_ >= 0) close(fd_);
}

Status TempBuffer::Spill() {
  // O_TMPFILE: the file has no name, so a crash leaves nothing in the spool directory.
  fd_ = open(spool_dir_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd_ < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
    std::string tmpl = spool_dir_ + "/spool-XXXXXX";
    fd_ = mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd_ >= 0) unlink(tmpl.c_str());
  }
  if (fd_ < 0) return ErrnoStatus("spool file", errno);
  return FlushPending();
}

Status TempBuffer::FlushPending() {
  size_t off = 0;
  while (off < memory_.size()) {
    ssize_t n = write(fd_, memory_.data() + off, memory_.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("spool write", errno);
    }
    off += static_cast<size_t>(n);
  }
  memory_.clear();
  return Status::Ok();
}

void TempBuffer::Append(std::string_view bytes) {
  if (!status_.ok()) return;
  size_ += bytes.size();
  memory_.append(bytes);
  if (fd_ < 0 && memory_.size() > memory_limit_) {
    status_ = Spill();
  } else if (fd_ >= 0 && memory_.size() >= kWriteBehind) {
    status_ = FlushPending();
  }
}

Status TempBuffer::Finish() {
  if (status_.ok() && fd_ >= 0) status_ = FlushPending();
  return status_;
}

Status TempBuffer::ReadAll(size_t piece, const std::function<Status(std::string_view)>& sink) const {
  if (!status_.ok()) return status_;
  if (fd_ < 0) {
    for (size_t off = 0; off < memory_.size(); off += piece)
      if (Status s = sink(std::string_view(memory_).substr(off, piece)); !s.ok()) return s;
    return Status::Ok();
  }
  std::string buf(piece, '\0');
  uint64_t off = 0;
  while (off < size_) {
    ssize_t n = pread(fd_, buf.data(), piece, static_cast<off_t>(off));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? ErrnoStatus("spool read", errno) : Status::IoError("spool short read");
    off += static_cast<uint64_t>(n);
    if (Status s = sink(std::string_view(buf.data(), static_cast<size_t>(n))); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace chainmail
