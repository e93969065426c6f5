// SmtpServer over plain TCP: admission (allowlist, limits), timeouts, a whole
// transaction, a peer vanishing mid-DATA, and shutdown. Real sockets on 127.0.0.1.
#include "service/net/smtp_server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <thread>

#include "tests/service/net/recording_ingest.h"
#include "tests/service/net/server_test_support.h"

namespace chainmail {
namespace {

using namespace std::chrono_literals;
using testing::ConnectOrFail;
using testing::LoopbackOptions;
using testing::RecordingIngest;
using testing::SmtpTestClient;
using testing::WaitFor;

using SmtpServerTest = testing::SmtpServerFixture;

TEST_F(SmtpServerTest, AllowedClientGetsBanner) {
  StartServer();
  auto client = ConnectOrFail(server_->port());
  ASSERT_TRUE(client);
  EXPECT_EQ(client->ReadReply(), "220 mx.test ESMTP chainmail\r\n");
  EXPECT_REPLY(client->Command("QUIT"), "221");
  EXPECT_TRUE(client->WaitForClose(2s));
}

TEST_F(SmtpServerTest, DeniedClientGets554Then503ThenQuit) {
  SmtpServerOptions options = LoopbackOptions();
  options.allowed_networks = *CidrList::Parse("127.0.0.1/32");
  StartServer(options);
  auto client = Connect("554 5.7.1", "127.0.0.2");
  ASSERT_TRUE(client);
  EXPECT_REPLY(client->Command("EHLO client.test"), "503");
  EXPECT_REPLY(client->Command("MAIL FROM:<a@example.test>"), "503");
  EXPECT_REPLY(client->Command("QUIT"), "221");
  EXPECT_TRUE(client->WaitForClose(2s));
  EXPECT_EQ(ingest_.begun(), 0u);
}

TEST_F(SmtpServerTest, DeniedClientIsDisconnectedAfterDeniedWait) {
  SmtpServerOptions options = LoopbackOptions();
  options.allowed_networks = *CidrList::Parse("127.0.0.1/32");
  options.denied_wait = 1s;
  StartServer(options);
  auto client = Connect("554 5.7.1", "127.0.0.2");
  ASSERT_TRUE(client);
  auto start = std::chrono::steady_clock::now();
  EXPECT_REPLY(client->Command("NOOP"), "503");  // chatting does not extend the wait
  EXPECT_TRUE(client->WaitForClose(4s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(SmtpServerTest, OverMaxConnectionsGets421) {
  SmtpServerOptions options = LoopbackOptions();
  options.max_connections = 2;
  StartServer(options);
  auto first = Connect();
  auto second = Connect("220 ", "127.0.0.2");
  auto third = Connect("421 4.7.0", "127.0.0.3");
  ASSERT_TRUE(first && second && third);
  EXPECT_TRUE(third->WaitForClose(2s));
  // A freed place is available again.
  EXPECT_REPLY(first->Command("QUIT"), "221");
  ASSERT_TRUE(WaitFor([&] { return server_->active_connections() == 1; }));
  auto fourth = Connect("220 ", "127.0.0.4");
}

TEST_F(SmtpServerTest, OverMaxConnectionsPerIpGets421) {
  SmtpServerOptions options = LoopbackOptions();
  options.max_connections_per_ip = 1;
  StartServer(options);
  auto first = Connect("220 ", "127.0.0.1");
  auto same_ip = Connect("421 4.7.0", "127.0.0.1");
  auto other_ip = Connect("220 ", "127.0.0.2");
  ASSERT_TRUE(first && same_ip && other_ip);
  EXPECT_TRUE(same_ip->WaitForClose(2s));
}

TEST_F(SmtpServerTest, IdleClientTimesOutWith421) {
  SmtpServerOptions options = LoopbackOptions();
  options.command_timeout = 1s;
  StartServer(options);
  auto client = Connect();
  ASSERT_TRUE(client);
  auto start = std::chrono::steady_clock::now();
  EXPECT_REPLY(client->ReadReply(), "421 4.4.2");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);
  EXPECT_TRUE(client->WaitForClose(2s));
}

TEST_F(SmtpServerTest, FullTransactionArchivesExactBytesAndEnvelope) {
  StartServer();
  auto client = Connect();
  ASSERT_TRUE(client);
  BeginMessage(*client);
  const std::string body = "Subject: t\r\n\r\n..leading dot\r\n8-bit \xc3\xa9\xff\r\nbare\nLF\r\n";
  ASSERT_TRUE(client->Send(body + ".\r\n"));
  std::string reply = client->ReadReply();
  EXPECT_REPLY(reply, "250 2.0.0 Ok: archived ");
  EXPECT_REPLY(client->Command("QUIT"), "221");

  std::vector<RecordingIngest::Message> messages = ingest_.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].bytes,
            "Subject: t\r\n\r\n.leading dot\r\n8-bit \xc3\xa9\xff\r\nbare\nLF\r\n");
  EXPECT_NE(reply.find(messages[0].id.ToString()), std::string::npos);
  const MessagePayload& envelope = messages[0].envelope;
  EXPECT_EQ(envelope.mail_from, "<sender@example.test>");
  ASSERT_EQ(envelope.rcpt_to.size(), 1u);
  EXPECT_EQ(envelope.rcpt_to[0], "<journal@example.test>");
  EXPECT_EQ(envelope.helo_name, "client.test");
  EXPECT_EQ(envelope.client_address, "127.0.0.1");
  EXPECT_EQ(envelope.client_port, client->local_port());
  EXPECT_EQ(envelope.server_address, "127.0.0.1:" + std::to_string(server_->port()));
  EXPECT_TRUE(envelope.tls_protocol.empty());
}

TEST_F(SmtpServerTest, PipelinedCommandsInOnePacketAreAllAnswered) {
  StartServer();
  auto client = Connect();
  ASSERT_TRUE(client);
  ASSERT_TRUE(
      client->Send("EHLO c\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n"));
  EXPECT_REPLY(client->ReadReply(), "250-mx.test");
  EXPECT_REPLY(client->ReadReply(), "250");
  EXPECT_REPLY(client->ReadReply(), "250");
  EXPECT_REPLY(client->ReadReply(), "354");
  ASSERT_TRUE(client->Send("x\r\n.\r\nQUIT\r\n"));
  EXPECT_REPLY(client->ReadReply(), "250 2.0.0 Ok: archived");
  EXPECT_REPLY(client->ReadReply(), "221");
}

// 64 KiB of pipelined EHLOs earn ~1.2 MB of replies; the session stops taking input at
// its reply bound, so the loop must write what is pending and feed it the rest of the read.
TEST_F(SmtpServerTest, PipelinedCommandsPastTheReplyBoundAreAllAnswered) {
  StartServer();
  auto client = Connect();
  ASSERT_TRUE(client);
  constexpr int kCommands = 8192;
  std::string input;
  for (int i = 0; i < kCommands; ++i) input += "EHLO c\r\n";
  ASSERT_TRUE(client->Send(input + "QUIT\r\n"));
  int answered = 0;
  std::string reply;
  while ((reply = client->ReadReply()).rfind("250-mx.test", 0) == 0) ++answered;
  EXPECT_EQ(answered, kCommands);
  EXPECT_REPLY(reply, "221");
}

TEST_F(SmtpServerTest, MessageLargerThanReadBufferArrivesIntact) {
  StartServer();
  auto client = Connect();
  ASSERT_TRUE(client);
  BeginMessage(*client);
  std::string body;
  for (int i = 0; body.size() < (3u << 20); ++i) body += "line " + std::to_string(i) + "\r\n";
  ASSERT_TRUE(client->Send(body + ".\r\n"));
  EXPECT_REPLY(client->ReadReply(), "250 2.0.0");
  std::vector<RecordingIngest::Message> messages = ingest_.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_TRUE(messages[0].bytes == body) << messages[0].bytes.size() << " vs " << body.size();
}

TEST_F(SmtpServerTest, PeerResetMidDataCommitsNothing) {
  StartServer();
  auto client = Connect();
  ASSERT_TRUE(client);
  BeginMessage(*client);
  ASSERT_TRUE(client->Send("Subject: half\r\n\r\nthe first half\r\n"));
  ASSERT_TRUE(WaitFor([&] { return ingest_.begun() == 1; }));
  client->Reset();
  ASSERT_TRUE(WaitFor([&] { return server_->active_connections() == 0; }));
  EXPECT_TRUE(ingest_.messages().empty());
  // The server keeps serving.
  auto next = Connect();
  EXPECT_TRUE(next);
}

TEST_F(SmtpServerTest, StopSendsShutdownReplyToIdleSession) {
  StartServer();
  auto client = Connect();
  ASSERT_TRUE(client);
  EXPECT_REPLY(client->Command("EHLO client.test"), "250");
  auto start = std::chrono::steady_clock::now();
  server_->Stop(10s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);  // an idle session does not wait
  EXPECT_REPLY(client->ReadReply(), "421 4.3.2");
  EXPECT_TRUE(client->WaitForClose(2s));
  EXPECT_EQ(server_->active_connections(), 0u);
  EXPECT_FALSE(SmtpTestClient::Connect(server_->port()).ok());  // no longer listening
}

TEST_F(SmtpServerTest, StopLetsMessageInDataFinish) {
  StartServer();
  auto client = Connect();
  ASSERT_TRUE(client);
  BeginMessage(*client);
  ASSERT_TRUE(client->Send("Subject: in flight\r\n\r\n"));
  auto stopped = std::async(std::launch::async, [&] { server_->Stop(10s); });
  EXPECT_EQ(stopped.wait_for(300ms), std::future_status::timeout);
  ASSERT_TRUE(client->Send("the rest\r\n.\r\n"));
  EXPECT_REPLY(client->ReadReply(), "250 2.0.0 Ok: archived");
  EXPECT_REPLY(client->ReadReply(), "421 4.3.2");
  EXPECT_EQ(stopped.wait_for(5s), std::future_status::ready);
  ASSERT_EQ(ingest_.messages().size(), 1u);
  EXPECT_EQ(ingest_.messages()[0].bytes, "Subject: in flight\r\n\r\nthe rest\r\n");
}

TEST_F(SmtpServerTest, StopClosesStalledMessageAfterDrainTime) {
  StartServer();
  auto client = Connect();
  ASSERT_TRUE(client);
  BeginMessage(*client);
  ASSERT_TRUE(client->Send("Subject: stalled\r\n\r\n"));
  auto start = std::chrono::steady_clock::now();
  server_->Stop(1s);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  std::string rest;
  EXPECT_TRUE(client->WaitForClose(2s, &rest));
  EXPECT_EQ(rest.find("250"), std::string::npos) << rest;
  EXPECT_TRUE(ingest_.messages().empty());
}

TEST_F(SmtpServerTest, DualStackListenerRecordsIpv4ClientUnmapped) {
  SmtpServerOptions options = LoopbackOptions();
  options.listen = "[::]:0";
  options.allowed_networks = *CidrList::Parse("127.0.0.1/32");
  int probe = socket(AF_INET6, SOCK_STREAM, 0);
  if (probe < 0) GTEST_SKIP() << "no IPv6 sockets on this host";
  close(probe);
  StartServer(options);
  auto client = Connect();  // an IPv4 client arrives as ::ffff:127.0.0.1
  ASSERT_TRUE(client);
  BeginMessage(*client);
  ASSERT_TRUE(client->Send("x\r\n.\r\n"));
  EXPECT_REPLY(client->ReadReply(), "250 2.0.0");
  ASSERT_EQ(ingest_.messages().size(), 1u);
  EXPECT_EQ(ingest_.messages()[0].envelope.client_address, "127.0.0.1");
  EXPECT_EQ(ingest_.messages()[0].envelope.server_address,
            "127.0.0.1:" + std::to_string(server_->port()));
}

TEST_F(SmtpServerTest, AddressInUseIsAClearError) {
  StartServer();
  SmtpServerOptions options = LoopbackOptions();
  options.listen = "127.0.0.1:" + std::to_string(server_->port());
  SmtpServer second(options, ingest_);
  Status started = second.Start();
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.message().find(options.listen), std::string::npos) << started.message();
  EXPECT_NE(started.message().find("in use"), std::string::npos) << started.message();
}

TEST_F(SmtpServerTest, BadListenAddressIsRejected) {
  SmtpServerOptions options = LoopbackOptions();
  options.listen = "localhost:2525";
  SmtpServer server(options, ingest_);
  EXPECT_EQ(server.Start().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace chainmail
