// MboxReader: splits an mbox file (mboxo or mboxrd) into messages, streaming line by line
// so a large mailbox never sits in memory. A message starts at a "From " line at the
// beginning of the file or after an empty line; its own ">From " / ">>From " lines are
// unquoted one level (mboxrd); the empty line that separates messages is not part of the
// message. Every other byte is passed through exactly. One thread at a time.
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include "archive/format/status.h"

namespace chainmail {

struct MboxMessageStart {
  size_t index = 0;        // 1-based position in the mailbox
  std::string from_line;   // the "From " line without its line end
};

// True when the file begins with "From " (how mbox files are recognised).
bool LooksLikeMbox(std::string_view first_bytes);

// Calls begin() at each message, write() with its bytes, end() when it is complete.
// Stops at the first non-OK Status returned by a callback.
Status ReadMbox(std::FILE* in, const std::function<Status(const MboxMessageStart&)>& begin,
                const std::function<void(std::string_view)>& write, const std::function<Status()>& end);

// The sender address of a From_ line ("From a@b Thu Nov 27 ..." -> "a@b").
std::string MboxSender(std::string_view from_line);

}  // namespace chainmail
