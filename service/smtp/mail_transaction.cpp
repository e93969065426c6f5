#include "service/smtp/mail_transaction.h"

#include "service/smtp/smtp_replies.h"

namespace chainmail::smtp {

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
  Result<RecordId> id = ingest.Commit(body_->ReleaseSpool(), std::move(envelope_));
  if (!id.ok()) return std::string(StorageFailureReply(id.status()));
  return std::string(reply::kArchivedPrefix) + id->ToString();
}

}  // namespace chainmail::smtp
