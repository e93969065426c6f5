#include "archive/format/signing_key.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <utility>

namespace chainmail {
namespace {

constexpr size_t kMaxKeyFileBytes = 64 * 1024;  // an Ed25519 PEM is about 120 bytes

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

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

// Secret bytes (PEM text) that are wiped before their memory is released.
struct SecretText {
  SecretText() = default;
  explicit SecretText(std::string t) : text(std::move(t)) {}
  SecretText(SecretText&&) = default;
  SecretText& operator=(SecretText&&) = default;
  ~SecretText() { OPENSSL_cleanse(text.data(), text.size()); }

  std::string text;
};

std::string OpenSslError() {
  char buf[256] = "unknown OpenSSL error";
  if (unsigned long e = ERR_get_error(); e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

std::string Errno(int err) { return std::strerror(err); }

std::string ModeText(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

// Reads the key file through one descriptor, so the mode checked is the file read.
Result<SecretText> ReadKeyFile(const std::string& path) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) {
    int err = errno;
    if (err == ENOENT) return Status::NotFound("signing key " + path + " does not exist");
    return Status::IoError("cannot open signing key " + path + ": " + Errno(err));
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0)
    return Status::IoError("cannot stat signing key " + path + ": " + Errno(errno));
  if (!S_ISREG(st.st_mode))
    return Status::InvalidArgument("signing key " + path + " is not a regular file");
  if ((st.st_mode & 077) != 0)
    return Status::InvalidArgument(
        "refusing signing key " + path + ": its mode " + ModeText(st.st_mode) +
        " gives group or others access; it must be 0600 (owner only). Treat the key as "
        "exposed and decide on rotation before running chmod 600 on it");
  if (st.st_size > static_cast<off_t>(kMaxKeyFileBytes))
    return Status::InvalidArgument("signing key " + path + " is too large to be a PEM key");
  SecretText contents;
  contents.text.resize(kMaxKeyFileBytes + 1);
  size_t total = 0;
  while (total < contents.text.size()) {
    ssize_t n = read(fd.get(), contents.text.data() + total, contents.text.size() - total);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IoError("cannot read signing key " + path + ": " + Errno(errno));
    if (n == 0) break;
    total += static_cast<size_t>(n);
  }
  if (total > kMaxKeyFileBytes)
    return Status::InvalidArgument("signing key " + path + " is too large to be a PEM key");
  contents.text.resize(total);
  return contents;
}

Status WriteAll(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IoError("cannot write " + what + ": " + Errno(errno));
    data.remove_prefix(static_cast<size_t>(n));
  }
  if (fsync(fd) != 0) return Status::IoError("cannot fsync " + what + ": " + Errno(errno));
  return Status::Ok();
}

// Moves `from` to `to` unless `to` exists. Sets *exists when that is why it failed.
Status RenameNoReplace(const std::string& from, const std::string& to, bool* exists) {
  int rc = renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE);
  if (rc != 0 && errno == EINVAL) {
    // The file system cannot rename without replacing; link() refuses to replace too.
    rc = link(from.c_str(), to.c_str());
    if (rc == 0) unlink(from.c_str());
  }
  if (rc == 0) return Status::Ok();
  int err = errno;
  *exists = err == EEXIST;
  return Status::IoError("cannot create " + to + ": " + Errno(err));
}

Status FsyncDirectoryOf(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  Fd fd(open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || fsync(fd.get()) != 0)
    return Status::IoError("cannot fsync the directory of " + path + ": " + Errno(errno));
  return Status::Ok();
}

// Creates `path` holding `contents`, mode 0600 from creation, or fails if it exists.
Status WriteNewPrivateFile(const std::string& path, std::string_view contents, bool* exists) {
  *exists = false;
  unsigned char nonce[8];
  if (RAND_bytes(nonce, sizeof nonce) != 1)
    return Status::IoError("no randomness for a temporary name: " + OpenSslError());
  const std::string tmp = path + ".tmp-" + ToHex(nonce, sizeof nonce);
  Fd fd(open(tmp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.get() < 0) return Status::IoError("cannot create " + tmp + ": " + Errno(errno));
  Status s = WriteAll(fd.get(), contents, tmp);
  if (s.ok() && close(fd.Release()) != 0)
    s = Status::IoError("cannot close " + tmp + ": " + Errno(errno));
  if (s.ok()) s = RenameNoReplace(tmp, path, exists);
  if (!s.ok()) {
    unlink(tmp.c_str());
    return s;
  }
  return FsyncDirectoryOf(path);
}

int NoPassphrase(char*, int, int, void*) { return -1; }  // never prompt on a terminal

}  // namespace

Result<Ed25519SigningKey> Ed25519SigningKey::Generate() {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (pkey == nullptr) return Status::IoError("Ed25519 key generation failed: " + OpenSslError());
  return Ed25519SigningKey(pkey);
}

Result<Ed25519SigningKey> Ed25519SigningKey::FromSeed(std::string_view seed) {
  if (seed.size() != kEd25519SeedSize)
    return Status::InvalidArgument("an Ed25519 secret key is 32 bytes, not " +
                                   std::to_string(seed.size()));
  EVP_PKEY* pkey = EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(seed.data()), seed.size());
  if (pkey == nullptr) return Status::InvalidArgument("bad Ed25519 secret key: " + OpenSslError());
  return Ed25519SigningKey(pkey);
}

Result<Ed25519SigningKey> Ed25519SigningKey::LoadPemFile(const std::string& path) {
  Result<SecretText> contents = ReadKeyFile(path);
  if (!contents.ok()) return contents.status();
  BioPtr bio(BIO_new_mem_buf(contents->text.data(), static_cast<int>(contents->text.size())));
  EVP_PKEY* pkey =
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr) : nullptr;
  if (pkey == nullptr)
    return Status::Corruption("signing key " + path +
                              " is not an unencrypted PEM private key: " + OpenSslError());
  Ed25519SigningKey key(pkey);
  if (!EVP_PKEY_is_a(pkey, "ED25519"))
    return Status::InvalidArgument("signing key " + path + " is a " +
                                   EVP_PKEY_get0_type_name(pkey) + " key, not Ed25519");
  return key;
}

Status Ed25519SigningKey::SaveNewPemFile(const std::string& path) const {
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return Status::IoError("cannot encode the signing key: " + OpenSslError());
  SecretText pem(BioText(bio.get()));
  bool exists = false;
  Status s = WriteNewPrivateFile(path, pem.text, &exists);
  if (exists) return Status::IoError(path + " already exists; refusing to replace a signing key");
  return s;
}

Bytes Ed25519SigningKey::PublicKey() const {
  Bytes out(kEd25519PublicKeySize, '\0');
  size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(pkey_.get(), reinterpret_cast<unsigned char*>(out.data()),
                                  &len) != 1 ||
      len != out.size())
    throw std::runtime_error("Ed25519 public key export failed: " + OpenSslError());
  return out;
}

std::string Ed25519SigningKey::PublicKeyPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey_.get()) != 1)
    throw std::runtime_error("Ed25519 public key export failed: " + OpenSslError());
  return BioText(bio.get());
}

Bytes Ed25519SigningKey::Sign(std::string_view message) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  Bytes sig(kEd25519SignatureSize, '\0');
  size_t len = sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      len != sig.size())
    throw std::runtime_error("Ed25519 signing failed: " + OpenSslError());
  return sig;
}

Status EnsureSigningKey(const std::string& path) {
  Result<Ed25519SigningKey> existing = Ed25519SigningKey::LoadPemFile(path);
  if (existing.ok()) return Status::Ok();
  if (existing.status().code() != Status::Code::kNotFound) return existing.status();
  Result<Ed25519SigningKey> fresh = Ed25519SigningKey::Generate();
  if (!fresh.ok()) return fresh.status();
  Status saved = fresh->SaveNewPemFile(path);
  if (saved.ok()) return saved;
  // If another process created it first, use theirs, with the same checks.
  Result<Ed25519SigningKey> theirs = Ed25519SigningKey::LoadPemFile(path);
  if (theirs.status().code() == Status::Code::kNotFound) return saved;
  return theirs.ok() ? Status::Ok() : theirs.status();
}

bool Ed25519Verify(std::string_view public_key, std::string_view message,
                   std::string_view signature) {
  if (public_key.size() != kEd25519PublicKeySize || signature.size() != kEd25519SignatureSize)
    return false;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                  reinterpret_cast<const unsigned char*>(public_key.data()),
                                  public_key.size()),
      EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  bool ok =
      pkey && ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  ERR_clear_error();  // a bad signature leaves an error queued; it is an answer, not a fault
  return ok;
}

}  // namespace chainmail
