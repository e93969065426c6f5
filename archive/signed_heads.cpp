#include "archive/signed_heads.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "archive/format/merkle.h"
#include "archive/format/owner_only_file.h"
#include "archive/tree_store.h"

namespace chainmail {
namespace {

constexpr size_t kMaxFileBytes = 4096;

std::string_view NameOf(LogName log) { return log == LogName::kMessages ? "messages" : "audit"; }

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

Result<std::map<LogName, SignedHeads::Head>> Parse(const std::string& text, const std::string& path) {
  std::map<LogName, SignedHeads::Head> heads;
  size_t at = 0;
  while (at < text.size()) {
    const size_t nl = text.find('\n', at);
    if (nl == std::string::npos) return Status::Corruption(path + ": the last line has no newline");
    const std::string line = text.substr(at, nl - at);
    at = nl + 1;
    const size_t a = line.find(' '), b = line.rfind(' ');
    if (a == std::string::npos || a == b) return Status::Corruption(path + ": not '<log> <size> <root>': " + line);
    const std::string name = line.substr(0, a), size = line.substr(a + 1, b - a - 1);
    std::optional<Hash32> root = Hash32FromHex(line.substr(b + 1));
    if (name != "messages" && name != "audit") return Status::Corruption(path + ": unknown log '" + name + "'");
    if (size.empty() || size.size() > 19 || size.find_first_not_of("0123456789") != std::string::npos || !root)
      return Status::Corruption(path + ": bad size or root: " + line);
    heads[name == "messages" ? LogName::kMessages : LogName::kAudit] = {std::stoull(size), *root};
  }
  return heads;
}

// Writes `text` as `path`, replacing it: temporary file (0600), fsync, rename, fsync dir.
Status ReplaceSynced(const std::string& path, const std::string& text) {
  static std::atomic<uint64_t> counter{0};
  const std::string tmp = path + ".tmp." + std::to_string(getpid()) + "." + std::to_string(counter++);
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Status::IoError(Errno("cannot create " + tmp));
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    Status failed = Status::IoError(Errno("cannot write " + path));
    unlink(tmp.c_str());
    return failed;
  }
  const std::string dir = std::filesystem::path(path).parent_path().string();
  if (int d = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
    fsync(d);
    close(d);
  }
  return Status::Ok();
}

}  // namespace

Result<std::map<LogName, SignedHeads::Head>> SignedHeads::Load() const {
  std::string text;
  Status read = ReadOwnerOnlyFile(path_, "signed heads", kMaxFileBytes, &text);
  if (read.code() == Status::Code::kNotFound) return std::map<LogName, Head>{};
  if (!read.ok()) return read;
  return Parse(text, path_);
}

Status SignedHeads::Check(Database& db, LogName log) const {
  auto heads = Load();
  if (!heads.ok()) return heads.status();
  auto it = heads->find(log);
  if (it == heads->end()) return Status::Ok();
  const Head& signed_head = it->second;
  const std::string what = "the " + std::string(NameOf(log)) + " log";
  auto head = ReadLogHead(db, log);
  if (!head.ok()) return head.status();
  if (head->size < signed_head.size)
    return Status::Corruption(what + " holds " + std::to_string(head->size) + " leaves, but a checkpoint of " +
                              std::to_string(signed_head.size) + " was signed (" + path_ +
                              "): rollback; nothing more is signed until a person has looked");
  TreeNodeReader nodes(db, log);
  auto root = RootAt(nodes, signed_head.size);
  if (!root.ok()) return root.status();
  if (*root != signed_head.root)
    return Status::Corruption(what + " has another root at size " + std::to_string(signed_head.size) +
                              " than the checkpoint signed there (" + path_ +
                              "): fork, its history was rewritten; nothing more is signed until a person has looked");
  return Status::Ok();
}

Status SignedHeads::Record(LogName log, uint64_t size, const Hash32& root) const {
  const std::string lock_path = path_ + ".lock";
  int lock = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (lock < 0) return Status::IoError(Errno("cannot open " + lock_path));
  while (flock(lock, LOCK_EX) != 0) {
    if (errno != EINTR) {
      Status failed = Status::IoError(Errno("cannot lock " + lock_path));
      close(lock);
      return failed;
    }
  }
  Status result = Status::Ok();
  auto heads = Load();
  if (!heads.ok()) {
    result = heads.status();
  } else if (auto it = heads->find(log); it == heads->end() || it->second.size < size) {
    (*heads)[log] = {size, root};
    std::string text;
    for (const auto& [name, h] : *heads)
      text += std::string(NameOf(name)) + " " + std::to_string(h.size) + " " + ToHex(h.root) + "\n";
    result = ReplaceSynced(path_, text);
  }
  close(lock);  // releases the lock
  return result;
}

}  // namespace chainmail
