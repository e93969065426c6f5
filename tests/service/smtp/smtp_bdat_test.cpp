// SmtpSession BDAT (RFC 3030 CHUNKING): chunks, LAST, no dot processing, refusals that
// still consume the chunk, the size limit across chunks and malformed BDAT.
#include <gtest/gtest.h>

#include <string>

#include "tests/service/smtp/session_harness.h"

namespace chainmail::testing {
namespace {

TEST(SmtpBdatTest, MultiChunkMessageIsArchived) {
  SessionHarness h;
  h.StartTransaction();
  EXPECT_EQ(h.Send("BDAT 5\r\nHello"), "250 2.0.0 5 octets received\r\n");
  EXPECT_EQ(h.Send("BDAT 8\r\n, world!"), "250 2.0.0 8 octets received\r\n");
  std::string out = h.Send("BDAT 2 LAST\r\n\r\n");
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  EXPECT_EQ(out, "250 2.0.0 Ok: archived " + h.ingest.committed[0].id.ToString() + "\r\n");
  EXPECT_EQ(h.ingest.committed[0].bytes, "Hello, world!\r\n");
  EXPECT_EQ(h.ingest.committed[0].envelope.transfer, Transfer::kBdat);
}

TEST(SmtpBdatTest, ChunkBytesAreNotDotProcessed) {
  SessionHarness h;
  h.StartTransaction();
  const std::string chunk = ".lead\r\n..two\r\n.\r\nafter\r\n";
  std::string out =
      h.Send("BDAT " + std::to_string(chunk.size()) + " LAST\r\n" + chunk + "NOOP\r\n");
  EXPECT_EQ(Codes(out), "250 250");
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  EXPECT_EQ(h.ingest.committed[0].bytes, chunk);
  EXPECT_EQ(h.ingest.committed[0].envelope.flags, 0u);
}

TEST(SmtpBdatTest, BdatZeroLastIsValid) {
  SessionHarness h;
  h.StartTransaction();
  EXPECT_EQ(Codes(h.Send("BDAT 0 LAST\r\n")), "250");
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  EXPECT_EQ(h.ingest.committed[0].bytes, "");
}

TEST(SmtpBdatTest, BdatZeroLastEndsAChunkedMessage) {
  SessionHarness h;
  h.StartTransaction();
  std::string out = h.Send("BDAT 3\r\nabcBDAT 0\r\nBDAT 0 last\r\n");
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  EXPECT_EQ(out,
            "250 2.0.0 3 octets received\r\n250 2.0.0 0 octets received\r\n"
            "250 2.0.0 Ok: archived " +
                h.ingest.committed[0].id.ToString() + "\r\n");
  EXPECT_EQ(h.ingest.committed[0].bytes, "abc");
}

TEST(SmtpBdatTest, ChunkSplitAcrossReceives) {
  SessionHarness h;
  h.StartTransaction();
  std::string out = h.Send("BDAT 10 LAST\r\n0123");
  out += h.Send("45");
  out += h.Send("6789QUIT\r\n");
  EXPECT_EQ(Codes(out), "250 221");
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  EXPECT_EQ(h.ingest.committed[0].bytes, "0123456789");
}

TEST(SmtpBdatTest, BdatBeforeMailConsumesChunkThen503) {
  SessionHarness h;
  h.Send("EHLO c\r\n");
  // The chunk looks like commands; none of it may be executed.
  const std::string chunk = "MAIL FROM:<evil@x.example>\r\n";
  EXPECT_EQ(h.Send("BDAT " + std::to_string(chunk.size()) + "\r\n" + chunk + "NOOP\r\n"),
            "503 5.5.1 Error: need MAIL command\r\n250 2.0.0 Ok\r\n");
  EXPECT_EQ(h.ingest.spools_begun, 0);
}

TEST(SmtpBdatTest, BdatWithoutRecipientsConsumesChunkThen503Or554) {
  SmtpSessionConfig config = TestConfig();
  config.journal_recipients = {"journal@journal.test"};
  SessionHarness h(config);
  h.Send("EHLO c\r\nMAIL FROM:<a@b.example>\r\n");
  EXPECT_EQ(h.Send("BDAT 4\r\nNOOPNOOP\r\n"),
            "503 5.5.1 Error: need RCPT command\r\n250 2.0.0 Ok\r\n");
  h.Send("RCPT TO:<other@journal.test>\r\n");
  EXPECT_EQ(h.Send("BDAT 4 LAST\r\nNOOPNOOP\r\n"),
            "554 5.5.1 No valid recipients\r\n250 2.0.0 Ok\r\n");
  EXPECT_TRUE(h.ingest.committed.empty());
}

TEST(SmtpBdatTest, DataAfterBdatIs503) {
  SessionHarness h;
  h.StartTransaction();
  h.Send("BDAT 3\r\nabc");
  EXPECT_EQ(h.Send("DATA\r\n"),
            "503 5.5.1 Error: DATA not allowed after BDAT in one transaction\r\n");
  EXPECT_EQ(h.Send("RCPT TO:<k@journal.test>\r\n"),
            "503 5.5.1 Error: BDAT transaction in progress\r\n");
  EXPECT_EQ(Codes(h.Send("BDAT 3 LAST\r\ndef")), "250");
  ASSERT_EQ(h.ingest.committed.size(), 1u);
  EXPECT_EQ(h.ingest.committed[0].bytes, "abcdef");
}

TEST(SmtpBdatTest, SizeOverLimitAcrossChunksIs552ThenTransactionIsGone) {
  SessionHarness h;  // max_message_bytes = 10000
  h.StartTransaction();
  EXPECT_EQ(h.Send("BDAT 6000\r\n" + std::string(6000, 'a')), "250 2.0.0 6000 octets received\r\n");
  EXPECT_EQ(h.Send("BDAT 6000\r\n" + std::string(6000, 'b')),
            "552 5.3.4 Message size exceeds fixed maximum message size\r\n");
  EXPECT_EQ(h.Send("BDAT 4 LAST\r\nNOOP"), "503 5.5.1 Error: need MAIL command\r\n");
  EXPECT_TRUE(h.ingest.committed.empty());
  EXPECT_LE(h.ingest.bytes_written(), 10000u);
  EXPECT_EQ(Codes(h.SendMessage("ok\r\n.\r\n")), "250");
  EXPECT_EQ(h.ingest.committed.size(), 1u);
}

TEST(SmtpBdatTest, SingleLastChunkOverLimitIsConsumedThen552) {
  SessionHarness h;
  h.StartTransaction();
  EXPECT_EQ(h.Send("BDAT 20000 LAST\r\n" + std::string(20000, 'z') + "NOOP\r\n"),
            "552 5.3.4 Message size exceeds fixed maximum message size\r\n250 2.0.0 Ok\r\n");
  EXPECT_TRUE(h.ingest.committed.empty());
}

TEST(SmtpBdatTest, SpoolFullDuringChunkIs452ThenTransactionIsGone) {
  SessionHarness h;
  h.ingest.write_status = Status::NoSpace("disk full");
  h.StartTransaction();
  EXPECT_EQ(h.Send("BDAT 3\r\nabc"), "452 4.3.1 Insufficient system storage\r\n");
  EXPECT_EQ(h.Send("BDAT 3 LAST\r\ndef"), "503 5.5.1 Error: need MAIL command\r\n");
  EXPECT_TRUE(h.ingest.committed.empty());
}

TEST(SmtpBdatTest, BeginMessageFailureIsRepliedAfterTheChunk) {
  SessionHarness h;
  h.ingest.begin_status = Status::IoError("spool dir gone");
  h.StartTransaction();
  EXPECT_EQ(h.Send("BDAT 6 LAST\r\nRSET\r\nNOOP\r\n"),
            "451 4.3.0 Temporary failure, try again later\r\n250 2.0.0 Ok\r\n");
}

TEST(SmtpBdatTest, CommitFailureAfterLastIs451) {
  SessionHarness h;
  h.ingest.commit_status = Status::IoError("fsync");
  h.StartTransaction();
  EXPECT_EQ(h.Send("BDAT 1 LAST\r\nx"), "451 4.3.0 Temporary failure, try again later\r\n");
}

TEST(SmtpBdatTest, RsetBetweenChunksDropsTheSpool) {
  SessionHarness h;
  h.StartTransaction();
  h.Send("BDAT 3\r\nabc");
  EXPECT_EQ(h.Send("RSET\r\n"), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(h.ingest.spools_destroyed, 1);
  EXPECT_EQ(h.Send("BDAT 1 LAST\r\nx"), "503 5.5.1 Error: need MAIL command\r\n");
  EXPECT_TRUE(h.ingest.committed.empty());
}

TEST(SmtpBdatTest, MalformedBdatIs501AndCloses) {
  for (const char* line : {"BDAT", "BDAT abc", "BDAT -1", "BDAT 5 FIRST", "BDAT 5 LAST x",
                           "BDAT 99999999999999999999999", "BDAT  5"}) {
    SessionHarness h;
    h.StartTransaction();
    EXPECT_EQ(h.Send(std::string(line) + "\r\nMAIL FROM:<a@b.example>\r\n"),
              "501 5.5.4 Syntax: BDAT count [LAST]\r\n")
        << line;
    EXPECT_TRUE(h.session.WantsClose()) << line;
  }
}

}  // namespace
}  // namespace chainmail::testing
