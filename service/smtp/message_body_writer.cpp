#include "service/smtp/message_body_writer.h"

#include <utility>

#include "archive/format/payload_tags.h"
#include "archive/format/byte_scan.h"

namespace chainmail::smtp {

MessageBodyWriter::MessageBodyWriter(std::unique_ptr<MessageSpool> spool, uint64_t max_bytes,
                                     bool eight_bit_declared)
    : spool_(std::move(spool)), max_bytes_(max_bytes), eight_bit_declared_(eight_bit_declared) {}

void MessageBodyWriter::Append(std::string_view bytes) {
  const uint64_t room = offered_ < max_bytes_ ? max_bytes_ - offered_ : 0;
  offered_ += bytes.size();
  if (bytes.size() > room) return;  // over the limit: this and everything after is dropped
  if (!eight_bit_declared_ && flags_ == 0 && HasEightBit(bytes)) {
    flags_ |= msgflag::kEightBitUndeclared;
  }
  spool_->Write(bytes);
}

}  // namespace chainmail::smtp
