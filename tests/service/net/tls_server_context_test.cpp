#include "service/net/tls_server_context.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <cstdio>

#include "service/net/self_signed_cert.h"
#include "tests/service/net/temp_dir.h"

namespace chainmail {
namespace {

using testing::TempDir;

TEST(TlsServerContextTest, LoadsGeneratedPairWithTls12Minimum) {
  TempDir dir;
  ASSERT_TRUE(EnsureSelfSignedCertificate(dir.File("c"), dir.File("k"), "mx").ok());
  auto context = TlsServerContext::FromPemFiles(dir.File("c"), dir.File("k"));
  ASSERT_TRUE(context.ok()) << context.status().message();
  SSL_CTX* ctx = (*context)->native();
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
  EXPECT_NE(SSL_CTX_get_options(ctx) & SSL_OP_NO_COMPRESSION, 0u);
  EXPECT_NE(SSL_CTX_get_options(ctx) & SSL_OP_NO_RENEGOTIATION, 0u);
}

TEST(TlsServerContextTest, MissingCertificateNamesFileAndOpenSslReason) {
  TempDir dir;
  auto context = TlsServerContext::FromPemFiles(dir.File("absent.crt"), dir.File("absent.key"));
  ASSERT_FALSE(context.ok());
  const std::string& message = context.status().message();
  EXPECT_NE(message.find("absent.crt"), std::string::npos) << message;
  EXPECT_NE(message.find("error:"), std::string::npos) << message;  // OpenSSL's text
}

TEST(TlsServerContextTest, KeyOfAnotherCertificateIsRejected) {
  TempDir one, two;
  ASSERT_TRUE(EnsureSelfSignedCertificate(one.File("c"), one.File("k"), "mx").ok());
  ASSERT_TRUE(EnsureSelfSignedCertificate(two.File("c"), two.File("k"), "mx").ok());
  auto context = TlsServerContext::FromPemFiles(one.File("c"), two.File("k"));
  ASSERT_FALSE(context.ok());
  EXPECT_NE(context.status().message().find("mismatch"), std::string::npos)
      << context.status().message();
}

TEST(TlsServerContextTest, GarbageKeyFileIsRejected) {
  TempDir dir;
  ASSERT_TRUE(EnsureSelfSignedCertificate(dir.File("c"), dir.File("k"), "mx").ok());
  FILE* file = fopen(dir.File("bad.key").c_str(), "w");
  ASSERT_NE(file, nullptr);
  fputs("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n", file);
  fclose(file);
  auto context = TlsServerContext::FromPemFiles(dir.File("c"), dir.File("bad.key"));
  ASSERT_FALSE(context.ok());
  EXPECT_NE(context.status().message().find("bad.key"), std::string::npos);
}

}  // namespace
}  // namespace chainmail
