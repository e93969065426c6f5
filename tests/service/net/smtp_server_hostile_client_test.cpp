// SmtpServer against clients that try to use up its places or its threads: outsiders
// crowding the allowlist, a burst of connections far over the limits, and clients that
// drip a command line or a message one byte at a time. Real sockets on 127.0.0.1.
#include <gtest/gtest.h>

#include <map>
#include <thread>
#include <vector>

#include "service/net/smtp_server.h"
#include "tests/service/net/recording_ingest.h"
#include "tests/service/net/server_test_support.h"

namespace chainmail {
namespace {

using namespace std::chrono_literals;
using testing::ConnectOrFail;
using testing::LoopbackOptions;
using testing::SmtpTestClient;
using testing::WaitFor;
using Clock = std::chrono::steady_clock;

class SmtpServerHostileClientTest : public testing::SmtpServerFixture {
 protected:
  // Sends one byte of `byte` every `interval` until the server says something; returns how
  // long that took from the first byte (or about `limit` if it never did).
  Clock::duration Drip(SmtpTestClient& client, char byte, std::chrono::milliseconds interval,
                       std::chrono::seconds limit) {
    const Clock::time_point start = Clock::now();
    while (Clock::now() - start < limit) {
      if (!client.Send(std::string_view(&byte, 1))) break;
      if (client.WaitForInput(interval)) break;
    }
    return Clock::now() - start;
  }
  // A server whose commands time out after 1 s and messages after 2 s, with a client
  // that has opened a transaction.
  std::unique_ptr<SmtpTestClient> TransactionUnderShortTimeouts() {
    SmtpServerOptions options = LoopbackOptions();
    options.command_timeout = 1s;
    options.message_timeout = 2s;
    StartServer(options);
    auto client = Connect("220 ", "127.0.0.1");
    if (client) BeginTransaction(*client);
    return client;
  }
};

// Only 127.0.0.1 is allowed; 127.0.0.2 and up are outsiders.
SmtpServerOptions OnlyLocalhostAllowed() {
  SmtpServerOptions options = LoopbackOptions();
  options.allowed_networks = *CidrList::Parse("127.0.0.1/32");
  options.denied_wait = 30s;
  return options;
}

TEST_F(SmtpServerHostileClientTest, DeniedClientsDoNotUseTheAllowedClientsPlaces) {
  SmtpServerOptions options = OnlyLocalhostAllowed();
  options.max_connections = 2;
  options.max_connections_per_ip = 2;
  StartServer(options);
  auto outsider_a = Connect("554 5.7.1", "127.0.0.2");
  auto outsider_b = Connect("554 5.7.1", "127.0.0.3");
  ASSERT_TRUE(outsider_a && outsider_b);
  // Both places of max_connections are still there for the gateway, and no more.
  auto gateway_1 = Connect("220 ", "127.0.0.1");
  auto gateway_2 = Connect("220 ", "127.0.0.1");
  auto gateway_3 = Connect("421 4.7.0", "127.0.0.1");
  ASSERT_TRUE(gateway_1 && gateway_2 && gateway_3);
  // The outsiders still get the RFC 5321 3.1 treatment.
  EXPECT_REPLY(outsider_a->Command("EHLO outside.test"), "503 5.5.1");
  EXPECT_REPLY(outsider_a->Command("QUIT"), "221");
}

TEST_F(SmtpServerHostileClientTest, DeniedClientOverTheDeniedBudgetGets554AndIsClosedAtOnce) {
  SmtpServerOptions options = OnlyLocalhostAllowed();
  options.max_denied_connections = 2;
  StartServer(options);
  auto held_1 = Connect("554 5.7.1", "127.0.0.2");
  auto held_2 = Connect("554 5.7.1", "127.0.0.3");
  auto over = Connect("554 5.7.1", "127.0.0.4");
  ASSERT_TRUE(held_1 && held_2 && over);
  // Not kept for denied_wait (30 s): closed without waiting for QUIT.
  EXPECT_TRUE(over->WaitForClose(2s));
  // Those within the budget wait for QUIT, answering 503 meanwhile.
  EXPECT_REPLY(held_1->Command("NOOP"), "503 5.5.1");
  EXPECT_REPLY(held_2->Command("MAIL FROM:<a@example.test>"), "503 5.5.1");
  // A place given back serves the next outsider in full again.
  EXPECT_REPLY(held_1->Command("QUIT"), "221");
  EXPECT_TRUE(held_1->WaitForClose(2s));
  held_1.reset();
  ASSERT_TRUE(WaitFor([&] { return server_->active_connections() == 1; }));
  auto next = Connect("554 5.7.1", "127.0.0.5");
  ASSERT_TRUE(next);
  EXPECT_REPLY(next->Command("NOOP"), "503 5.5.1");
  // The gateway is unaffected throughout.
  auto gateway = Connect("220 ", "127.0.0.1");
}

TEST_F(SmtpServerHostileClientTest, ConnectionFloodGets421ForEveryRefusal) {
  SmtpServerOptions options = LoopbackOptions();
  options.max_connections = 4;
  options.max_connections_per_ip = 1000;
  StartServer(options);
  constexpr int kClients = 100;
  std::vector<std::unique_ptr<SmtpTestClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    auto client = SmtpTestClient::Connect(server_->port());
    ASSERT_TRUE(client.ok()) << client.status().message();
    clients.push_back(std::move(*client));
  }
  std::map<std::string, int> first_replies;
  for (auto& client : clients) ++first_replies[client->ReadReply().substr(0, 9)];
  EXPECT_EQ(first_replies["220 mx.te"], 4);
  EXPECT_EQ(first_replies["421 4.7.0"], kClients - 4);
  EXPECT_EQ(first_replies.size(), 2u) << "a client got neither 220 nor 421 4.7.0";
}

TEST_F(SmtpServerHostileClientTest, CommandLineDrippedByteByByteTimesOut) {
  SmtpServerOptions options = LoopbackOptions();
  options.command_timeout = 1s;
  StartServer(options);
  auto client = Connect("220 ", "127.0.0.1");
  ASSERT_TRUE(client);
  // Each byte comes well within the timeout, but the line never ends.
  const Clock::duration took = Drip(*client, 'N', 300ms, 8s);
  EXPECT_REPLY(client->ReadReply(), "421 4.4.2");
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 3s);
  EXPECT_TRUE(client->WaitForClose(3s));
}

TEST_F(SmtpServerHostileClientTest, IdleTimeBeforeALineDoesNotCountAgainstIt) {
  SmtpServerOptions options = LoopbackOptions();
  options.command_timeout = 1s;
  StartServer(options);
  auto client = Connect("220 ", "127.0.0.1");
  ASSERT_TRUE(client);
  EXPECT_REPLY(client->Command("EHLO client.test"), "250");
  for (int i = 0; i < 3; ++i) {  // 2 s in all, twice the timeout, each line within it
    std::this_thread::sleep_for(600ms);
    ASSERT_TRUE(client->Send("NO"));
    std::this_thread::sleep_for(300ms);
    EXPECT_REPLY(client->Command("OP"), "250");
  }
}

TEST_F(SmtpServerHostileClientTest, DataBodyDrippedByteByByteHitsTheMessageTimeout) {
  auto client = TransactionUnderShortTimeouts();
  ASSERT_TRUE(client);
  EXPECT_REPLY(client->Command("DATA"), "354");
  const Clock::duration took = Drip(*client, 'x', 300ms, 10s);
  EXPECT_REPLY(client->ReadReply(), "421 4.4.2");
  EXPECT_GE(took, 1800ms);
  EXPECT_LT(took, 4s);
  EXPECT_TRUE(client->WaitForClose(3s));
  EXPECT_TRUE(ingest_.messages().empty());
}

TEST_F(SmtpServerHostileClientTest, BdatChunksTrickledOneByOneHitTheMessageTimeout) {
  auto client = TransactionUnderShortTimeouts();
  ASSERT_TRUE(client);
  // Every chunk is complete and answered, but the message never ends.
  const Clock::time_point start = Clock::now();
  std::string reply;
  while (Clock::now() - start < 10s) {
    ASSERT_TRUE(client->Send("BDAT 1\r\nx"));
    reply = client->ReadReply();
    if (reply.rfind("250", 0) != 0) break;
    std::this_thread::sleep_for(300ms);
  }
  EXPECT_REPLY(reply, "421 4.4.2");
  EXPECT_LT(Clock::now() - start, 4s);
  EXPECT_TRUE(ingest_.messages().empty());
}

TEST(SmtpMessageTimeoutTest, IsTenMinutesOrTheTimeForTheLargestMessageAtTheMinimumRate) {
  EXPECT_EQ(MessageTimeoutFor(1u << 20), std::chrono::seconds(600));
  EXPECT_EQ(MessageTimeoutFor(0), std::chrono::seconds(600));
  // 50 MiB, the default limit, at 32 KiB/s.
  EXPECT_EQ(MessageTimeoutFor(50u << 20), std::chrono::seconds(1600));
  EXPECT_EQ(MessageTimeoutFor(UINT64_MAX), std::chrono::hours(365 * 24));  // no overflow
}

}  // namespace
}  // namespace chainmail
