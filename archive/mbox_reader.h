// MboxReader: splits an mbox file (mboxo or mboxrd) into messages as its bytes arrive, in
// blocks of any size, so neither a large mailbox nor a long line ever sits in memory: it
// keeps at most the first few bytes of a line (enough to tell a From_ line, a ">From "
// line or an empty line), a From_ line up to kMaxFromLine bytes, and kWriteBlock bytes of
// output. A message starts at a "From " line at the beginning of the file (after an
// optional UTF-8 byte order mark) or after an empty line; its own ">From " / ">>From "
// lines are unquoted one level (mboxrd); the empty line that separates messages is not
// part of the message, nor is anything before the first From_ line. Every other byte is
// passed through exactly: CRLF line ends, NULs, a last line without a line end.
// One thread at a time.
#pragma once

#include <cstddef>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include "archive/format/status.h"

namespace chainmail {

struct MboxMessageStart {
  size_t index = 0;        // 1-based position in the mailbox
  std::string from_line;   // the "From " line without its line end (its first kMaxFromLine bytes)
};

// True when `first_bytes` (the start of a file; a block of some KiB is plenty) begins with
// "From ", after an optional UTF-8 byte order mark and empty lines: how mbox files are
// recognised.
bool LooksLikeMbox(std::string_view first_bytes);

// The sender address of a From_ line ("From a@b Thu Nov 27 ..." -> "a@b").
std::string MboxSender(std::string_view from_line);

class MboxReader {
 public:
  static constexpr size_t kWriteBlock = 64 * 1024;  // the largest piece passed to write()
  static constexpr size_t kMaxFromLine = 4096;      // a longer From_ line is cut (it is not content)

  // Calls begin() at each message, write() with its bytes (pieces of at most kWriteBlock),
  // end() when it is complete. The callbacks must outlive the reader.
  MboxReader(std::function<Status(const MboxMessageStart&)> begin, std::function<void(std::string_view)> write,
             std::function<Status()> end);

  // The mailbox's next bytes. Returns the first non-OK Status a callback returned; from
  // then on nothing more is called and every later call returns it too.
  Status Feed(std::string_view bytes);
  // The mailbox ends here: completes the last message (a final separator line is dropped).
  Status Finish();

 private:
  enum class State { kLineStart, kFromLine, kRestOfLine };

  void Process(std::string_view bytes);
  void LineStartByte(char c);
  void FromLineBytes(std::string_view bytes, bool line_ends);
  void StartMessage();
  void EmitUndecided();
  void HeldToOutput();
  void Emit(std::string_view bytes);
  void Flush();
  void NextLine(bool empty);

  std::function<Status(const MboxMessageStart&)> begin_;
  std::function<void(std::string_view)> write_;
  std::function<Status()> end_;
  Status status_;
  size_t bom_matched_ = 0;   // bytes of a leading byte order mark seen so far
  bool bom_done_ = false;    // past the point where a byte order mark may be
  State state_ = State::kLineStart;
  bool in_message_ = false;
  bool previous_empty_ = true;  // the previous line was "\n" or "\r\n" (or there was none)
  size_t index_ = 0;
  // The line being classified: how many '>' it starts with (the first is held back, the
  // others are already out) and up to 5 bytes after them.
  size_t quotes_ = 0;
  std::string tail_;
  std::string held_;       // an empty line held back: it may be the separator before the next From_
  std::string from_line_;  // the From_ line being read
  std::string out_;        // message bytes not yet passed to write()
};

// Reads `in` to its end in blocks through an MboxReader; a read error is kIoError.
Status ReadMbox(std::FILE* in, const std::function<Status(const MboxMessageStart&)>& begin,
                const std::function<void(std::string_view)>& write, const std::function<Status()>& end);

}  // namespace chainmail
