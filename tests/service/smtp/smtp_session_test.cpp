// SmtpSession: greeting, EHLO/HELO, MAIL, RCPT, the small commands, limits, the denied
// client and the closing replies. DATA, BDAT and STARTTLS have their own files.
#include "service/smtp/smtp_session.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "tests/service/smtp/session_harness.h"

namespace chainmail::testing {
namespace {

TEST(SmtpSessionTest, GreetingNamesHostAndEsmtp) {
  SessionHarness h;
  EXPECT_EQ(h.session.Greeting(), "220 journal.test ESMTP chainmail\r\n");
  EXPECT_FALSE(h.session.WantsClose());
}

TEST(SmtpSessionTest, EhloAdvertisesExtensionsWithoutStarttlsWhenNoCertificate) {
  SessionHarness h;
  EXPECT_EQ(h.Send("EHLO client.example\r\n"), kEhloReply);
}

TEST(SmtpSessionTest, EhloAdvertisesStarttlsWhenAvailable) {
  SmtpSessionConfig config = TestConfig();
  config.tls_available = true;
  config.max_message_bytes = 52428800;
  SessionHarness h(config);
  EXPECT_EQ(h.Send("EHLO client.example\r\n"),
            "250-journal.test\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n"
            "250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n250-CHUNKING\r\n250 STARTTLS\r\n");
}

TEST(SmtpSessionTest, HeloRepliesOneLine) {
  SessionHarness h;
  EXPECT_EQ(h.Send("HELO client.example\r\n"), "250 journal.test\r\n");
}

TEST(SmtpSessionTest, HelloWithoutArgumentIs501) {
  SessionHarness h;
  EXPECT_EQ(h.Send("EHLO\r\n"), "501 5.5.4 Syntax: EHLO hostname\r\n");
  EXPECT_EQ(h.Send("EHLO   \r\n"), "501 5.5.4 Syntax: EHLO hostname\r\n");
  EXPECT_EQ(h.Send("HELO\r\n"), "501 5.5.4 Syntax: HELO hostname\r\n");
  EXPECT_EQ(h.Send("MAIL FROM:<a@b.example>\r\n"), "503 5.5.1 Error: send HELO/EHLO first\r\n");
}

TEST(SmtpSessionTest, CommandsAreCaseInsensitive) {
  SessionHarness h;
  EXPECT_EQ(Codes(h.Send("ehlo client.example\r\n")), "250 250 250 250 250 250 250");
  EXPECT_EQ(h.Send("mail from:<a@b.example>\r\n"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(h.Send("RcPt To:<j@journal.test>\r\n"), "250 2.1.5 Ok\r\n");
  EXPECT_EQ(h.Send("data\r\n"), "354 End data with <CR><LF>.<CR><LF>\r\n");
}

TEST(SmtpSessionTest, SmallCommands) {
  SessionHarness h;
  EXPECT_EQ(h.Send("NOOP\r\n"), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(h.Send("RSET\r\n"), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(h.Send("VRFY postmaster\r\n"), "252 2.5.0 Cannot VRFY user\r\n");
  EXPECT_EQ(h.Send("EXPN staff\r\n"), "502 5.5.1 Command not implemented\r\n");
  EXPECT_EQ(h.Send("HELP\r\n").substr(0, 10), "214 2.0.0 ");
  EXPECT_EQ(h.Send("FROB\r\n"), "500 5.5.1 Command unrecognized\r\n");
  EXPECT_EQ(h.Send("\r\n"), "500 5.5.1 Command unrecognized\r\n");
  EXPECT_FALSE(h.session.WantsClose());
}

TEST(SmtpSessionTest, QuitSaysByeClosesAndIgnoresTheRest) {
  SessionHarness h;
  EXPECT_EQ(h.Send("QUIT\r\nNOOP\r\n"), "221 2.0.0 Bye\r\n");
  EXPECT_TRUE(h.session.WantsClose());
  EXPECT_EQ(h.Send("NOOP\r\n"), "");
}

TEST(SmtpSessionTest, BareLfTerminatesCommands) {
  SessionHarness h;
  EXPECT_EQ(Codes(h.Send("EHLO client.example\nMAIL FROM:<a@b.example>\nNOOP\n")),
            "250 250 250 250 250 250 250 250 250");
}

TEST(SmtpSessionTest, MailBeforeHeloIs503) {
  SessionHarness h;
  EXPECT_EQ(h.Send("MAIL FROM:<a@b.example>\r\n"), "503 5.5.1 Error: send HELO/EHLO first\r\n");
}

TEST(SmtpSessionTest, MailAcceptsNullSender) {
  SessionHarness h;
  h.Send("EHLO c\r\n");
  EXPECT_EQ(h.Send("MAIL FROM:<>\r\n"), "250 2.1.0 Ok\r\n");
}

TEST(SmtpSessionTest, MailToleratesOneSpaceAfterColon) {
  SessionHarness h;
  h.Send("EHLO c\r\n");
  EXPECT_EQ(h.Send("MAIL FROM: <a@b.example>\r\n"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(Codes(h.Send("RCPT TO: <j@journal.test>\r\nDATA\r\nx\r\n.\r\n")), "250 354 250");
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  EXPECT_EQ(h.ingest.committed[0].envelope.mail_from, "<a@b.example>");
  EXPECT_EQ(h.ingest.committed[0].envelope.rcpt_to, std::vector<std::string>{"<j@journal.test>"});
}

TEST(SmtpSessionTest, MailBadPathIs501Sender) {
  for (const char* line :
       {"MAIL FROM:a@b.example", "MAIL FROM:<a@b.example", "MAIL FROM:<a@>",
        "MAIL FROM:<@b.example>", "MAIL FROM:<a b@c.example>", "MAIL FROM:  <a@b.example>",
        "MAIL FROM:<a@b.example>junk", "MAIL FROM:<a\x01@b.example>", "MAIL FROM:"}) {
    SessionHarness h;
    h.Send("EHLO c\r\n");
    EXPECT_EQ(h.Send(std::string(line) + "\r\n"), "501 5.1.7 Bad sender address syntax\r\n")
        << line;
  }
}

TEST(SmtpSessionTest, MailWithoutFromIs501Syntax) {
  SessionHarness h;
  h.Send("EHLO c\r\n");
  EXPECT_EQ(h.Send("MAIL TO:<a@b.example>\r\n"), "501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
  EXPECT_EQ(h.Send("MAIL\r\n"), "501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
}

TEST(SmtpSessionTest, NestedMailIs503) {
  SessionHarness h;
  h.Send("EHLO c\r\nMAIL FROM:<a@b.example>\r\n");
  EXPECT_EQ(h.Send("MAIL FROM:<c@d.example>\r\n"), "503 5.5.1 Error: nested MAIL command\r\n");
}

TEST(SmtpSessionTest, MailDeclaredSizeOverLimitIs552) {
  SessionHarness h;
  h.Send("EHLO c\r\n");
  EXPECT_EQ(h.Send("MAIL FROM:<a@b.example> SIZE=10001\r\n"),
            "552 5.3.4 Message size exceeds fixed maximum message size\r\n");
  EXPECT_EQ(h.Send("MAIL FROM:<a@b.example> SIZE=99999999999999999999999\r\n").substr(0, 9),
            "552 5.3.4");
  EXPECT_EQ(h.Send("MAIL FROM:<a@b.example> SIZE=10000\r\n"), "250 2.1.0 Ok\r\n");
}

TEST(SmtpSessionTest, MailParameters) {
  struct Case {
    const char* parameters;
    const char* reply;
  };
  for (const Case& c : {
           Case{" BODY=7BIT", "250 2.1.0 Ok"},
           Case{" body=8bitmime", "250 2.1.0 Ok"},
           Case{" SMTPUTF8", "250 2.1.0 Ok"},
           Case{" SIZE=5 BODY=8BITMIME SMTPUTF8", "250 2.1.0 Ok"},
           Case{" BODY=BINARYMIME", "555 5.5.4 Unsupported BODY type"},
           Case{" BODY", "555 5.5.4 Unsupported BODY type"},
           Case{" FOO=bar", "555 5.5.4 Unsupported parameter"},
           Case{" RET=HDRS", "555 5.5.4 Unsupported parameter"},
           Case{" SIZE=abc", "501 5.5.4 Syntax error in parameters"},
           Case{" SMTPUTF8=yes", "501 5.5.4 Syntax error in parameters"},
           Case{" =x", "501 5.5.4 Syntax error in parameters"},
       }) {
    SessionHarness h;
    h.Send("EHLO c\r\n");
    EXPECT_EQ(h.Send(std::string("MAIL FROM:<a@b.example>") + c.parameters + "\r\n"),
              std::string(c.reply) + "\r\n")
        << c.parameters;
  }
}

TEST(SmtpSessionTest, MailAcceptsUtf8Address) {
  SessionHarness h;
  h.Send("EHLO c\r\n");
  EXPECT_EQ(h.Send("MAIL FROM:<j\xc3\xb6rg@b\xc3\xbc"
                   "cher.example> SMTPUTF8\r\n"),
            "250 2.1.0 Ok\r\n");
}

TEST(SmtpSessionTest, MailParametersAfterHeloAre555) {
  SessionHarness h;
  h.Send("HELO c\r\n");
  EXPECT_EQ(h.Send("MAIL FROM:<a@b.example> SIZE=10\r\n"), "555 5.5.4 Unsupported parameter\r\n");
  EXPECT_EQ(h.Send("MAIL FROM:<a@b.example>\r\n"), "250 2.1.0 Ok\r\n");
}

TEST(SmtpSessionTest, RequireTlsRejectsMailBeforeStarttls) {
  SmtpSessionConfig config = TestConfig();
  config.require_tls = true;
  config.tls_available = true;
  SessionHarness h(config);
  h.Send("EHLO c\r\n");
  EXPECT_EQ(h.Send("MAIL FROM:<a@b.example>\r\n"),
            "530 5.7.0 Must issue a STARTTLS command first\r\n");
  h.Send("STARTTLS\r\n");
  h.session.TlsStarted("TLSv1.3", "TLS_AES_256_GCM_SHA384");
  h.Send("EHLO c\r\n");
  EXPECT_EQ(h.Send("MAIL FROM:<a@b.example>\r\n"), "250 2.1.0 Ok\r\n");
}

TEST(SmtpSessionTest, EhloAgainResetsTransaction) {
  SessionHarness h;
  h.Send("EHLO c\r\nMAIL FROM:<a@b.example>\r\n");
  EXPECT_EQ(Codes(h.Send("EHLO c\r\n")), "250 250 250 250 250 250 250");
  EXPECT_EQ(h.Send("RCPT TO:<j@journal.test>\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
  EXPECT_EQ(h.Send("MAIL FROM:<a@b.example>\r\n"), "250 2.1.0 Ok\r\n");
}

TEST(SmtpSessionTest, RsetDiscardsTransaction) {
  SessionHarness h;
  h.StartTransaction();
  EXPECT_EQ(h.Send("RSET\r\n"), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(h.Send("RCPT TO:<j@journal.test>\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
  EXPECT_EQ(h.Send("DATA\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
}

TEST(SmtpSessionTest, RcptBeforeMailIs503) {
  SessionHarness h;
  h.Send("EHLO c\r\n");
  EXPECT_EQ(h.Send("RCPT TO:<j@journal.test>\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
}

TEST(SmtpSessionTest, RcptBadPathIs501Recipient) {
  for (const char* line : {"RCPT TO:<>", "RCPT TO:j@journal.test", "RCPT TO:<j>",
                           "RCPT TO:<j@journal.test", "RCPT TO:<\"j@journal.test>"}) {
    SessionHarness h;
    h.Send("EHLO c\r\nMAIL FROM:<a@b.example>\r\n");
    EXPECT_EQ(h.Send(std::string(line) + "\r\n"), "501 5.1.3 Bad recipient address syntax\r\n")
        << line;
  }
}

TEST(SmtpSessionTest, RcptAcceptsPostmasterAndQuotedLocalPart) {
  SessionHarness h;
  h.Send("EHLO c\r\nMAIL FROM:<a@b.example>\r\n");
  EXPECT_EQ(h.Send("RCPT TO:<Postmaster>\r\n"), "250 2.1.5 Ok\r\n");
  EXPECT_EQ(h.Send("RCPT TO:<\"john doe\"@journal.test>\r\n"), "250 2.1.5 Ok\r\n");
  EXPECT_EQ(h.Send("RCPT TO:<@relay.example:j@journal.test>\r\n"), "250 2.1.5 Ok\r\n");
}

TEST(SmtpSessionTest, RcptWithoutToIs501Syntax) {
  SessionHarness h;
  h.Send("EHLO c\r\nMAIL FROM:<a@b.example>\r\n");
  EXPECT_EQ(h.Send("RCPT FROM:<j@journal.test>\r\n"), "501 5.5.4 Syntax: RCPT TO:<address>\r\n");
}

TEST(SmtpSessionTest, RcptParameterIs555) {
  SessionHarness h;
  h.Send("EHLO c\r\nMAIL FROM:<a@b.example>\r\n");
  EXPECT_EQ(h.Send("RCPT TO:<j@journal.test> NOTIFY=NEVER\r\n"),
            "555 5.5.4 Unsupported parameter\r\n");
}

TEST(SmtpSessionTest, RcptOutsideJournalRecipientsIs550) {
  SmtpSessionConfig config = TestConfig();
  config.journal_recipients = {"journal-7f3a@corp.example"};
  SessionHarness h(config);
  h.Send("EHLO c\r\nMAIL FROM:<a@b.example>\r\n");
  EXPECT_EQ(h.Send("RCPT TO:<ceo@corp.example>\r\n"),
            "550 5.1.1 <ceo@corp.example>: recipient not accepted here\r\n");
  EXPECT_EQ(h.Send("RCPT TO:<Journal-7F3A@Corp.Example>\r\n"), "250 2.1.5 Ok\r\n");
}

TEST(SmtpSessionTest, RecipientLimitIs452) {
  SessionHarness h;  // max_recipients = 3
  h.Send("EHLO c\r\nMAIL FROM:<a@b.example>\r\n");
  EXPECT_EQ(Codes(h.Send("RCPT TO:<a@j.test>\r\nRCPT TO:<b@j.test>\r\nRCPT TO:<c@j.test>\r\n")),
            "250 250 250");
  EXPECT_EQ(h.Send("RCPT TO:<d@j.test>\r\n"), "452 4.5.3 Too many recipients\r\n");
  EXPECT_EQ(Codes(h.Send("DATA\r\nx\r\n.\r\n")), "354 250");
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  EXPECT_EQ(h.ingest.committed[0].envelope.rcpt_to.size(), 3u);
}

TEST(SmtpSessionTest, LineTooLongIs500AndSessionContinues) {
  SessionHarness h;
  EXPECT_EQ(h.Send("NOOP " + std::string(600, 'x') + "\r\nNOOP\r\n"),
            "500 5.5.2 Line too long\r\n250 2.0.0 Ok\r\n");
  EXPECT_FALSE(h.session.WantsClose());
}

TEST(SmtpSessionTest, LineOfExactlyMaxLengthIsAccepted) {
  SessionHarness h;  // max_command_line = 512 including CRLF
  EXPECT_EQ(h.Send("NOOP " + std::string(505, 'x') + "\r\n"), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(h.Send("NOOP " + std::string(506, 'x') + "\r\n"), "500 5.5.2 Line too long\r\n");
}

TEST(SmtpSessionTest, LongLineArrivingInPiecesIsOne500) {
  SessionHarness h;
  std::string out;
  for (int i = 0; i < 100; ++i) out += h.Send(std::string(100, 'x'));
  EXPECT_EQ(out, "");
  EXPECT_EQ(h.Send("yyy\r\nNOOP\r\n"), "500 5.5.2 Line too long\r\n250 2.0.0 Ok\r\n");
}

TEST(SmtpSessionTest, TooManyErrorsCloses) {
  SessionHarness h;
  std::string out;
  for (int i = 0; i < 19; ++i) out += h.Send("FROB\r\n");
  EXPECT_FALSE(h.session.WantsClose());
  EXPECT_EQ(h.Send("FROB\r\nNOOP\r\n"),
            "500 5.5.1 Command unrecognized\r\n421 4.7.0 journal.test Too many errors\r\n");
  EXPECT_TRUE(h.session.WantsClose());
}

TEST(SmtpSessionTest, DeniedClientGets554ThenOnly503UntilQuit) {
  ConnectionInfo connection = TestConnection();
  connection.allowed = false;
  SessionHarness h(TestConfig(), connection);
  EXPECT_EQ(h.session.Greeting(),
            "554 5.7.1 192.0.2.7 not allowed; this server accepts mail only from configured "
            "networks\r\n");
  EXPECT_EQ(h.Send("EHLO c\r\n"), "503 5.5.1 Error: access denied\r\n");
  EXPECT_EQ(h.Send("MAIL FROM:<a@b.example>\r\nRCPT TO:<j@journal.test>\r\nDATA\r\n"),
            "503 5.5.1 Error: access denied\r\n503 5.5.1 Error: access denied\r\n"
            "503 5.5.1 Error: access denied\r\n");
  EXPECT_FALSE(h.session.WantsClose());
  EXPECT_EQ(h.Send("QUIT\r\n"), "221 2.0.0 Bye\r\n");
  EXPECT_TRUE(h.session.WantsClose());
  EXPECT_EQ(h.ingest.spools_begun, 0);
}

TEST(SmtpSessionTest, DeniedClientIsClosedAfterTooManyCommands) {
  ConnectionInfo connection = TestConnection();
  connection.allowed = false;
  SessionHarness h(TestConfig(), connection);
  std::string out;
  for (int i = 0; i < 20; ++i) out += h.Send("NOOP\r\n");
  EXPECT_TRUE(h.session.WantsClose());
  EXPECT_EQ(Lines(out).back(), "421 4.7.0 journal.test Too many errors");
}

TEST(SmtpSessionTest, TimeoutSends421AndCloses) {
  SessionHarness h;
  h.StartTransaction();
  h.session.OnTimeout();
  EXPECT_EQ(h.session.TakeOutput(), "421 4.4.2 journal.test Error: timeout exceeded\r\n");
  EXPECT_TRUE(h.session.WantsClose());
}

TEST(SmtpSessionTest, ShutdownSends421AndCloses) {
  SessionHarness h;
  h.session.OnShutdown();
  EXPECT_EQ(h.session.TakeOutput(), "421 4.3.2 journal.test Service shutting down\r\n");
  EXPECT_TRUE(h.session.WantsClose());
}

TEST(SmtpSessionTest, ShutdownInsideDataDropsTheSpool) {
  SessionHarness h;
  h.StartTransaction();
  h.Send("DATA\r\npartial");
  h.session.OnShutdown();
  EXPECT_EQ(h.session.TakeOutput(), "421 4.3.2 journal.test Service shutting down\r\n");
  EXPECT_EQ(h.ingest.spools_destroyed, 1);
  EXPECT_TRUE(h.ingest.committed.empty());
}

// 8,192 pipelined "EHLO a" (64 KiB) would earn 1.2 MB of replies: ~20 times the input,
// held for a client that need never read them.
std::string PipelinedEhlos(size_t count) {
  std::string input;
  for (size_t i = 0; i < count; ++i) input += "EHLO a\r\n";
  return input;
}
constexpr size_t kPendingOutputBound = 64 * 1024;

TEST(SmtpSessionTest, PipelinedRepliesStopPilingUpPastTheBound) {
  SessionHarness h;
  const std::string input = PipelinedEhlos(8192);
  (void)h.session.Receive(input);
  const std::string output = h.session.TakeOutput();
  EXPECT_GE(output.size(), kPendingOutputBound);
  EXPECT_LE(output.size(), kPendingOutputBound + kEhloReply.size());
}

TEST(SmtpSessionTest, InputLeftAtTheBoundIsAnsweredInOrderWhenOfferedAgain) {
  SessionHarness h;
  const std::string input = PipelinedEhlos(8192) + "NOOP\r\n";
  std::string_view rest = input;
  size_t used = h.session.Receive(rest);
  ASSERT_GT(used, 0u);
  ASSERT_LT(used, rest.size());
  EXPECT_EQ(used % 8, 0u) << "stops between commands";
  std::string output = h.session.TakeOutput();
  while (!rest.empty()) {
    rest.remove_prefix(used);
    used = h.session.Receive(rest);
    ASSERT_TRUE(used > 0 || rest.empty());
    output += h.session.TakeOutput();
  }
  std::string expected;
  for (int i = 0; i < 8192; ++i) expected += kEhloReply;
  expected += "250 2.0.0 Ok\r\n";
  EXPECT_TRUE(output == expected) << output.size() << " bytes vs " << expected.size();
}

TEST(SmtpSessionTest, ClosingSessionCountsTheDroppedRestAsConsumed) {
  SessionHarness h;
  const std::string input = "QUIT\r\n" + PipelinedEhlos(100);
  EXPECT_EQ(h.session.Receive(input), input.size());
  EXPECT_EQ(h.session.TakeOutput(), "221 2.0.0 Bye\r\n");
}

TEST(SmtpSessionTest, TooManyConnectionsReply) {
  EXPECT_EQ(SmtpSession::TooManyConnectionsReply("journal.test"),
            "421 4.7.0 journal.test Too many connections, try again later\r\n");
}

}  // namespace
}  // namespace chainmail::testing
