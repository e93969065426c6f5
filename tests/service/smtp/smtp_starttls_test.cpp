// SmtpSession STARTTLS (RFC 3207): availability, arguments, discarding every plaintext
// byte after the command, and the reset to the initial state after the handshake.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "tests/service/smtp/session_harness.h"

namespace chainmail::testing {
namespace {

SmtpSessionConfig TlsConfig() {
  SmtpSessionConfig config = TestConfig();
  config.tls_available = true;
  return config;
}

TEST(SmtpStarttlsTest, StarttlsWithoutCertificateIs502) {
  SessionHarness h;
  h.Send("EHLO c\r\n");
  EXPECT_EQ(h.Send("STARTTLS\r\n"), "502 5.5.1 Command not implemented\r\n");
  EXPECT_FALSE(h.session.WantsStartTls());
}

TEST(SmtpStarttlsTest, StarttlsWithArgumentIs501) {
  SessionHarness h(TlsConfig());
  h.Send("EHLO c\r\n");
  EXPECT_EQ(h.Send("STARTTLS now\r\n"), "501 5.5.4 Syntax: no arguments allowed\r\n");
  EXPECT_FALSE(h.session.WantsStartTls());
}

TEST(SmtpStarttlsTest, StarttlsInsideTransactionIs503) {
  SessionHarness h(TlsConfig());
  h.Send("EHLO c\r\nMAIL FROM:<a@b.example>\r\n");
  EXPECT_EQ(h.Send("STARTTLS\r\n"), "503 5.5.1 Error: MAIL transaction in progress\r\n");
}

TEST(SmtpStarttlsTest, PlaintextAfterStarttlsIsDiscarded) {
  SessionHarness h(TlsConfig());
  h.Send("EHLO c\r\n");
  EXPECT_EQ(h.Send("STARTTLS\r\nMAIL FROM:<evil@x.example>\r\nRCPT TO:<j@journal.test>\r\n"),
            "220 2.0.0 Ready to start TLS\r\n");
  EXPECT_TRUE(h.session.WantsStartTls());
  EXPECT_EQ(h.Send("NOOP\r\n"), "");  // before the handshake: still discarded
  h.session.TlsStarted("TLSv1.3", "TLS_AES_256_GCM_SHA384");
  EXPECT_FALSE(h.session.WantsStartTls());
  h.Send("EHLO c\r\n");
  EXPECT_EQ(h.Send("RCPT TO:<j@journal.test>\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
}

// The session stops taking input when its replies pass a bound; a STARTTLS that arrives
// in the rest still discards every plaintext byte after it.
TEST(SmtpStarttlsTest, PlaintextAfterStarttlsIsDiscardedWhenRepliesReachTheBound) {
  SessionHarness h(TlsConfig());
  std::string input;
  while (input.size() < 64 * 1024) input += "EHLO c\r\n";
  input += "STARTTLS\r\nMAIL FROM:<evil@x.example>\r\n";
  std::string_view rest = input;
  rest.remove_prefix(h.session.Receive(rest));
  ASSERT_FALSE(rest.empty());
  EXPECT_FALSE(h.session.WantsStartTls());
  h.session.TakeOutput();
  std::string output;
  while (!rest.empty()) {
    rest.remove_prefix(h.session.Receive(rest));
    output += h.session.TakeOutput();
  }
  ASSERT_GE(output.size(), 30u);
  EXPECT_EQ(output.substr(output.size() - 30), "220 2.0.0 Ready to start TLS\r\n");
  EXPECT_TRUE(h.session.WantsStartTls());
  h.session.TlsStarted("TLSv1.3", "TLS_AES_256_GCM_SHA384");
  h.Send("EHLO c\r\n");
  EXPECT_EQ(h.Send("RCPT TO:<j@journal.test>\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
}

TEST(SmtpStarttlsTest, PartialPlaintextLineBeforeHandshakeIsDiscarded) {
  SessionHarness h(TlsConfig());
  h.Send("EHLO c\r\n");
  EXPECT_EQ(h.Send("STARTTLS\r\nMAIL FR"), "220 2.0.0 Ready to start TLS\r\n");
  h.session.TlsStarted("TLSv1.3", "TLS_AES_128_GCM_SHA256");
  h.Send("EHLO c\r\n");
  // Had "MAIL FR" survived, this would complete a MAIL command.
  EXPECT_EQ(h.Send("OM:<evil@x.example>\r\n"), "500 5.5.1 Command unrecognized\r\n");
}

TEST(SmtpStarttlsTest, StarttlsResetsStateAndIsNotOfferedAgain) {
  SessionHarness h(TlsConfig());
  h.Send("EHLO c\r\nSTARTTLS\r\n");
  h.session.TlsStarted("TLSv1.3", "TLS_AES_256_GCM_SHA384");
  EXPECT_EQ(h.Send("MAIL FROM:<a@b.example>\r\n"), "503 5.5.1 Error: send HELO/EHLO first\r\n");
  EXPECT_EQ(h.Send("EHLO secure.example\r\n"), kEhloReply);
  EXPECT_EQ(h.Send("STARTTLS\r\n"), "503 5.5.1 Error: TLS already active\r\n");
  h.Send("MAIL FROM:<a@b.example>\r\nRCPT TO:<j@journal.test>\r\nDATA\r\nx\r\n.\r\n");
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  const MessagePayload& e = h.ingest.committed[0].envelope;
  EXPECT_EQ(e.tls_protocol, "TLSv1.3");
  EXPECT_EQ(e.tls_cipher, "TLS_AES_256_GCM_SHA384");
  EXPECT_EQ(e.helo_name, "secure.example");
}

}  // namespace
}  // namespace chainmail::testing
