#include "archive/content_flags.h"

#include "archive/format/byte_scan.h"
#include "archive/format/payload_tags.h"

namespace chainmail {

void ContentFlagScanner::Update(std::string_view bytes) {
  const char* p = bytes.data();
  const char* const end = p + bytes.size();
  while (p < end) {
    // Ordinary bytes (not CR, LF, NUL or 8-bit) only lengthen the line: skip them in bulk.
    // Once one 8-bit byte has set its flag the rest are ordinary too: text in most of the
    // world's scripts is nearly all 8-bit bytes, and stopping at each one costs ~25x.
    const char* special = (flags_ & msgflag::kEightBit) != 0 ? FindLineBreakOrNul(p, end)
                                                            : FindLineBreakNulOrEightBit(p, end);
    if (special > p) {
      if (pending_cr_) flags_ |= msgflag::kBareCr;
      pending_cr_ = false;
      line_length_ += static_cast<uint64_t>(special - p);
      if (line_length_ > 998) flags_ |= msgflag::kLongLine;
      p = special;
      if (p == end) break;
    }
    const auto c = static_cast<unsigned char>(*p++);
    if (pending_cr_ && c != '\n') flags_ |= msgflag::kBareCr;
    if (c == '\n') {
      if (!pending_cr_) flags_ |= msgflag::kBareLf;
      if (line_length_ == 0) header_end_seen_ = true;  // an empty line ends the header block
      line_length_ = 0;
    } else if (c != '\r') {
      if (c == 0) flags_ |= msgflag::kNul;
      if (c >= 0x80) flags_ |= msgflag::kEightBit;
      if (++line_length_ > 998) flags_ |= msgflag::kLongLine;
    }
    pending_cr_ = c == '\r';
  }
}

uint32_t ContentFlagScanner::Finish() const {
  uint32_t f = flags_;
  if (pending_cr_) f |= msgflag::kBareCr;
  if (!header_end_seen_) f |= msgflag::kNoHeaderEnd;
  return f;
}

uint32_t ComputeContentFlags(std::string_view message) {
  ContentFlagScanner s;
  s.Update(message);
  return s.Finish();
}

}  // namespace chainmail
