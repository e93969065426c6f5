// The ESMTP state machine: what each command means in each state. The state itself is
// declared in smtp_session_impl.h; reply texts live in smtp_replies.h, command syntax in
// smtp_command.h and envelope_arguments.h, DATA decoding in dot_unstuffer.h, and the
// envelope, body and commit of one message in mail_transaction.h.
//
// Choices the RFCs leave open, fixed here:
// - MAIL FROM / RCPT TO record everything after the colon, parameters included, with one
//   leading space removed ("MAIL FROM: <a@b>" is tolerated).
// - Every transaction ends (archived, failed or refused for size) by resetting it: the
//   client starts again with MAIL. A storage failure at DATA / first BDAT resets it too.
// - BDAT refused before its data (no MAIL, no valid RCPT, storage failure) still
//   consumes its octets, then replies. After a BDAT chunk fails (552 for size, 452/451
//   for storage) the transaction is gone, so further BDATs get 503 5.5.1 until a new MAIL.
// - A malformed BDAT gets 501 5.5.4 and the connection is closed: the length of the data
//   that follows is unknown, and reading it as commands would let message content act
//   as SMTP commands.
// - BDAT is accepted after HELO as well as EHLO (tolerance); MAIL parameters after HELO
//   get 555 5.5.4.
// - Client errors (500, 501, 502, 503, 530, 550, 554, 555) count towards a limit of
//   kMaxErrors; reaching it sends 421 4.7.0 and closes. Size refusals (552) and recipient
//   overflow (452) do not count: a legitimate gateway can hit them.
#include "service/smtp/smtp_session.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "archive/format/payload_tags.h"
#include "archive/format/record_id.h"
#include "service/smtp/envelope_arguments.h"
#include "service/smtp/smtp_replies.h"
#include "service/smtp/smtp_session_impl.h"

namespace chainmail {
namespace {

namespace reply = smtp::reply;
using smtp::StorageFailureReply;
using smtp::Verb;

constexpr int kMaxErrors = 20;
// Replies waiting to be written past which Receive() stops taking input: a client that
// pipelines commands and never reads costs this much (plus one reply), not ~20 times its
// input (a 7-byte "EHLO a" earns a 150-byte reply).
constexpr size_t kMaxPendingOutput = 64 * 1024;

}  // namespace

SmtpSession::Impl::Impl(const SmtpSessionConfig& config, ConnectionInfo connection,
                        MessageIngest& ingest)
    : config_(config),
      connection_(std::move(connection)),
      ingest_(ingest),
      lines_(config.max_command_line) {
  common_.source = MessageSource::kSmtp;
  common_.client_address = connection_.client_address;
  common_.client_port = connection_.client_port;
  common_.server_address = connection_.server_address;
  common_.session_id = std::string(RecordId::Generate().AsBytes());
}

std::string SmtpSession::Impl::Greeting() const {
  return (connection_.allowed ? reply::Greeting(config_.hostname)
                              : reply::ClientNotAllowed(connection_.client_address)) +
         "\r\n";
}

void SmtpSession::Impl::OnTimeout() { Close(reply::Timeout(config_.hostname)); }
void SmtpSession::Impl::OnShutdown() { Close(reply::ShuttingDown(config_.hostname)); }

size_t SmtpSession::Impl::Receive(std::string_view bytes) {
  const size_t offered = bytes.size();
  while (!bytes.empty() && !wants_close_ && !wants_starttls_ &&
         output_.size() < kMaxPendingOutput) {
    size_t used = 0;
    switch (input_) {
      case Input::kCommands:
        used = ReceiveCommandBytes(bytes);
        break;
      case Input::kData:
        used = ReceiveDataBytes(bytes);
        break;
      case Input::kBdatChunk:
        used = ReceiveBdatBytes(bytes);
        break;
    }
    bytes.remove_prefix(used);
  }
  // RFC 3207 5: nothing sent in plaintext after STARTTLS survives the upgrade. The rest
  // of `bytes` is dropped (reported consumed); a partial line is dropped here.
  if (wants_starttls_ || wants_close_) {
    lines_.Clear();
    return offered;
  }
  return offered - bytes.size();
}

size_t SmtpSession::Impl::ReceiveCommandBytes(std::string_view in) {
  size_t used = 0;
  switch (lines_.Feed(in, &used)) {
    case smtp::CommandLineReader::Event::kNeedMore:
      break;
    case smtp::CommandLineReader::Event::kTooLong:
      ClientError(reply::kLineTooLong);
      break;
    case smtp::CommandLineReader::Event::kLine:
      HandleCommand(lines_.line());
      break;
  }
  return used;
}

size_t SmtpSession::Impl::ReceiveDataBytes(std::string_view in) {
  const size_t used = unstuffer_.Decode(in, transaction_->body());
  if (unstuffer_.finished()) {
    input_ = Input::kCommands;
    if (unstuffer_.smuggling_seen()) transaction_->AddFlags(msgflag::kSmugglingSequence);
    FinishMessage();
  }
  return used;
}

size_t SmtpSession::Impl::ReceiveBdatBytes(std::string_view in) {
  const size_t used = static_cast<size_t>(std::min<uint64_t>(in.size(), chunk_.remaining));
  if (chunk_.refusal.empty()) transaction_->body().Append(in.substr(0, used));
  chunk_.remaining -= used;
  if (chunk_.remaining == 0) FinishBdatChunk();
  return used;
}

void SmtpSession::Impl::HandleCommand(std::string_view line) {
  const smtp::Command command = smtp::ParseCommand(line);
  if (!connection_.allowed) {  // RFC 5321 3.1: after a 554 greeting, only QUIT
    if (command.verb == Verb::kQuit) {
      Close(reply::kBye);
    } else {
      ClientError(reply::kAccessDenied);
    }
    return;
  }
  switch (command.verb) {
    case Verb::kEhlo:
    case Verb::kHelo:
      HandleHello(command);
      break;
    case Verb::kMail:
      HandleMail(command.argument);
      break;
    case Verb::kRcpt:
      HandleRcpt(command.argument);
      break;
    case Verb::kData:
      HandleData(command.argument);
      break;
    case Verb::kBdat:
      HandleBdat(command.argument);
      break;
    case Verb::kStartTls:
      HandleStartTls(command.argument);
      break;
    case Verb::kRset:
      transaction_.reset();
      Reply(reply::kOk);
      break;
    case Verb::kNoop:
      Reply(reply::kOk);
      break;
    case Verb::kQuit:
      Close(reply::kBye);
      break;
    case Verb::kVrfy:
      Reply(reply::kCannotVrfy);
      break;
    case Verb::kHelp:
      Reply(reply::kHelp);
      break;
    case Verb::kExpn:
      ClientError(reply::kNotImplemented);
      break;
    case Verb::kUnknown:
      ClientError(reply::kUnrecognized);
      break;
  }
}

void SmtpSession::Impl::HandleHello(const smtp::Command& command) {
  const bool ehlo = command.verb == Verb::kEhlo;
  if (smtp::IsBlank(command.argument)) {
    ClientError(ehlo ? reply::kEhloSyntax : reply::kHeloSyntax);
    return;
  }
  transaction_.reset();
  common_.helo_verb = ehlo ? "EHLO" : "HELO";
  common_.helo_name = std::string(command.argument);
  if (ehlo) {
    output_ += reply::Ehlo(config_.hostname, config_.max_message_bytes,
                           config_.tls_available && !tls_active_);
  } else {
    Reply("250 " + config_.hostname);
  }
}

void SmtpSession::Impl::HandleMail(std::string_view argument) {
  if (common_.helo_verb.empty()) return ClientError(reply::kNeedHelo);
  if (config_.require_tls && !tls_active_) return ClientError(reply::kMustStartTls);
  if (transaction_) return ClientError(reply::kNestedMail);

  const smtp::CheckedArgument mail =
      smtp::CheckMailArgument(argument, common_.helo_verb == "EHLO", config_.max_message_bytes);
  if (!mail.refusal.empty()) return Refuse(mail.refusal, mail.client_error);
  MessagePayload envelope = common_;
  envelope.mail_from = std::string(mail.recorded);
  transaction_.emplace(std::move(envelope), mail.eight_bit_declared);
  Reply(reply::kSenderOk);
}

void SmtpSession::Impl::HandleRcpt(std::string_view argument) {
  if (!transaction_) return ClientError(reply::kNeedMail);
  if (transaction_->body_started()) return ClientError(reply::kBdatInProgress);
  transaction_->NoteRecipientAttempt();

  if (transaction_->recipient_count() >= config_.max_recipients) {
    return Reply(reply::kTooManyRecipients);  // RFC 5321 4.5.3.1.10: 452, not counted
  }
  const smtp::CheckedArgument rcpt = smtp::CheckRcptArgument(argument, config_.journal_recipients);
  if (!rcpt.refusal.empty()) return Refuse(rcpt.refusal, rcpt.client_error);
  transaction_->AddRecipient(rcpt.recorded);
  Reply(reply::kRecipientOk);
}

std::string_view SmtpSession::Impl::BodySequenceError() const {
  if (common_.helo_verb.empty()) return reply::kNeedHelo;
  if (!transaction_) return reply::kNeedMail;
  if (transaction_->recipient_count() == 0) {
    return transaction_->rcpt_attempted() ? reply::kNoValidRecipients : reply::kNeedRcpt;
  }
  return {};
}

Status SmtpSession::Impl::BeginBody(Transfer transfer) {
  Status status = transaction_->BeginBody(ingest_, transfer, config_.max_message_bytes);
  if (!status.ok()) transaction_.reset();
  return status;
}

void SmtpSession::Impl::HandleData(std::string_view argument) {
  if (!smtp::IsBlank(argument)) return ClientError(reply::kNoArgumentsAllowed);
  if (std::string_view error = BodySequenceError(); !error.empty()) return ClientError(error);
  // DATA mode takes no commands, so a body already started here is a BDAT one.
  if (transaction_->body_started()) return ClientError(reply::kDataInBdat);
  if (Status status = BeginBody(Transfer::kData); !status.ok()) {
    return Reply(StorageFailureReply(status));
  }
  unstuffer_.Reset();
  input_ = Input::kData;
  Reply(reply::kStartData);
}

void SmtpSession::Impl::HandleBdat(std::string_view argument) {
  std::optional<smtp::BdatArguments> args = smtp::ParseBdatArguments(argument);
  if (!args) {
    ++errors_;
    return Close(reply::kBdatSyntax);
  }
  chunk_ = Chunk{args->size, args->size, args->last, {}, false};
  if (std::string_view error = BodySequenceError(); !error.empty()) {
    chunk_.refusal = error;
    chunk_.refusal_is_client_error = true;
  } else if (!transaction_->body_started()) {
    if (Status status = BeginBody(Transfer::kBdat); !status.ok()) {
      chunk_.refusal = StorageFailureReply(status);
    }
  }
  if (chunk_.remaining == 0) {
    FinishBdatChunk();
  } else {
    input_ = Input::kBdatChunk;
  }
}

void SmtpSession::Impl::FinishBdatChunk() {
  input_ = Input::kCommands;
  if (!chunk_.refusal.empty()) return Refuse(chunk_.refusal, chunk_.refusal_is_client_error);
  if (chunk_.last) return FinishMessage();
  if (std::string_view failure = transaction_->BodyFailureReply(); !failure.empty()) {
    transaction_.reset();  // RFC 3030 2: the client must not send more chunks of it
    return Reply(failure);
  }
  Reply(reply::ChunkReceived(chunk_.size));
}

void SmtpSession::Impl::FinishMessage() {
  std::string result = transaction_->Archive(ingest_);
  transaction_.reset();
  Reply(result);
}

void SmtpSession::Impl::HandleStartTls(std::string_view argument) {
  if (tls_active_) return ClientError(reply::kTlsActive);
  if (!config_.tls_available) return ClientError(reply::kNotImplemented);
  if (!smtp::IsBlank(argument)) return ClientError(reply::kNoArgumentsAllowed);
  if (transaction_) return ClientError(reply::kTransactionInProgress);
  Reply(reply::kReadyToStartTls);
  wants_starttls_ = true;  // Receive() drops every byte after this line
}

void SmtpSession::Impl::TlsStarted(std::string protocol, std::string cipher) {
  // RFC 3207 4.2: forget everything learnt before the handshake; the client must EHLO.
  wants_starttls_ = false;
  tls_active_ = true;
  common_.tls_protocol = std::move(protocol);
  common_.tls_cipher = std::move(cipher);
  common_.helo_verb.clear();
  common_.helo_name.clear();
  transaction_.reset();
  lines_.Clear();
  input_ = Input::kCommands;
}

void SmtpSession::Impl::Reply(std::string_view line) {
  output_ += line;
  output_ += "\r\n";
}

void SmtpSession::Impl::ClientError(std::string_view line) {
  Reply(line);
  if (++errors_ >= kMaxErrors && !wants_close_) Close(reply::TooManyErrors(config_.hostname));
}

void SmtpSession::Impl::Refuse(std::string_view line, bool client_error) {
  if (client_error) {
    ClientError(line);
  } else {
    Reply(line);
  }
}

void SmtpSession::Impl::Close(std::string_view line) {
  if (wants_close_) return;
  Reply(line);
  wants_close_ = true;
  input_ = Input::kCommands;
  transaction_.reset();
}

SmtpSession::SmtpSession(const SmtpSessionConfig& config, ConnectionInfo connection,
                         MessageIngest& ingest)
    : impl_(std::make_unique<Impl>(config, std::move(connection), ingest)) {}
SmtpSession::~SmtpSession() = default;

std::string SmtpSession::Greeting() { return impl_->Greeting(); }
size_t SmtpSession::Receive(std::string_view bytes) { return impl_->Receive(bytes); }
std::string SmtpSession::TakeOutput() { return impl_->TakeOutput(); }
bool SmtpSession::WantsClose() const { return impl_->wants_close(); }
bool SmtpSession::WantsStartTls() const { return impl_->wants_starttls(); }
bool SmtpSession::MidMessage() const { return impl_->mid_message(); }
void SmtpSession::TlsStarted(std::string protocol, std::string cipher) {
  impl_->TlsStarted(std::move(protocol), std::move(cipher));
}
void SmtpSession::OnTimeout() { impl_->OnTimeout(); }
void SmtpSession::OnShutdown() { impl_->OnShutdown(); }

std::string SmtpSession::TooManyConnectionsReply(const std::string& hostname) {
  return smtp::reply::TooManyConnections(hostname) + "\r\n";
}

}  // namespace chainmail
