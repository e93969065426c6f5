// SmtpServer with STARTTLS: a certificate generated in the test, a client that verifies
// it, the negotiated protocol and cipher recorded per message, legacy TLS refused,
// plaintext injection discarded, and Python's smtplib as an independent client.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <cstdio>
#include <fstream>

#include "service/net/self_signed_cert.h"
#include "service/net/smtp_server.h"
#include "tests/service/net/recording_ingest.h"
#include "tests/service/net/server_test_support.h"
#include "tests/service/net/temp_dir.h"

namespace chainmail {
namespace {

using namespace std::chrono_literals;
using testing::ConnectOrFail;
using testing::LoopbackOptions;
using testing::RecordingIngest;
using testing::SmtpTestClient;
using testing::TempDir;
using testing::TlsClientOptions;
using testing::WaitFor;

class SmtpServerTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Status made = EnsureSelfSignedCertificate(cert_path_, dir_.File("smtp.key"), "mx.test");
    ASSERT_TRUE(made.ok()) << made.message();
    auto tls = TlsServerContext::FromPemFiles(cert_path_, dir_.File("smtp.key"));
    ASSERT_TRUE(tls.ok()) << tls.status().message();
    options_.tls = *tls;
  }
  void StartServer() {
    server_ = std::make_unique<SmtpServer>(options_, ingest_);
    Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started.message();
  }
  // Connected, EHLO'd, "STARTTLS" answered with 220: ready for the client handshake.
  std::unique_ptr<SmtpTestClient> ConnectToStartTls() {
    auto client = ConnectOrFail(server_->port());
    if (!client) return nullptr;
    EXPECT_REPLY(client->ReadReply(), "220 ");
    std::string ehlo = client->Command("EHLO client.test");
    EXPECT_NE(ehlo.find("STARTTLS"), std::string::npos) << ehlo;
    EXPECT_REPLY(client->Command("STARTTLS"), "220 2.0.0");
    return client;
  }
  TlsClientOptions Verifying() const {
    TlsClientOptions options;
    options.ca_file = cert_path_;
    return options;
  }

  TempDir dir_;
  std::string cert_path_ = dir_.File("smtp.crt");
  SmtpServerOptions options_ = LoopbackOptions();
  RecordingIngest ingest_;
  std::unique_ptr<SmtpServer> server_;
};

TEST_F(SmtpServerTlsTest, StarttlsRecordsProtocolAndCipher) {
  StartServer();
  auto client = ConnectToStartTls();
  ASSERT_TRUE(client);
  Status tls = client->StartTls(Verifying());
  ASSERT_TRUE(tls.ok()) << tls.message();
  std::string ehlo = client->Command("EHLO client.test");
  EXPECT_REPLY(ehlo, "250-mx.test");
  EXPECT_EQ(ehlo.find("STARTTLS"), std::string::npos) << "not offered twice: " << ehlo;
  EXPECT_REPLY(client->Command("MAIL FROM:<a@example.test>"), "250");
  EXPECT_REPLY(client->Command("RCPT TO:<j@example.test>"), "250");
  EXPECT_REPLY(client->Command("DATA"), "354");
  ASSERT_TRUE(client->Send("Subject: secret\r\n\r\nover TLS\r\n.\r\n"));
  EXPECT_REPLY(client->ReadReply(), "250 2.0.0 Ok: archived");

  auto messages = ingest_.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].bytes, "Subject: secret\r\n\r\nover TLS\r\n");
  EXPECT_EQ(messages[0].envelope.tls_protocol, client->tls_protocol());
  EXPECT_EQ(messages[0].envelope.tls_protocol, "TLSv1.3");
  EXPECT_EQ(messages[0].envelope.tls_cipher, client->tls_cipher());
  EXPECT_FALSE(messages[0].envelope.tls_cipher.empty());
}

TEST_F(SmtpServerTlsTest, Tls12ClientIsAccepted) {
  StartServer();
  auto client = ConnectToStartTls();
  ASSERT_TRUE(client);
  TlsClientOptions options = Verifying();
  options.max_version = TLS1_2_VERSION;
  ASSERT_TRUE(client->StartTls(options).ok());
  EXPECT_EQ(client->tls_protocol(), "TLSv1.2");
  EXPECT_REPLY(client->Command("EHLO client.test"), "250");
}

TEST_F(SmtpServerTlsTest, Tls11OnlyClientIsRefused) {
  StartServer();
  auto client = ConnectToStartTls();
  ASSERT_TRUE(client);
  TlsClientOptions options = Verifying();
  options.allow_legacy = true;
  options.min_version = TLS1_VERSION;
  options.max_version = TLS1_1_VERSION;
  Status tls = client->StartTls(options);
  EXPECT_FALSE(tls.ok());
  // Refused for its version (alert protocol_version), not for some other reason.
  EXPECT_NE(tls.message().find("protocol version"), std::string::npos) << tls.message();
  EXPECT_TRUE(client->WaitForClose(2s));
  EXPECT_TRUE(WaitFor([&] { return server_->active_connections() == 0; }));
}

TEST_F(SmtpServerTlsTest, PlaintextInjectedAfterStarttlsIsNotExecuted) {
  StartServer();
  auto client = ConnectOrFail(server_->port());
  ASSERT_TRUE(client);
  EXPECT_REPLY(client->ReadReply(), "220 ");
  EXPECT_REPLY(client->Command("EHLO client.test"), "250");
  // One packet: STARTTLS plus commands a man in the middle appended in plaintext.
  ASSERT_TRUE(client->Send("STARTTLS\r\nMAIL FROM:<injected@evil.test>\r\nRSET\r\n"));
  EXPECT_REPLY(client->ReadReply(), "220 2.0.0");
  ASSERT_TRUE(client->StartTls(Verifying()).ok());
  // The first reply inside TLS answers our EHLO, not an injected command.
  EXPECT_REPLY(client->Command("EHLO client.test"), "250-mx.test");
  // No MAIL transaction survived the upgrade.
  EXPECT_REPLY(client->Command("RCPT TO:<j@example.test>"), "503");
}

TEST_F(SmtpServerTlsTest, PlaintextInsteadOfHandshakeClosesConnection) {
  StartServer();
  auto client = ConnectToStartTls();
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->Send("EHLO still-plain\r\n"));
  std::string rest;
  EXPECT_TRUE(client->WaitForClose(3s, &rest));
  EXPECT_EQ(rest.find("250"), std::string::npos) << "answered in plaintext: " << rest;
}

TEST_F(SmtpServerTlsTest, SilentClientAfterStarttlsTimesOut) {
  options_.command_timeout = 1s;
  StartServer();
  auto client = ConnectToStartTls();
  ASSERT_TRUE(client);
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client->WaitForClose(4s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(SmtpServerTlsTest, NoStarttlsWithoutCertificate) {
  options_.tls = nullptr;
  StartServer();
  auto client = ConnectOrFail(server_->port());
  ASSERT_TRUE(client);
  EXPECT_REPLY(client->ReadReply(), "220 ");
  EXPECT_EQ(client->Command("EHLO client.test").find("STARTTLS"), std::string::npos);
  EXPECT_REPLY(client->Command("STARTTLS"), "502");
}

// Python's smtplib with ssl.create_default_context(cafile=...): an independent client
// that checks the certificate (IP SAN for 127.0.0.1) the way real senders do.
TEST_F(SmtpServerTlsTest, PythonSmtplibDeliversOverStarttls) {
  if (std::system("python3 -c 'import smtplib, ssl' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3 not available";
  }
  StartServer();
  const std::string script = dir_.File("send.py");
  std::ofstream(script) << R"(import smtplib, ssl, sys
port, cafile = int(sys.argv[1]), sys.argv[2]
with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
    smtp.ehlo("python.test")
    smtp.starttls(context=ssl.create_default_context(cafile=cafile))
    smtp.ehlo("python.test")
    refused = smtp.sendmail("py@example.test", ["j@example.test"],
                            b"Subject: from python\r\n\r\nhello\r\n")
    sys.exit(1 if refused else 0)
)";
  const std::string command =
      "python3 " + script + " " + std::to_string(server_->port()) + " " + cert_path_ + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char line[512];
  while (fgets(line, sizeof line, pipe) != nullptr) output += line;
  EXPECT_EQ(pclose(pipe), 0) << output;

  auto messages = ingest_.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].bytes, "Subject: from python\r\n\r\nhello\r\n");
  EXPECT_EQ(messages[0].envelope.helo_name, "python.test");
  EXPECT_EQ(messages[0].envelope.tls_protocol, "TLSv1.3");
}

}  // namespace
}  // namespace chainmail
