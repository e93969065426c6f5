// CommandLineReader: assembles SMTP command lines from arbitrary input chunks, with a
// hard bound on memory.
//
// A line ends at LF; a CR before it is stripped, and a bare LF is accepted as terminator
// too (as Postfix does). A line longer than `max_line` bytes including its terminator is
// reported as too long once its end arrives; its bytes are discarded as they come, so the
// buffer never holds more than max_line bytes whatever the client sends.
//
// Thread safety: one reader per session, used by one thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace chainmail::smtp {

class CommandLineReader {
 public:
  enum class Event {
    kNeedMore,  // all input consumed, no complete line yet
    kLine,      // line() holds a complete line
    kTooLong,   // an over-long line ended; its bytes were discarded
  };

  explicit CommandLineReader(size_t max_line) : max_line_(max_line) {}

  // Consumes input up to and including the end of one line (or all of it). Sets
  // *consumed to the bytes used. On kLine, line() is valid until the next call and may
  // point into `input`, which must stay alive until then.
  Event Feed(std::string_view input, size_t* consumed);

  // The line just completed, without its CRLF / LF.
  std::string_view line() const { return line_; }

  // Forgets any partial line (STARTTLS: buffered plaintext must not survive).
  void Clear();

 private:
  size_t max_line_;
  std::string partial_;  // bytes of an unfinished line; size() < max_line_
  std::string_view line_;
  bool line_in_partial_ = false;  // line_ points into partial_: clear it on the next Feed
  bool discarding_ = false;       // inside an over-long line
};

}  // namespace chainmail::smtp
