// MailTransaction: one SMTP mail transaction, from an accepted MAIL FROM to the end of
// its message. It holds the envelope as recipients are accepted, spools the body through
// a MessageBodyWriter, hands both to MessageIngest::Commit, and turns every outcome of
// archiving into the reply the client gets. Which command may come when is SmtpSession's
// business, not this class's.
//
// Ownership: owns the spool until Archive(); destroying the transaction drops the spool
// (RSET, a new EHLO, a closed connection). Thread safety: used by the session's thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "archive/ingest.h"
#include "service/smtp/message_body_writer.h"

namespace chainmail::smtp {

class MailTransaction {
 public:
  // `envelope` holds what is known at MAIL: sender, HELO, client, TLS, session id.
  MailTransaction(MessagePayload envelope, bool eight_bit_declared)
      : envelope_(std::move(envelope)), eight_bit_declared_(eight_bit_declared) {}

  // `recorded`: the RCPT argument after "TO:", as the envelope keeps it.
  void AddRecipient(std::string_view recorded) { envelope_.rcpt_to.emplace_back(recorded); }
  size_t recipient_count() const { return envelope_.rcpt_to.size(); }
  // Any RCPT seen, accepted or not (554 vs 503 when none was accepted).
  void NoteRecipientAttempt() { rcpt_attempted_ = true; }
  bool rcpt_attempted() const { return rcpt_attempted_; }

  // Opens the spool for the body (at DATA, or the first BDAT).
  Status BeginBody(MessageIngest& ingest, Transfer transfer, uint64_t max_bytes);
  bool body_started() const { return body_ != nullptr; }
  // Where body bytes go, after BeginBody succeeded.
  ContentSink& body() { return *body_; }
  // Transfer flags observed by the session (msgflag bits 16-31).
  void AddFlags(uint32_t flags) { envelope_.flags |= flags; }

  // 552 / 452 / 451 when the body received so far cannot be archived, else empty.
  std::string_view BodyFailureReply() const;
  // After the last body byte: commits the message, blocking until it is durable, and
  // returns the reply: "250 2.0.0 Ok: archived <id>", or 552 / 452 / 451. Call once.
  // Never throws for the ingest: whatever Commit throws is a failure like any other,
  // answered 451 4.3.0. Every failed commit is logged to "chainmail.smtp".
  std::string Archive(MessageIngest& ingest);

 private:
  MessagePayload envelope_;
  const bool eight_bit_declared_;
  bool rcpt_attempted_ = false;
  std::unique_ptr<MessageBodyWriter> body_;
};

// 452 4.3.1 for a full disk or spool, 451 4.3.0 for any other internal failure: never a
// 5xx, so the gateway retries.
std::string_view StorageFailureReply(const Status& status);

}  // namespace chainmail::smtp
