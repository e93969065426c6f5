#include "archive/signed_heads.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "archive/format/merkle.h"
#include "archive/format/merkle_proofs.h"
#include "archive/format/merkle_verify.h"
#include "archive/tree_store.h"

namespace chainmail {
namespace {

constexpr size_t kMaxFileBytes = 64 * 1024;
constexpr char kName[] = "signed-heads";  // how messages name the file (no server paths)

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// The file as it is: a regular file (never followed through a link), at most kMaxFileBytes.
Result<std::optional<std::string>> ReadPlain(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT) return std::optional<std::string>();
  if (fd < 0) return Status::IoError(Errno(std::string("cannot open ") + kName));
  struct stat st {};
  std::string text;
  bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= static_cast<off_t>(kMaxFileBytes);
  if (ok) {
    text.resize(static_cast<size_t>(st.st_size));
    ok = read(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  }
  close(fd);
  if (!ok) return Status::IoError(std::string("cannot read ") + kName + " (a regular file of at most 64 KiB)");
  return std::optional<std::string>(std::move(text));
}

Result<std::map<std::string, SignedHeads::Head>> Parse(const std::string& text) {
  std::map<std::string, SignedHeads::Head> heads;
  size_t at = 0;
  while (at < text.size()) {
    const size_t nl = text.find('\n', at);
    if (nl == std::string::npos) return Status::Corruption(std::string(kName) + ": the last line has no newline");
    const std::string line = text.substr(at, nl - at);
    at = nl + 1;
    const size_t b = line.rfind(' ');
    const size_t a = b == std::string::npos || b == 0 ? std::string::npos : line.rfind(' ', b - 1);
    if (a == std::string::npos || a == 0) return Status::Corruption(std::string(kName) + ": not '<origin> <size> <root>'");
    const std::string origin = line.substr(0, a), size = line.substr(a + 1, b - a - 1);
    std::optional<Hash32> root = Hash32FromHex(line.substr(b + 1));
    if (size.empty() || size.size() > 19 || size.find_first_not_of("0123456789") != std::string::npos || !root)
      return Status::Corruption(std::string(kName) + ": bad size or root for " + origin);
    heads[origin] = {std::stoull(size), *root};
  }
  return heads;
}

// Writes `text` as `path`, replacing it: a mkstemp file (0600, owned like the directory
// when root writes it), fsync, rename, fsync of the directory. A full disk is NoSpace
// (a temporary refusal: REST 503), any other failure IoError.
Status ReplaceSynced(const std::string& path, const std::string& text) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const std::string what = std::string("cannot write ") + kName;
  std::string tmp = path + ".tmp.XXXXXX";
  int fd = mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(what, errno);
  struct stat owner {};
  if (geteuid() == 0 && stat(dir.empty() ? "." : dir.c_str(), &owner) == 0) (void)fchown(fd, owner.st_uid, owner.st_gid);
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    Status failed = ErrnoStatus(what, errno);
    unlink(tmp.c_str());
    return failed;
  }
  if (int d = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
    fsync(d);
    close(d);
  }
  return Status::Ok();
}

// Whether the tree of `log` in `db` proves (size1, root1) and (size2, root2) consistent,
// size1 <= size2; nullopt when `db` holds fewer than size2 leaves.
Result<std::optional<bool>> Consistent(Database& db, LogName log, uint64_t size1, const Hash32& root1,
                                       uint64_t size2, const Hash32& root2) {
  auto head = ReadLogHead(db, log);
  if (!head.ok()) return head.status();
  if (head->size < size2) return std::optional<bool>();
  TreeNodeReader nodes(db, log);
  if (size1 == size2) {
    auto root = RootAt(nodes, size1);
    if (!root.ok()) return root.status();
    return std::optional<bool>(*root == root1 && root1 == root2);
  }
  auto proof = ConsistencyProof(nodes, size1, size2);
  if (!proof.ok()) return proof.status();
  return std::optional<bool>(VerifyConsistency(size1, size2, root1, root2, *proof));
}

}  // namespace

Result<std::map<std::string, SignedHeads::Head>> SignedHeads::Load() const {
  auto text = ReadPlain(path_);
  if (!text.ok()) return text.status();
  if (!text->has_value()) return std::map<std::string, Head>{};
  return Parse(**text);
}

Status SignedHeads::Check(Database& db, LogName log, const std::string& origin, uint64_t size,
                          const Hash32& root) const {
  auto heads = Load();
  if (!heads.ok()) return heads.status();
  auto it = heads->find(origin);
  if (it == heads->end() || size == 0) return Status::Ok();
  const Head& was = it->second;
  const bool newer = size >= was.size;
  // Proved in `db` when it holds the larger size (the usual case); else in a fresh read,
  // since `db` may be a snapshot taken before the record was made.
  auto proved = newer ? Consistent(db, log, was.size, was.root, size, root)
                      : Consistent(db, log, size, root, was.size, was.root);
  if (proved.ok() && !proved->has_value() && !newer) {
    auto fresh = Database::Open(db.path(), Database::Mode::kReadOnly);
    if (!fresh.ok()) return fresh.status();
    proved = Consistent(**fresh, log, size, root, was.size, was.root);
  }
  if (!proved.ok()) return proved.status();
  const std::string what = "the log " + origin;
  if (!proved->has_value())
    return Status::Corruption(what + " holds fewer leaves than the " + std::to_string(was.size) +
                              " a checkpoint was signed for (" + kName +
                              "): rollback; nothing more is signed until a person has looked");
  if (!**proved)
    return Status::Corruption(what + " at size " + std::to_string(size) + " is not consistent with the checkpoint signed at " +
                              std::to_string(was.size) + " (" + kName +
                              "): fork, its history was rewritten; nothing more is signed until a person has looked");
  return Status::Ok();
}

Status SignedHeads::Record(const std::string& origin, uint64_t size, const Hash32& root) const {
  const std::string lock_path = path_ + ".lock";
  // Holds nothing; readable by all so that a lock file root created never locks out the
  // daemon's user (flock needs only a descriptor).
  int lock = open(lock_path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (lock < 0) return Status::IoError(Errno(std::string("cannot open ") + kName + ".lock"));
  while (flock(lock, LOCK_EX) != 0) {
    if (errno != EINTR) {
      Status failed = Status::IoError(Errno(std::string("cannot lock ") + kName + ".lock"));
      close(lock);
      return failed;
    }
  }
  Status result = Status::Ok();
  auto heads = Load();
  if (!heads.ok()) {
    result = heads.status();
  } else if (auto it = heads->find(origin); it == heads->end() || it->second.size < size) {
    (*heads)[origin] = {size, root};
    std::string text;
    for (const auto& [name, h] : *heads) text += name + " " + std::to_string(h.size) + " " + ToHex(h.root) + "\n";
    result = ReplaceSynced(path_, text);
  }
  close(lock);  // releases the lock
  return result;
}

}  // namespace chainmail
