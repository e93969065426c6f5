// ContentFlagScanner: computes the recomputable content flags (msgflag bits 0-5: bare CR,
// bare LF, NUL, 8-bit, line over 998 octets, no end of header block) over a message's
// bytes, streaming, so the receive path and verify derive them the same way.
// One thread at a time.
#pragma once

#include <cstdint>
#include <string_view>

namespace chainmail {

class ContentFlagScanner {
 public:
  void Update(std::string_view bytes);
  uint32_t Finish() const;

 private:
  uint32_t flags_ = 0;
  uint64_t line_length_ = 0;     // octets on the current line, CR and LF excluded
  bool pending_cr_ = false;      // the last byte was CR
  bool header_end_seen_ = false;
};

uint32_t ComputeContentFlags(std::string_view message);

}  // namespace chainmail
