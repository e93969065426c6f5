#include "service/smtp/command_line_reader.h"

#include <cstring>

namespace chainmail::smtp {

CommandLineReader::Event CommandLineReader::Feed(std::string_view input, size_t* consumed) {
  if (line_in_partial_) partial_.clear();
  line_in_partial_ = false;
  line_ = {};
  if (input.empty()) {
    *consumed = 0;
    return Event::kNeedMore;
  }

  const void* lf = std::memchr(input.data(), '\n', input.size());
  if (lf == nullptr) {
    *consumed = input.size();
    // The line still needs its LF, so reaching max_line_ already makes it too long.
    if (!discarding_ && partial_.size() + input.size() >= max_line_) {
      discarding_ = true;
      partial_.clear();
    }
    if (!discarding_) partial_.append(input);
    return Event::kNeedMore;
  }

  const size_t length = static_cast<size_t>(static_cast<const char*>(lf) - input.data()) + 1;
  *consumed = length;
  if (discarding_ || partial_.size() + length > max_line_) {
    discarding_ = false;
    partial_.clear();
    return Event::kTooLong;
  }
  std::string_view line = input.substr(0, length - 1);
  if (!partial_.empty()) {
    partial_.append(line);
    line = partial_;
    line_in_partial_ = true;
  }
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  line_ = line;
  return Event::kLine;
}

void CommandLineReader::Clear() {
  partial_.clear();
  line_ = {};
  line_in_partial_ = false;
  discarding_ = false;
}

}  // namespace chainmail::smtp
