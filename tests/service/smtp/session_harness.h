// SessionHarness: one SmtpSession on a FakeMessageIngest, driven with strings, plus the
// small dialogue helpers the SMTP tests share.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "service/smtp/smtp_session.h"
#include "tests/service/smtp/fake_message_ingest.h"

namespace chainmail::testing {

inline SmtpSessionConfig TestConfig() {
  SmtpSessionConfig config;
  config.hostname = "journal.test";
  config.max_message_bytes = 10000;
  config.max_recipients = 3;
  return config;
}

inline ConnectionInfo TestConnection() {
  ConnectionInfo connection;
  connection.client_address = "192.0.2.7";
  connection.client_port = 40123;
  connection.server_address = "127.0.0.1:2525";
  return connection;
}

// The EHLO reply of TestConfig() without STARTTLS.
inline constexpr std::string_view kEhloReply =
    "250-journal.test\r\n250-PIPELINING\r\n250-SIZE 10000\r\n250-8BITMIME\r\n"
    "250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n250 CHUNKING\r\n";

class SessionHarness {
 public:
  explicit SessionHarness(const SmtpSessionConfig& config = TestConfig(),
                          ConnectionInfo connection = TestConnection())
      : session(config, std::move(connection), ingest) {}

  // Feeds all of `bytes`, as the socket loop does (taking the replies whenever the
  // session stops short), and returns the replies they produced.
  std::string Send(std::string_view bytes) {
    std::string replies;
    do {
      bytes.remove_prefix(session.Receive(bytes));
      replies += session.TakeOutput();
    } while (!bytes.empty());
    return replies;
  }

  // EHLO, MAIL FROM:<sender@example.org>, RCPT TO:<journal@journal.test>; expects success.
  std::string StartTransaction(std::string_view mail_parameters = "") {
    return Send("EHLO client.example\r\nMAIL FROM:<sender@example.org>" +
                std::string(mail_parameters) + "\r\nRCPT TO:<journal@journal.test>\r\n");
  }

  // A whole DATA transaction; returns the reply to the end of data.
  std::string SendMessage(std::string_view dot_stuffed_data,
                          std::string_view mail_parameters = "") {
    StartTransaction(mail_parameters);
    Send("DATA\r\n");
    return Send(dot_stuffed_data);
  }

  FakeMessageIngest ingest;
  SmtpSession session;
};

// The reply lines of `output`, without CRLF.
inline std::vector<std::string> Lines(std::string_view output) {
  std::vector<std::string> lines;
  while (!output.empty()) {
    size_t end = output.find("\r\n");
    if (end == std::string_view::npos) end = output.size();
    lines.emplace_back(output.substr(0, end));
    output.remove_prefix(std::min(output.size(), end + 2));
  }
  return lines;
}

// The three-digit codes of the reply lines of `output`, e.g. "250 250 354".
inline std::string Codes(std::string_view output) {
  std::string codes;
  for (const std::string& line : Lines(output)) {
    if (!codes.empty()) codes += ' ';
    codes += line.substr(0, 3);
  }
  return codes;
}

}  // namespace chainmail::testing
