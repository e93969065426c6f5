// SmtpSession::Impl: the state of one ESMTP session and the handlers that move it on.
// Private to service/smtp/smtp_session.cpp, which holds the logic; this header is the
// map of what a session remembers. Used by one thread, like SmtpSession.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "archive/ingest.h"
#include "service/smtp/command_line_reader.h"
#include "service/smtp/dot_unstuffer.h"
#include "service/smtp/mail_transaction.h"
#include "service/smtp/smtp_command.h"
#include "service/smtp/smtp_session.h"

namespace chainmail {

class SmtpSession::Impl {
 public:
  // `ingest` must outlive the session.
  Impl(const SmtpSessionConfig& config, ConnectionInfo connection, MessageIngest& ingest);

  std::string Greeting() const;

  size_t Receive(std::string_view bytes);
  std::string TakeOutput() { return std::exchange(output_, {}); }
  bool wants_close() const { return wants_close_; }
  bool wants_starttls() const { return wants_starttls_; }
  bool mid_message() const {
    return input_ != Input::kCommands || (transaction_ && transaction_->body_started());
  }
  void TlsStarted(std::string protocol, std::string cipher);
  void OnTimeout();
  void OnShutdown();

 private:
  // What the next input bytes are.
  enum class Input : uint8_t { kCommands, kData, kBdatChunk };

  // The BDAT chunk being read.
  struct Chunk {
    uint64_t size = 0;
    uint64_t remaining = 0;
    bool last = false;
    std::string_view refusal;  // non-empty: discard the octets, then send this reply
    bool refusal_is_client_error = false;
  };

  size_t ReceiveCommandBytes(std::string_view in);
  size_t ReceiveDataBytes(std::string_view in);
  size_t ReceiveBdatBytes(std::string_view in);

  void HandleCommand(std::string_view line);
  void HandleHello(const smtp::Command& command);
  void HandleMail(std::string_view argument);
  void HandleRcpt(std::string_view argument);
  void HandleData(std::string_view argument);
  void HandleBdat(std::string_view argument);
  void HandleStartTls(std::string_view argument);

  // The sequence error for DATA / BDAT, or empty when a body may start.
  std::string_view BodySequenceError() const;
  // Opens the spool for the body; on failure the transaction is gone.
  Status BeginBody(Transfer transfer);
  void FinishBdatChunk();
  // After the last byte of the body: archive it or say why not; ends the transaction.
  void FinishMessage();

  void Reply(std::string_view line);
  void ClientError(std::string_view line);  // counts towards the error limit
  void Refuse(std::string_view line, bool client_error);
  void Close(std::string_view line);  // sends `line` (a 221 or 421) and closes

  const SmtpSessionConfig config_;
  const ConnectionInfo connection_;
  MessageIngest& ingest_;

  std::string output_;
  Input input_ = Input::kCommands;
  smtp::CommandLineReader lines_;
  smtp::DotUnstuffer unstuffer_;
  Chunk chunk_;

  // What every envelope of the session shares: client, server, session id (16 bytes),
  // and, once known, HELO / EHLO (helo_verb empty before) and TLS.
  MessagePayload common_;
  bool tls_active_ = false;
  std::optional<smtp::MailTransaction> transaction_;

  int errors_ = 0;
  bool wants_close_ = false;
  bool wants_starttls_ = false;
};

}  // namespace chainmail
