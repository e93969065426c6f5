// DotUnstuffer: the streaming decoder for SMTP DATA content (RFC 5321 4.1.1.4, 4.5.2).
//
// Only CRLF "." CRLF ends the data, and the CRLF before the dot belongs to the message.
// The beginning of the data counts as the start of a line. A "." right after CRLF is
// removed (dot-unstuffing) unless the line is the end marker; every other byte is passed
// through exactly as received: bare CR, bare LF, NUL, 8-bit bytes, lines of any length.
//
// SMTP smuggling: a dot line framed by a bare CR or LF ("\n.\n", "\n.\r\n", "\r\n.\n",
// "\r.\r\n", "\r\n.\r" + not LF, "\r\n\0.\r\n", "\n\n.\r\n") never ends the data; the
// decoder notes it (smuggling_seen()) so the record can be flagged. Noted is any dot with
// CR or LF right after it whose line break before it is a bare CR, a bare LF or CRLF NUL,
// and a dot after CRLF followed by a bare CR or LF. Such a dot after CRLF is still
// removed like any leading dot (RFC 5321 4.5.2: its line has more characters), so
// "\r\n.\n" is stored as "\r\n\n"; a dot after anything else is kept.
//
// Streaming: state is carried across Decode() calls, so a marker split at any byte
// boundary is still found. Content goes to the sink in slices as large as the input
// allows (split only where a stuffed dot is removed); nothing is buffered here.
//
// Thread safety: one decoder per session, used by one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace chainmail::smtp {

// Receives decoded message content, in order.
class ContentSink {
 public:
  virtual void Append(std::string_view bytes) = 0;

 protected:
  ~ContentSink() = default;
};

class DotUnstuffer {
 public:
  // Ready for the first byte of new DATA content.
  void Reset();

  // Decodes a prefix of `input` into `sink` and returns how many bytes it consumed: all
  // of `input`, or fewer when the end marker is reached, in which case finished() is true
  // and the rest of `input` (pipelined commands) belongs to the caller.
  size_t Decode(std::string_view input, ContentSink& sink);

  bool finished() const { return state_ == State::kFinished; }
  bool smuggling_seen() const { return smuggling_seen_; }

 private:
  enum class State : uint8_t {
    kMidLine,       // last byte ordinary: only CR and LF matter next
    kAfterCr,       // last byte a CR (not yet known whether bare)
    kAfterBareLf,   // last byte an LF not preceded by CR
    kLineStart,     // after CRLF, or at the beginning of the data
    kLineStartNul,  // CRLF then NUL(s)
    kStuffedDot,    // CRLF "." : the dot is held back (removed, or part of the end marker)
    kStuffedDotCr,  // CRLF "." CR: the CR is held back too
    kLooseDot,      // a dot after a bare CR/LF or CRLF NUL: kept, watched for smuggling
    kFinished,      // the end marker was consumed
  };

  State state_ = State::kLineStart;
  bool smuggling_seen_ = false;
};

}  // namespace chainmail::smtp
