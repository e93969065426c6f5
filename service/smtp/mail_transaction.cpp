#include "service/smtp/mail_transaction.h"

#include <exception>

#include "Poco/Logger.h"
#include "service/smtp/smtp_replies.h"

namespace chainmail::smtp {
namespace {

// "192.0.2.7:40123" or "[2001:db8::1]:40123", as the connection's own log lines name it.
std::string ClientName(const MessagePayload& envelope) {
  const bool v6 = envelope.client_address.find(':') != std::string::npos;
  const std::string host = v6 ? "[" + envelope.client_address + "]" : envelope.client_address;
  return host + ":" + std::to_string(envelope.client_port);
}

// MessageIngest::Commit reports failures as a Status, but anything that throws below it
// (an encoder's limit, memory) must still end in a reply, or the client would lose a
// message it sent in full to a silent close. A throw becomes kUnavailable: 451 4.3.0.
Result<RecordId> CommitWithoutThrowing(MessageIngest& ingest, std::unique_ptr<MessageSpool> spool,
                                       MessagePayload envelope) {
  try {
    return ingest.Commit(std::move(spool), std::move(envelope));
  } catch (const std::exception& e) {
    return Status::Unavailable(std::string("archiving threw: ") + e.what());
  } catch (...) {
    return Status::Unavailable("archiving threw an unknown exception");
  }
}

}  // namespace

std::string_view StorageFailureReply(const Status& status) {
  return status.code() == Status::Code::kNoSpace ? reply::kInsufficientStorage
                                                 : reply::kTemporaryFailure;
}

Status MailTransaction::BeginBody(MessageIngest& ingest, Transfer transfer, uint64_t max_bytes) {
  Result<std::unique_ptr<MessageSpool>> spool = ingest.BeginMessage();
  if (!spool.ok()) return spool.status();
  envelope_.transfer = transfer;
  body_ = std::make_unique<MessageBodyWriter>(std::move(*spool), max_bytes, eight_bit_declared_);
  return Status::Ok();
}

std::string_view MailTransaction::BodyFailureReply() const {
  if (body_->too_large()) return reply::kMessageTooLarge;
  if (Status status = body_->status(); !status.ok()) return StorageFailureReply(status);
  return {};
}

std::string MailTransaction::Archive(MessageIngest& ingest) {
  if (std::string_view failure = BodyFailureReply(); !failure.empty()) return std::string(failure);
  envelope_.flags |= body_->flags();
  const std::string client = ClientName(envelope_);
  Result<RecordId> id = CommitWithoutThrowing(ingest, body_->ReleaseSpool(), std::move(envelope_));
  if (!id.ok()) {
    const std::string_view reply = StorageFailureReply(id.status());
    Poco::Logger& logger = Poco::Logger::get("chainmail.smtp");
    if (logger.warning()) {
      logger.warning(client + ": message not archived (" + std::string(reply.substr(0, 9)) +
                     "): " + id.status().message());
    }
    return std::string(reply);
  }
  return std::string(reply::kArchivedPrefix) + id->ToString();
}

}  // namespace chainmail::smtp
