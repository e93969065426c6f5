// Lines of a MIME entity as header_fields.h reads them: each ends in CRLF, a bare LF or
// a bare CR (or at the end of the data). The multipart splitter and the part header
// reader walk lines with it, so both agree with the header reader on what a line is.
//
// Pure; thread-safe. Each call costs the length of the line (bulk scan, byte_scan.h).
#pragma once

#include <cstddef>
#include <string_view>

#include "archive/format/byte_scan.h"

namespace chainmail {

struct MimeLine {
  size_t begin = 0;  // first byte of the content
  size_t end = 0;    // one past the content (the terminator excluded)
  size_t next = 0;   // where the next line starts (after the terminator)
};

// The line starting at `pos` (< data.size()).
inline MimeLine LineAt(std::string_view data, size_t pos) {
  const char* base = data.data();
  const size_t end = static_cast<size_t>(FindCrOrLf(base + pos, base + data.size()) - base);
  size_t next = end;
  if (end < data.size())
    next += data[end] == '\r' && end + 1 < data.size() && data[end + 1] == '\n' ? 2 : 1;
  return MimeLine{pos, end, next};
}

}  // namespace chainmail
