#include "service/smtp/dot_unstuffer.h"

#include "archive/format/byte_scan.h"

namespace chainmail::smtp {

void DotUnstuffer::Reset() {
  state_ = State::kLineStart;
  smuggling_seen_ = false;
}

size_t DotUnstuffer::Decode(std::string_view input, ContentSink& sink) {
  const char* const begin = input.data();
  const char* const end = begin + input.size();
  const char* p = begin;
  const char* slice = begin;  // start of the content not yet handed to the sink
  auto flush = [&](const char* upto) {
    if (upto > slice) sink.Append(std::string_view(slice, static_cast<size_t>(upto - slice)));
    slice = upto;
  };

  while (p < end && state_ != State::kFinished) {
    switch (state_) {
      case State::kMidLine:
        p = FindCrOrLf(p, end);
        if (p == end) break;
        state_ = *p == '\r' ? State::kAfterCr : State::kAfterBareLf;
        ++p;
        break;

      case State::kAfterCr:
      case State::kAfterBareLf:
      case State::kLineStartNul: {
        const char c = *p++;
        if (c == '\n' && state_ == State::kAfterCr) {
          state_ = State::kLineStart;
        } else if (c == '.') {
          state_ = State::kLooseDot;
        } else if (c == '\r') {
          state_ = State::kAfterCr;
        } else if (c == '\n') {
          state_ = State::kAfterBareLf;
        } else if (c != '\0' || state_ != State::kLineStartNul) {
          state_ = State::kMidLine;
        }
        break;
      }

      case State::kLineStart: {
        const char c = *p;
        if (c == '.') {
          flush(p);
          slice = ++p;  // the dot is held back
          state_ = State::kStuffedDot;
        } else {
          ++p;
          state_ = c == '\r'   ? State::kAfterCr
                   : c == '\n' ? State::kAfterBareLf
                   : c == '\0' ? State::kLineStartNul
                               : State::kMidLine;
        }
        break;
      }

      case State::kStuffedDot:
        // The held dot is dropped from here on: it was either stuffing or, before CR LF,
        // part of the end marker.
        if (*p == '\r') {
          slice = ++p;  // hold the CR back as well
          state_ = State::kStuffedDotCr;
        } else if (*p == '\n') {
          smuggling_seen_ = true;  // CRLF "." LF
          ++p;
          state_ = State::kAfterBareLf;
        } else {
          state_ = State::kMidLine;  // an ordinary stuffed line; rescan this byte
        }
        break;

      case State::kStuffedDotCr:
        if (*p == '\n') {
          slice = ++p;
          state_ = State::kFinished;
        } else {
          smuggling_seen_ = true;  // CRLF "." CR, not followed by LF: keep the CR
          sink.Append("\r");
          state_ = State::kAfterCr;  // rescan this byte after the CR
        }
        break;

      case State::kLooseDot:
        if (*p == '\r' || *p == '\n') {
          smuggling_seen_ = true;
          state_ = *p == '\r' ? State::kAfterCr : State::kAfterBareLf;
          ++p;
        } else {
          state_ = State::kMidLine;
        }
        break;

      case State::kFinished:
        break;
    }
  }
  if (state_ != State::kFinished) flush(end);
  return static_cast<size_t>(p - begin);
}

}  // namespace chainmail::smtp
