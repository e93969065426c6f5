// Helpers shared by the SmtpServer tests: options for a loopback test server and polling
// for a condition that another thread makes true.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "service/net/smtp_server.h"
#include "tests/service/net/recording_ingest.h"
#include "tests/service/net/smtp_test_client.h"

namespace chainmail::testing {

// 127.0.0.1 on an ephemeral port, all of 127/8 allowed, short timeouts.
inline SmtpServerOptions LoopbackOptions() {
  SmtpServerOptions options;
  options.listen = "127.0.0.1:0";
  options.allowed_networks = *CidrList::Parse("127.0.0.0/8");
  options.session.hostname = "mx.test";
  options.command_timeout = std::chrono::seconds(10);
  options.denied_wait = std::chrono::seconds(5);
  return options;
}

inline bool WaitFor(const std::function<bool()>& condition,
                    std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

inline std::unique_ptr<SmtpTestClient> ConnectOrFail(uint16_t port,
                                                     const std::string& source_ip = "") {
  auto client = SmtpTestClient::Connect(port, source_ip);
  EXPECT_TRUE(client.ok()) << client.status().message();
  return client.ok() ? std::move(*client) : nullptr;
}

// Asserts that `reply` starts with `code` (e.g. "250", "421 4.7.0").
#define EXPECT_REPLY(reply, code) \
  EXPECT_EQ((reply).substr(0, std::string(code).size()), code) << "reply: " << (reply)

// A test with one SmtpServer over a RecordingIngest.
class SmtpServerFixture : public ::testing::Test {
 protected:
  void StartServer(SmtpServerOptions options = LoopbackOptions()) {
    server_ = std::make_unique<SmtpServer>(std::move(options), ingest_);
    Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started.message();
    ASSERT_NE(server_->port(), 0);
  }
  // A client that has read its first reply, which must start with `code`.
  std::unique_ptr<SmtpTestClient> Connect(const std::string& code = "220 ", const std::string& source_ip = "") {
    auto client = ConnectOrFail(server_->port(), source_ip);
    if (client) {
      EXPECT_REPLY(client->ReadReply(), code);
    }
    return client;
  }
  // EHLO, MAIL, RCPT: the client may send DATA or BDAT.
  void BeginTransaction(SmtpTestClient& client) {
    EXPECT_REPLY(client.Command("EHLO client.test"), "250");
    EXPECT_REPLY(client.Command("MAIL FROM:<sender@example.test>"), "250");
    EXPECT_REPLY(client.Command("RCPT TO:<journal@example.test>"), "250");
  }
  // ... and DATA: the client is ready to send the message body.
  void BeginMessage(SmtpTestClient& client) {
    BeginTransaction(client);
    EXPECT_REPLY(client.Command("DATA"), "354");
  }

  RecordingIngest ingest_;
  std::unique_ptr<SmtpServer> server_;
};

}  // namespace chainmail::testing
