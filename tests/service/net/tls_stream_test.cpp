#include "service/net/tls_stream.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "service/net/self_signed_cert.h"
#include "service/net/wake_event.h"
#include "tests/service/net/temp_dir.h"

namespace chainmail {
namespace {

using namespace std::chrono_literals;

// A connected socket pair, a server context with a fresh certificate, and a blocking
// OpenSSL client on the other end.
class TlsStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds_), 0);
    ASSERT_TRUE(EnsureSelfSignedCertificate(dir_.File("c"), dir_.File("k"), "mx").ok());
    auto context = TlsServerContext::FromPemFiles(dir_.File("c"), dir_.File("k"));
    ASSERT_TRUE(context.ok()) << context.status().message();
    context_ = *context;
    client_ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(client_ctx_, dir_.File("c").c_str(), nullptr);
    SSL_CTX_set_verify(client_ctx_, SSL_VERIFY_PEER, nullptr);
    client_ = SSL_new(client_ctx_);
    SSL_set_fd(client_, fds_[1]);
  }
  void TearDown() override {
    if (client_thread_.joinable()) client_thread_.join();
    SSL_free(client_);
    SSL_CTX_free(client_ctx_);
    close(fds_[0]);
    close(fds_[1]);
  }
  void ConnectClientInBackground() {
    client_thread_ = std::thread([this] { client_connected_ = SSL_connect(client_) == 1; });
  }
  std::unique_ptr<TlsStream> AcceptOrFail() {
    ConnectClientInBackground();
    auto stream = TlsStream::Accept(*context_, fds_[0], 5s, -1);
    EXPECT_TRUE(stream.ok()) << stream.status().message();
    client_thread_.join();
    EXPECT_TRUE(client_connected_);
    return stream.ok() ? std::move(*stream) : nullptr;
  }

  testing::TempDir dir_;
  int fds_[2] = {-1, -1};
  std::shared_ptr<TlsServerContext> context_;
  SSL_CTX* client_ctx_ = nullptr;
  SSL* client_ = nullptr;
  std::thread client_thread_;
  bool client_connected_ = false;
};

TEST_F(TlsStreamTest, HandshakeReportsNegotiatedProtocolAndIanaCipher) {
  std::unique_ptr<TlsStream> stream = AcceptOrFail();
  ASSERT_TRUE(stream);
  EXPECT_EQ(stream->protocol(), SSL_get_version(client_));
  EXPECT_EQ(stream->protocol(), "TLSv1.3");
  EXPECT_EQ(stream->cipher(), SSL_CIPHER_standard_name(SSL_get_current_cipher(client_)));
  EXPECT_EQ(stream->cipher().rfind("TLS_", 0), 0u) << stream->cipher();
}

TEST_F(TlsStreamTest, BytesCrossBothWaysAndCloseNotifyIsEof) {
  std::unique_ptr<TlsStream> stream = AcceptOrFail();
  ASSERT_TRUE(stream);
  ASSERT_TRUE(stream->Write("220 hello\r\n", 1s, -1).ok());
  char in[64];
  int n = SSL_read(client_, in, sizeof in);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(in, n), "220 hello\r\n");

  ASSERT_EQ(SSL_write(client_, "EHLO x\r\n", 8), 8);
  ReadResult read = stream->Read(in, sizeof in, 1s, -1);
  ASSERT_EQ(read.kind, ReadResult::Kind::kData) << read.error;
  EXPECT_EQ(std::string(in, read.size), "EHLO x\r\n");

  SSL_shutdown(client_);
  EXPECT_EQ(stream->Read(in, sizeof in, 1s, -1).kind, ReadResult::Kind::kEof);
}

TEST_F(TlsStreamTest, ReadTimesOutWhenPeerIsSilent) {
  std::unique_ptr<TlsStream> stream = AcceptOrFail();
  ASSERT_TRUE(stream);
  char in[64];
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(stream->Read(in, sizeof in, 200ms, -1).kind, ReadResult::Kind::kTimeout);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
}

TEST_F(TlsStreamTest, HandshakeTimesOutWhenClientSendsNothing) {
  auto start = std::chrono::steady_clock::now();
  auto stream = TlsStream::Accept(*context_, fds_[0], 300ms, -1);
  ASSERT_FALSE(stream.ok());
  EXPECT_NE(stream.status().message().find("timed out"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(TlsStreamTest, HandshakeEndsWhenInterrupted) {
  auto wake = WakeEvent::Create();
  ASSERT_TRUE(wake.ok());
  std::thread waker([&] {
    std::this_thread::sleep_for(100ms);
    (*wake)->Set();
  });
  auto stream = TlsStream::Accept(*context_, fds_[0], 30s, (*wake)->fd());
  waker.join();
  ASSERT_FALSE(stream.ok());
  EXPECT_NE(stream.status().message().find("interrupted"), std::string::npos);
}

TEST_F(TlsStreamTest, PlaintextInsteadOfClientHelloFailsHandshake) {
  ASSERT_EQ(write(fds_[1], "EHLO plain\r\n", 12), 12);
  auto stream = TlsStream::Accept(*context_, fds_[0], 2s, -1);
  ASSERT_FALSE(stream.ok());
  EXPECT_NE(stream.status().message().find("TLS handshake"), std::string::npos);
}

}  // namespace
}  // namespace chainmail
