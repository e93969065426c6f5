// MessageBodyWriter: the bounded path from decoded message content (DATA after
// dot-unstuffing, or BDAT chunks) into a MessageSpool.
//
// It counts every byte offered; once the total passes the size limit it stops writing
// (the session keeps reading to the end of the data and then replies 552 5.3.4). It also
// notes 8-bit content the client did not declare with BODY=8BITMIME. Spool failures are
// latched by the spool itself and read back through status().
//
// Ownership: owns the spool until ReleaseSpool(). Thread safety: one writer per message,
// used by the session's thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "archive/ingest.h"
#include "service/smtp/dot_unstuffer.h"

namespace chainmail::smtp {

class MessageBodyWriter final : public ContentSink {
 public:
  MessageBodyWriter(std::unique_ptr<MessageSpool> spool, uint64_t max_bytes,
                    bool eight_bit_declared);

  void Append(std::string_view bytes) override;

  // Bytes offered so far, including any beyond the limit that were not written.
  uint64_t offered() const { return offered_; }
  bool too_large() const { return offered_ > max_bytes_; }
  // The spool's latched status: OK, or why writing failed.
  Status status() const { return spool_->status(); }
  // msgflag::kEightBitUndeclared when seen, else 0.
  uint32_t flags() const { return flags_; }

  // Hands the spool on to MessageIngest::Commit; the writer is unusable afterwards.
  std::unique_ptr<MessageSpool> ReleaseSpool() { return std::move(spool_); }

 private:
  std::unique_ptr<MessageSpool> spool_;
  const uint64_t max_bytes_;
  const bool eight_bit_declared_;
  uint64_t offered_ = 0;
  uint32_t flags_ = 0;
};

}  // namespace chainmail::smtp
