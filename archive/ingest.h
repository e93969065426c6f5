// MessageIngest: the seam between a receiving session (SMTP or CLI import) and the archive.
//
// A session asks for a MessageSpool, writes the message bytes into it as they arrive
// (already dot-unstuffed; exactly the bytes to archive), then hands it back with the
// envelope to Commit, which returns only once the record is durably committed (or fails).
// The archive computes the raw SHA-256, length, content flags and header metadata while
// the bytes are written, so nothing is read twice.
//
// Thread safety: MessageIngest is shared by all sessions and is thread-safe. A
// MessageSpool belongs to one session and is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "archive/format/message_payload.h"
#include "archive/format/record_id.h"
#include "archive/format/status.h"

namespace chainmail {

class MessageSpool {
 public:
  virtual ~MessageSpool() = default;
  // Appends bytes. A failure (disk full, I/O error) is latched in status(); later writes
  // are ignored, so the session can keep reading the client's data and reply at the end.
  virtual void Write(std::string_view bytes) = 0;
  virtual uint64_t size() const = 0;
  virtual Status status() const = 0;
};

class MessageIngest {
 public:
  virtual ~MessageIngest() = default;
  // A new empty spool. Fails with kNoSpace when the spool area is full or the in-flight
  // bound is reached, kUnavailable when shutting down.
  virtual Result<std::unique_ptr<MessageSpool>> BeginMessage() = 0;
  // Archives the spooled bytes with `envelope` (all fields the session knows: source,
  // MAIL FROM, RCPTs, HELO, client, TLS, session id, transfer, and transfer flags in bits
  // 16-31 of flags). The archive fills received time, raw hash and length, codec and the
  // recomputable flags. Blocks until committed and synced; only then may the caller
  // acknowledge. Returns the record's id, or kNoSpace (-> 452 4.3.1) or another error
  // (-> 451 4.3.0).
  virtual Result<RecordId> Commit(std::unique_ptr<MessageSpool> spool, MessagePayload envelope) = 0;
};

}  // namespace chainmail
