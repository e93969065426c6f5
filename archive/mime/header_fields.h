// HeaderFieldReader: splits the header block at the start of a message into fields, in
// one pass, without copying.
//
// Lines end in CRLF, bare LF or bare CR. The block ends at the first empty line or at the
// end of the data. A line starting with SP or HTAB continues the previous field. A line
// that is neither a continuation nor "name:value" (name = visible ASCII, optionally
// followed by WSP before the colon, RFC 5322 4.5) is skipped together with its own
// continuation lines; it does not end the block.
//
// Thread safety: one thread at a time. The data passed in must outlive the reader and
// the fields it returns.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace chainmail {

struct HeaderField {
  std::string_view name;       // as written (any case), WSP before the colon removed
  std::string_view raw_value;  // after the colon to the end of the field, line breaks kept
};

class HeaderFieldReader {
 public:
  // `data` is the start of the message (or all of it).
  explicit HeaderFieldReader(std::string_view data) : data_(data) {}

  // The next field; false once the block (or the data) has ended.
  bool Next(HeaderField* field);

  // True once the empty line that ends the header block has been read.
  bool found_end() const { return found_end_; }
  // True when a byte >= 0x80 occurred in the lines read so far.
  bool eight_bit() const { return eight_bit_; }

 private:
  struct Line {
    size_t begin = 0, end = 0;  // the content, terminator excluded
    bool terminated = false;
  };
  bool ReadLine(Line* line);
  // Starts a field if `line` is "name:value"; false for a line to skip.
  bool StartField(const Line& line);

  std::string_view data_;
  size_t pos_ = 0;
  bool done_ = false;
  bool found_end_ = false;
  bool eight_bit_ = false;
  bool in_field_ = false;  // a field has started and not been returned yet
  std::string_view name_;  // of that field
  size_t value_begin_ = 0, value_end_ = 0;
};

// The value with its folding undone: every CR and LF removed, the whitespace that
// follows them kept (RFC 5322 2.2.3).
std::string Unfold(std::string_view raw_value);

}  // namespace chainmail
