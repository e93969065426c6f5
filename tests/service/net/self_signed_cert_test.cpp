#include "service/net/self_signed_cert.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>

#include "tests/service/net/temp_dir.h"

namespace chainmail {
namespace {

using testing::TempDir;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr LoadCertificate(const std::string& path) {
  FILE* file = fopen(path.c_str(), "r");
  if (file == nullptr) return nullptr;
  X509Ptr cert(PEM_read_X509(file, nullptr, nullptr, nullptr));
  fclose(file);
  return cert;
}

class SelfSignedCertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    Status status = EnsureSelfSignedCertificate(cert_path_, key_path_, "mx.example.test");
    ASSERT_TRUE(status.ok()) << status.message();
    cert_ = LoadCertificate(cert_path_);
    ASSERT_TRUE(cert_);
  }

  TempDir dir_;
  std::string cert_path_ = dir_.File("smtp.crt");
  std::string key_path_ = dir_.File("smtp.key");
  X509Ptr cert_;
};

TEST_F(SelfSignedCertTest, KeyFileIsOwnerOnlyCertificateIsPublic) {
  struct stat st;
  ASSERT_EQ(stat(key_path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_NE(ReadFile(key_path_).find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  mode_t mask = umask(0);
  umask(mask);
  ASSERT_EQ(stat(cert_path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644 & ~mask);
}

TEST_F(SelfSignedCertTest, CertificateVerifiesAsSelfSigned) {
  EVP_PKEY* key = X509_get0_pubkey(cert_.get());
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(X509_verify(cert_.get(), key), 1);
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(cert_.get()), X509_get_issuer_name(cert_.get())),
            0);
  EXPECT_EQ(X509_get_version(cert_.get()), X509_VERSION_3);
  EXPECT_EQ(EVP_PKEY_get_base_id(key), EVP_PKEY_EC);
  EXPECT_EQ(EVP_PKEY_get_bits(key), 256);
}

TEST_F(SelfSignedCertTest, KeyFileHoldsTheCertificateKey) {
  FILE* file = fopen(key_path_.c_str(), "r");
  ASSERT_NE(file, nullptr);
  EVP_PKEY* key = PEM_read_PrivateKey(file, nullptr, nullptr, nullptr);
  fclose(file);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(X509_check_private_key(cert_.get(), key), 1);
  EVP_PKEY_free(key);
}

TEST_F(SelfSignedCertTest, SubjectAltNamesCoverHostAndLoopback) {
  X509* cert = cert_.get();
  EXPECT_EQ(X509_check_host(cert, "mx.example.test", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert, "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert, "::1", 0), 1);
  EXPECT_NE(X509_check_host(cert, "other.example.test", 0, 0, nullptr), 1);
  EXPECT_NE(X509_check_ip_asc(cert, "127.0.0.2", 0), 1);
}

TEST_F(SelfSignedCertTest, ServerOnlyNonCaExtensions) {
  X509* cert = cert_.get();
  EXPECT_EQ(X509_check_ca(cert), 0);
  EXPECT_EQ(X509_get_key_usage(cert), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(X509_get_extended_key_usage(cert), static_cast<uint32_t>(XKU_SSL_SERVER));
  EXPECT_EQ(X509_check_purpose(cert, X509_PURPOSE_SSL_SERVER, 0), 1);
}

TEST_F(SelfSignedCertTest, ValidFromAnHourAgoFor825Days) {
  time_t now = time(nullptr);
  time_t just_before = now - 3600 + 60;
  time_t just_after = now - 3600 - 60;
  EXPECT_LT(X509_cmp_time(X509_get0_notBefore(cert_.get()), &just_before), 0);
  EXPECT_GT(X509_cmp_time(X509_get0_notBefore(cert_.get()), &just_after), 0);
  time_t end_low = now + 825L * 86400 - 60;
  time_t end_high = now + 825L * 86400 + 60;
  EXPECT_GT(X509_cmp_time(X509_get0_notAfter(cert_.get()), &end_low), 0);
  EXPECT_LT(X509_cmp_time(X509_get0_notAfter(cert_.get()), &end_high), 0);
}

TEST_F(SelfSignedCertTest, SerialIsRandomAndPositive) {
  TempDir other;
  ASSERT_TRUE(EnsureSelfSignedCertificate(other.File("c"), other.File("k"), "mx").ok());
  X509Ptr second = LoadCertificate(other.File("c"));
  ASSERT_TRUE(second);
  const ASN1_INTEGER* a = X509_get0_serialNumber(cert_.get());
  const ASN1_INTEGER* b = X509_get0_serialNumber(second.get());
  EXPECT_NE(ASN1_INTEGER_cmp(a, b), 0);
  EXPECT_GE(ASN1_STRING_length(a), 15);            // ~128 bits
  EXPECT_EQ(ASN1_STRING_type(a), V_ASN1_INTEGER);  // not V_ASN1_NEG_INTEGER
}

TEST_F(SelfSignedCertTest, ExistingPairIsLeftUntouched) {
  const std::string cert_before = ReadFile(cert_path_);
  const std::string key_before = ReadFile(key_path_);
  ASSERT_TRUE(EnsureSelfSignedCertificate(cert_path_, key_path_, "mx.example.test").ok());
  EXPECT_EQ(ReadFile(cert_path_), cert_before);
  EXPECT_EQ(ReadFile(key_path_), key_before);
}

TEST_F(SelfSignedCertTest, RefusesWhenOnlyTheKeyExists) {
  ASSERT_EQ(remove(cert_path_.c_str()), 0);
  Status status = EnsureSelfSignedCertificate(cert_path_, key_path_, "mx.example.test");
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(status.message().find(cert_path_), std::string::npos) << status.message();
  EXPECT_FALSE(LoadCertificate(cert_path_));
}

TEST_F(SelfSignedCertTest, RefusesWhenOnlyTheCertificateExists) {
  const std::string key_before = ReadFile(key_path_);
  ASSERT_EQ(remove(key_path_.c_str()), 0);
  Status status = EnsureSelfSignedCertificate(cert_path_, key_path_, "mx.example.test");
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(status.message().find(key_path_), std::string::npos) << status.message();
  struct stat st;
  EXPECT_NE(stat(key_path_.c_str(), &st), 0);
}

TEST(SelfSignedCertNameTest, RefusesHostnameThatIsNotADnsName) {
  TempDir dir;
  Status status = EnsureSelfSignedCertificate(dir.File("c"), dir.File("k"), "a,IP:10.0.0.1");
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument);
  struct stat st;
  EXPECT_NE(stat(dir.File("k").c_str(), &st), 0);
}

TEST(SelfSignedCertNameTest, MissingDirectoryIsAnIoErrorNamingThePath) {
  TempDir dir;
  std::string key = dir.File("absent/k");
  Status status = EnsureSelfSignedCertificate(dir.File("absent/c"), key, "mx");
  EXPECT_EQ(status.code(), Status::Code::kIoError);
  EXPECT_NE(status.message().find(key), std::string::npos) << status.message();
}

}  // namespace
}  // namespace chainmail
