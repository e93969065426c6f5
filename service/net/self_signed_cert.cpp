#include "service/net/self_signed_cert.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>

#include "service/net/io_wait.h"
#include "service/net/openssl_error.h"

namespace chainmail {
namespace {

constexpr long kValidityDays = 825;
constexpr long kBackdateSeconds = 3600;

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;

Status OpenSslFailure(const std::string& what) {
  return Status::IoError("self-signed certificate: " + what + ": " + TakeOpenSslErrors());
}

bool IsDnsName(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

Status SetRandomSerial(X509* cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return OpenSslFailure("random serial");
  bytes[0] &= 0x7f;  // DER INTEGER serials must be positive
  BnPtr serial(BN_bin2bn(bytes, sizeof bytes, nullptr));
  if (!serial || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert))) {
    return OpenSslFailure("serial number");
  }
  return Status::Ok();
}

Status AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return OpenSslFailure("extension " + value);
  int added = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return added == 1 ? Status::Ok() : OpenSslFailure("extension " + value);
}

Result<X509Ptr> BuildCertificate(EVP_PKEY* key, const std::string& hostname) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) return OpenSslFailure("X509");
  if (Status s = SetRandomSerial(cert.get()); !s.ok()) return s;
  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto* cn = reinterpret_cast<const unsigned char*>(hostname.c_str());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, cn, -1, -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1 ||
      !X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kBackdateSeconds) ||
      !X509_time_adj_ex(X509_getm_notAfter(cert.get()), kValidityDays, 0, nullptr) ||
      X509_set_pubkey(cert.get(), key) != 1) {
    return OpenSslFailure("certificate fields");
  }
  std::string san = "DNS:" + hostname;
  if (hostname != "localhost") san += ",DNS:localhost";
  san += ",IP:127.0.0.1,IP:::1";
  const std::pair<int, std::string> extensions[] = {
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, "critical,digitalSignature"},
      {NID_ext_key_usage, "serverAuth"},
      {NID_subject_alt_name, san},
      {NID_subject_key_identifier, "hash"},
  };
  for (const auto& [nid, value] : extensions) {
    if (Status s = AddExtension(cert.get(), nid, value); !s.ok()) return s;
  }
  if (X509_sign(cert.get(), key, EVP_sha256()) == 0) return OpenSslFailure("signing");
  return cert;
}

template <typename WritePem>
Result<std::string> ToPem(WritePem write) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) return OpenSslFailure("PEM encoding");
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}

// Writes `contents` to a new temporary file created with `mode` (never widened later),
// syncs it and renames it to `path`, refusing to replace a file that appeared meanwhile.
Status WriteFileAtomically(const std::string& path, const std::string& contents, mode_t mode) {
  unsigned char nonce[8];
  if (RAND_bytes(nonce, sizeof nonce) != 1) return OpenSslFailure("random file name");
  char suffix[2 * sizeof nonce + 1];
  for (size_t i = 0; i < sizeof nonce; ++i) snprintf(suffix + 2 * i, 3, "%02x", nonce[i]);
  const std::string temp = path + ".tmp-" + suffix;
  auto fail = [&](const std::string& what) {
    Status status = Status::IoError(what + " " + path + ": " + ErrnoText(errno));
    unlink(temp.c_str());
    return status;
  };
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Status::IoError("cannot create " + temp + ": " + ErrnoText(errno));
  for (size_t done = 0; done < contents.size();) {
    ssize_t n = write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      close(fd);
      return fail("cannot write");
    }
    done += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) {
    close(fd);
    return fail("cannot sync");
  }
  close(fd);
  if (renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) != 0) {
    return fail("cannot create");
  }
  std::string dir = path.substr(0, path.find_last_of('/') + 1);
  int dir_fd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    fsync(dir_fd);
    close(dir_fd);
  }
  return Status::Ok();
}

}  // namespace

Status EnsureSelfSignedCertificate(const std::string& cert_path, const std::string& key_path,
                                   const std::string& hostname) {
  bool have_cert = Exists(cert_path);
  bool have_key = Exists(key_path);
  if (have_cert && have_key) return Status::Ok();
  if (have_cert != have_key) {
    const std::string& present = have_cert ? cert_path : key_path;
    const std::string& missing = have_cert ? key_path : cert_path;
    return Status::InvalidArgument("TLS " + std::string(have_cert ? "certificate " : "key ") +
                                   present + " exists but " + missing +
                                   " does not: provide both, or neither to have a "
                                   "self-signed pair created");
  }
  if (!IsDnsName(hostname)) {
    return Status::InvalidArgument("self-signed certificate: \"" + hostname +
                                   "\" is not a DNS host name");
  }
  ERR_clear_error();
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return OpenSslFailure("EC P-256 key generation");
  Result<X509Ptr> cert = BuildCertificate(key.get(), hostname);
  if (!cert.ok()) return cert.status();
  Result<std::string> key_pem = ToPem([&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  Result<std::string> cert_pem =
      ToPem([&](BIO* bio) { return PEM_write_bio_X509(bio, cert->get()); });
  if (!key_pem.ok()) return key_pem.status();
  if (!cert_pem.ok()) return cert_pem.status();

  if (Status s = WriteFileAtomically(key_path, *key_pem, 0600); !s.ok()) return s;
  if (Status s = WriteFileAtomically(cert_path, *cert_pem, 0644); !s.ok()) {
    unlink(key_path.c_str());  // never leave a key without its certificate behind
    return s;
  }
  return Status::Ok();
}

}  // namespace chainmail
