// SmtpSession DATA: sequence, end-of-data framing, dot-unstuffing, SMTP smuggling,
// byte-exact storage, streaming across arbitrary splits, size limit, storage failures,
// and the envelope handed to the archive.
#include <gtest/gtest.h>

#include <ostream>
#include <sstream>
#include <string>

#include "Poco/Logger.h"
#include "Poco/StreamChannel.h"

#include "archive/format/payload_tags.h"
#include "tests/service/smtp/session_harness.h"

namespace chainmail::testing {
namespace {

using namespace std::string_literals;  // "..."s keeps embedded NULs

// The archived reply for the one message `h` committed.
std::string ArchivedReply(const SessionHarness& h) {
  return "250 2.0.0 Ok: archived " + h.ingest.committed.back().id.ToString() + "\r\n";
}

// What one Poco logger writes while this object lives (information level and up).
class CapturedLog {
 public:
  explicit CapturedLog(const std::string& name)
      : logger_(Poco::Logger::get(name)),
        saved_channel_(logger_.getChannel()),
        saved_level_(logger_.getLevel()) {
    logger_.setChannel(new Poco::StreamChannel(text_));
    logger_.setLevel(Poco::Message::PRIO_INFORMATION);
  }
  ~CapturedLog() {
    logger_.setChannel(saved_channel_);
    logger_.setLevel(saved_level_);
  }
  std::string text() const { return text_.str(); }

 private:
  Poco::Logger& logger_;
  const Poco::Channel::Ptr saved_channel_;
  const int saved_level_;
  std::ostringstream text_;
};

TEST(SmtpDataTest, DataBeforeMailIs503) {
  SessionHarness h;
  h.Send("EHLO c\r\n");
  EXPECT_EQ(h.Send("DATA\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
}

TEST(SmtpDataTest, DataWithoutRcptIs503) {
  SessionHarness h;
  h.Send("EHLO c\r\nMAIL FROM:<a@b.example>\r\n");
  EXPECT_EQ(h.Send("DATA\r\n"), "503 5.5.1 Error: need RCPT command\r\n");
}

TEST(SmtpDataTest, DataAfterOnlyRejectedRcptsIs554) {
  SmtpSessionConfig config = TestConfig();
  config.journal_recipients = {"journal@journal.test"};
  SessionHarness h(config);
  h.Send("EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@journal.test>\r\n");
  EXPECT_EQ(h.Send("DATA\r\n"), "554 5.5.1 No valid recipients\r\n");
  EXPECT_EQ(h.ingest.spools_begun, 0);
}

TEST(SmtpDataTest, DataWithArgumentIs501) {
  SessionHarness h;
  h.StartTransaction();
  EXPECT_EQ(h.Send("DATA now\r\n"), "501 5.5.4 Syntax: no arguments allowed\r\n");
}

TEST(SmtpDataTest, PipelinedTransactionRepliesInOrder) {
  SessionHarness h;
  EXPECT_EQ(h.Send("EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<j@journal.test>\r\n"
                   "RCPT TO:<k@journal.test>\r\nDATA\r\n"),
            std::string(kEhloReply) +
                "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n"
                "354 End data with <CR><LF>.<CR><LF>\r\n");
  std::string out = h.Send("Subject: hi\r\n\r\nbody\r\n.\r\nMAIL FROM:<c@d.example>\r\nQUIT\r\n");
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  EXPECT_EQ(out, ArchivedReply(h) + "250 2.1.0 Ok\r\n221 2.0.0 Bye\r\n");
  EXPECT_EQ(h.ingest.committed[0].bytes, "Subject: hi\r\n\r\nbody\r\n");
}

TEST(SmtpDataTest, WholeDialogueInOneReceive) {
  SessionHarness h;
  std::string out = h.Send(
      "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<j@journal.test>\r\nDATA\r\n"
      "one\r\n.\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<j@journal.test>\r\nDATA\r\n"
      "two\r\n.\r\nQUIT\r\n");
  EXPECT_EQ(Codes(out), "250 250 250 250 250 250 250 250 250 354 250 250 250 354 250 221");
  ASSERT_EQ(h.ingest.committed.size(), 2u);
  EXPECT_EQ(h.ingest.committed[0].bytes, "one\r\n");
  EXPECT_EQ(h.ingest.committed[1].bytes, "two\r\n");
}

TEST(SmtpDataTest, ArchivedReplyCarriesIdFromCommit) {
  SessionHarness h;
  std::string reply = h.SendMessage("x\r\n.\r\n");
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  EXPECT_EQ(reply, "250 2.0.0 Ok: archived " + h.ingest.committed[0].id.ToString() + "\r\n");
  EXPECT_EQ(h.ingest.committed[0].id.ToString().size(), 36u);
}

TEST(SmtpDataTest, CrlfBeforeDotBelongsToMessage) {
  SessionHarness h;
  h.SendMessage("A\r\n.\r\n");
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  EXPECT_EQ(h.ingest.committed[0].bytes, "A\r\n");
}

TEST(SmtpDataTest, DotRightAfter354EndsAnEmptyMessage) {
  SessionHarness h;
  EXPECT_EQ(Codes(h.SendMessage(".\r\n")), "250");
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  EXPECT_EQ(h.ingest.committed[0].bytes, "");
}

TEST(SmtpDataTest, DotNotAfterCrlfDoesNotEndData) {
  SessionHarness h;
  EXPECT_EQ(h.SendMessage("A.\r\n"), "");
  EXPECT_EQ(Codes(h.Send("B\r\n.\r\n")), "250");
  EXPECT_EQ(h.ingest.committed[0].bytes, "A.\r\nB\r\n");
}

TEST(SmtpDataTest, DotUnstuffingRemovesOnlyTheLeadingDotAfterCrlf) {
  SessionHarness h;
  h.SendMessage("..first\r\n...\r\n.x.y.\r\nz..\r\n..\r\n.\r\n");
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  EXPECT_EQ(h.ingest.committed[0].bytes, ".first\r\n..\r\nx.y.\r\nz..\r\n.\r\n");
}

TEST(SmtpDataTest, OtherBytesAreKeptExactly) {
  SessionHarness h;
  const std::string body =
      "a\rb\nc\0d\r\r\n\n\n"s + std::string(5000, 'x') + "\r\n\xc3\xa9\xff\x80\r\n";
  EXPECT_EQ(Codes(h.SendMessage(body + ".\r\n", " BODY=8BITMIME")), "250");
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  EXPECT_EQ(h.ingest.committed[0].bytes, body);
  EXPECT_EQ(h.ingest.committed[0].envelope.flags, 0u);
}

TEST(SmtpDataTest, EightBitWithoutBody8BitMimeIsFlagged) {
  SessionHarness h;
  h.SendMessage("caf\xc3\xa9\r\n.\r\n");
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  EXPECT_EQ(h.ingest.committed[0].envelope.flags, msgflag::kEightBitUndeclared);
}

TEST(SmtpDataTest, SevenBitMessageIsNotFlagged) {
  SessionHarness h;
  h.SendMessage("plain\r\n.\r\n", " BODY=7BIT");
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  EXPECT_EQ(h.ingest.committed[0].envelope.flags, 0u);
}

// Each SMTP smuggling sequence, placed between "A" and "B": the message goes on, the
// later real CRLF.CRLF ends it, and the record is flagged.
struct SmugglingCase {
  const char* name;
  std::string sequence;
  std::string stored;  // what the archive must hold for "A" + sequence + "B\r\n"
};

void PrintTo(const SmugglingCase& c, std::ostream* os) { *os << c.name; }

class SmugglingTest : public ::testing::TestWithParam<SmugglingCase> {};

TEST_P(SmugglingTest, DoesNotEndDataAndIsFlagged) {
  const SmugglingCase& c = GetParam();
  SessionHarness h;
  std::string out = h.SendMessage("A" + c.sequence + "B\r\n.\r\nNOOP\r\n");
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  EXPECT_EQ(out, ArchivedReply(h) + "250 2.0.0 Ok\r\n");
  EXPECT_EQ(h.ingest.committed[0].bytes, c.stored);
  EXPECT_EQ(h.ingest.committed[0].envelope.flags & msgflag::kSmugglingSequence,
            msgflag::kSmugglingSequence);
}

INSTANTIATE_TEST_SUITE_P(
    SmtpDataTest, SmugglingTest,
    ::testing::Values(SmugglingCase{"BareLfDotBareLf", "\n.\n", "A\n.\nB\r\n"},
                      SmugglingCase{"BareLfDotCrlf", "\n.\r\n", "A\n.\r\nB\r\n"},
                      // After CRLF the dot is a stuffed dot and is removed (RFC 5321 4.5.2).
                      SmugglingCase{"CrlfDotBareLf", "\r\n.\n", "A\r\n\nB\r\n"},
                      SmugglingCase{"BareCrDotCrlf", "\r.\r\n", "A\r.\r\nB\r\n"},
                      SmugglingCase{"CrlfDotBareCr", "\r\n.\r", "A\r\n\rB\r\n"},
                      SmugglingCase{"CrlfNulDotCrlf", "\r\n\0.\r\n"s, "A\r\n\0.\r\nB\r\n"s},
                      SmugglingCase{"LfLfDotCrlf", "\n\n.\r\n", "A\n\n.\r\nB\r\n"}),
    [](const ::testing::TestParamInfo<SmugglingCase>& info) { return info.param.name; });

TEST(SmtpDataTest, CleanMessageIsNotFlaggedAsSmuggling) {
  SessionHarness h;
  h.SendMessage("A\r\n..\r\nB\r\n.\r\n");
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  EXPECT_EQ(h.ingest.committed[0].envelope.flags, 0u);
}

// A message exercising every rule of the decoder, and what must be stored.
const std::string kTrickyData =
    ".start\r\n..two\r\nx\n.\ny\r\nx\n.\r\ny\r\n.\nz\r\nw\r.\r\nv\r\n.\rq\r\n\0.\r\n"
    "m\n\n.\r\n\xff\xfe 8bit\r\n.\r\r\nend\r\n.\r\n"s;
const std::string kTrickyStored =
    "start\r\n.two\r\nx\n.\ny\r\nx\n.\r\ny\r\n\nz\r\nw\r.\r\nv\r\n\rq\r\n\0.\r\n"
    "m\n\n.\r\n\xff\xfe 8bit\r\n\r\r\nend\r\n"s;

TEST(SmtpDataTest, TrickyMessageStoredExactly) {
  SessionHarness h;
  h.SendMessage(kTrickyData + "NOOP\r\n", " BODY=8BITMIME");
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  EXPECT_EQ(h.ingest.committed[0].bytes, kTrickyStored);
  EXPECT_EQ(h.ingest.committed[0].envelope.flags, msgflag::kSmugglingSequence);
}

TEST(SmtpDataTest, SplitAtEveryByteBoundaryGivesIdenticalBytes) {
  const std::string data = kTrickyData + "NOOP\r\n";
  for (size_t split = 0; split <= data.size(); ++split) {
    SessionHarness h;
    h.StartTransaction(" BODY=8BITMIME");
    h.Send("DATA\r\n");
    std::string out = h.Send(data.substr(0, split));
    out += h.Send(data.substr(split));
    ASSERT_EQ(h.ingest.committed.size(), 1u) << "split at " << split;
    EXPECT_EQ(h.ingest.committed[0].bytes, kTrickyStored) << "split at " << split;
    EXPECT_EQ(Codes(out), "250 250") << "split at " << split;
  }
}

TEST(SmtpDataTest, WholeDialogueSplitAtEveryByteBoundary) {
  const std::string dialogue =
      "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<j@journal.test>\r\n"
      "DATA\r\n" +
      kTrickyData + "QUIT\r\n";
  for (size_t split = 0; split <= dialogue.size(); ++split) {
    SessionHarness h;
    std::string out = h.Send(dialogue.substr(0, split));
    out += h.Send(dialogue.substr(split));
    ASSERT_EQ(h.ingest.committed.size(), 1u) << "split at " << split;
    EXPECT_EQ(h.ingest.committed[0].bytes, kTrickyStored) << "split at " << split;
    EXPECT_EQ(Codes(out), "250 250 250 250 250 250 250 250 250 354 250 221")
        << "split at " << split;
  }
}

TEST(SmtpDataTest, ByteAtATimeGivesIdenticalBytes) {
  SessionHarness h;
  h.StartTransaction();
  h.Send("DATA\r\n");
  std::string out;
  for (char c : kTrickyData) out += h.Send(std::string(1, c));
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  EXPECT_EQ(h.ingest.committed[0].bytes, kTrickyStored);
  EXPECT_EQ(Codes(out), "250");
}

TEST(SmtpDataTest, ContentReachesSpoolInLargeSlices) {
  SmtpSessionConfig config = TestConfig();
  config.max_message_bytes = 4 << 20;
  SessionHarness h(config);
  std::string body;
  while (body.size() < (1 << 20)) body += std::string(76, 'q') + "\r\n";
  h.SendMessage(body + ".\r\n");
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  EXPECT_EQ(h.ingest.committed[0].bytes, body);
  EXPECT_LE(h.ingest.write_sizes.size(), 2u);
}

TEST(SmtpDataTest, MessageOfExactlyMaxSizeIsArchived) {
  SessionHarness h;  // max_message_bytes = 10000
  const std::string body = std::string(9998, 'm') + "\r\n";
  EXPECT_EQ(Codes(h.SendMessage(body + ".\r\n")), "250");
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  EXPECT_EQ(h.ingest.committed[0].bytes.size(), 10000u);
}

TEST(SmtpDataTest, MessageOverMaxSizeIs552AfterDataAndSessionContinues) {
  SessionHarness h;
  std::string out = h.SendMessage(std::string(9999, 'm') + "\r\n");
  out += h.Send(std::string(20000, 'n') + "\r\n.\r\n");
  EXPECT_EQ(out, "552 5.3.4 Message size exceeds fixed maximum message size\r\n");
  EXPECT_TRUE(h.ingest.committed.empty());
  EXPECT_LE(h.ingest.bytes_written(), 10000u);
  EXPECT_EQ(h.Send("RCPT TO:<j@journal.test>\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
  EXPECT_EQ(Codes(h.SendMessage("small\r\n.\r\n")), "250");
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  EXPECT_EQ(h.ingest.committed[0].bytes, "small\r\n");
}

TEST(SmtpDataTest, TransactionEndsAfterArchiving) {
  SessionHarness h;
  h.SendMessage("x\r\n.\r\n");
  EXPECT_EQ(h.Send("RCPT TO:<j@journal.test>\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
  EXPECT_EQ(h.Send("MAIL FROM:<a@b.example>\r\n"), "250 2.1.0 Ok\r\n");
}

TEST(SmtpDataTest, BeginMessageNoSpaceIs452) {
  SessionHarness h;
  h.ingest.begin_status = Status::NoSpace("spool full");
  h.StartTransaction();
  EXPECT_EQ(h.Send("DATA\r\n"), "452 4.3.1 Insufficient system storage\r\n");
}

TEST(SmtpDataTest, BeginMessageFailureIs451) {
  SessionHarness h;
  h.ingest.begin_status = Status::Unavailable("shutting down");
  h.StartTransaction();
  EXPECT_EQ(h.Send("DATA\r\n"), "451 4.3.0 Temporary failure, try again later\r\n");
  EXPECT_FALSE(h.session.WantsClose());
}

TEST(SmtpDataTest, SpoolFullIs452AfterData) {
  SessionHarness h;
  h.ingest.write_status = Status::NoSpace("disk full");
  h.ingest.fail_writes_after = 4;
  EXPECT_EQ(h.SendMessage("more than four bytes\r\n.\r\n"),
            "452 4.3.1 Insufficient system storage\r\n");
  EXPECT_TRUE(h.ingest.committed.empty());
}

TEST(SmtpDataTest, SpoolIoErrorIs451AfterData) {
  SessionHarness h;
  h.ingest.write_status = Status::IoError("EIO");
  EXPECT_EQ(h.SendMessage("x\r\n.\r\n"), "451 4.3.0 Temporary failure, try again later\r\n");
  EXPECT_TRUE(h.ingest.committed.empty());
}

TEST(SmtpDataTest, CommitNoSpaceIs452) {
  SessionHarness h;
  h.ingest.commit_status = Status::NoSpace("disk full");
  EXPECT_EQ(h.SendMessage("x\r\n.\r\n"), "452 4.3.1 Insufficient system storage\r\n");
}

TEST(SmtpDataTest, CommitFailureIs451NeverFiveHundred) {
  for (Status failure : {Status::IoError("fsync"), Status::Unavailable("stopping"),
                         Status::Corruption("bad head"), Status::InvalidArgument("bug")}) {
    SessionHarness h;
    h.ingest.commit_status = failure;
    EXPECT_EQ(h.SendMessage("x\r\n.\r\n"), "451 4.3.0 Temporary failure, try again later\r\n")
        << failure.message();
  }
}

// A Commit that throws (the payload encoder refuses a list over 65,535 items) is a
// storage failure like the others: 451, logged, and the session carries on; the client
// must not lose a message it sent in full to a silent close.
TEST(SmtpDataTest, CommitThatThrowsIs451AndLoggedAndTheSessionGoesOn) {
  CapturedLog log("chainmail.smtp");
  SessionHarness h;
  h.ingest.commit_throws = true;
  std::string reply;
  EXPECT_NO_THROW(reply = h.SendMessage("x\r\n.\r\n"));
  EXPECT_EQ(reply, "451 4.3.0 Temporary failure, try again later\r\n");
  EXPECT_FALSE(h.session.WantsClose());
  EXPECT_NE(log.text().find("192.0.2.7:40123: message not archived (451 4.3.0): "
                            "archiving threw: payload list too long"),
            std::string::npos)
      << log.text();

  h.ingest.commit_throws = false;
  reply = h.Send("MAIL FROM:<a@b.example>\r\nRCPT TO:<j@journal.test>\r\nDATA\r\ny\r\n.\r\n");
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  EXPECT_EQ(reply, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n" +
                       ArchivedReply(h));
}

TEST(SmtpDataTest, EnvelopeRecordsWhatTheSessionSaw) {
  SessionHarness h;
  h.Send(
      "EHLO Client.Example\r\nMAIL FROM:<Sender@Example.org> SIZE=6 BODY=8BITMIME\r\n"
      "RCPT TO:<j@journal.test>\r\nRCPT TO: <K@Journal.Test>\r\nDATA\r\nx\r\n.\r\n");
  h.Send("MAIL FROM:<>\r\nRCPT TO:<j@journal.test>\r\nDATA\r\ny\r\n.\r\n");
  ASSERT_EQ(h.ingest.committed.size(), 2u);
  const MessagePayload& e = h.ingest.committed[0].envelope;
  EXPECT_EQ(e.source, MessageSource::kSmtp);
  EXPECT_EQ(e.mail_from, "<Sender@Example.org> SIZE=6 BODY=8BITMIME");
  EXPECT_EQ(e.rcpt_to, (std::vector<std::string>{"<j@journal.test>", "<K@Journal.Test>"}));
  EXPECT_EQ(e.helo_verb, "EHLO");
  EXPECT_EQ(e.helo_name, "Client.Example");
  EXPECT_EQ(e.client_address, "192.0.2.7");
  EXPECT_EQ(e.client_port, 40123);
  EXPECT_EQ(e.server_address, "127.0.0.1:2525");
  EXPECT_EQ(e.tls_protocol, "");
  EXPECT_EQ(e.tls_cipher, "");
  EXPECT_EQ(e.transfer, Transfer::kData);
  EXPECT_EQ(e.flags, 0u);
  EXPECT_EQ(e.session_id.size(), 16u);
  EXPECT_EQ(h.ingest.committed[1].envelope.mail_from, "<>");
  EXPECT_EQ(h.ingest.committed[1].envelope.session_id, e.session_id);

  SessionHarness other;
  other.SendMessage("z\r\n.\r\n");
  ASSERT_EQ(other.ingest.committed.size(), 1u);
  EXPECT_NE(other.ingest.committed[0].envelope.session_id, e.session_id);
}

TEST(SmtpDataTest, HeloVerbIsRecorded) {
  SessionHarness h;
  h.Send(
      "HELO old.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<j@journal.test>\r\n"
      "DATA\r\nx\r\n.\r\n");
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  EXPECT_EQ(h.ingest.committed[0].envelope.helo_verb, "HELO");
  EXPECT_EQ(h.ingest.committed[0].envelope.helo_name, "old.example");
}

}  // namespace
}  // namespace chainmail::testing
