#include "archive/mbox_reader.h"

namespace chainmail {
namespace {

bool IsQuotedFrom(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && line[i] == '>') ++i;
  return i > 0 && line.substr(i, 5) == "From ";
}

bool IsEmptyLine(std::string_view line) { return line == "\n" || line == "\r\n"; }

}  // namespace

bool LooksLikeMbox(std::string_view first_bytes) { return first_bytes.substr(0, 5) == "From "; }

std::string MboxSender(std::string_view from_line) {
  std::string_view rest = from_line.substr(std::min<size_t>(5, from_line.size()));
  size_t end = rest.find(' ');
  return std::string(rest.substr(0, end));
}

Status ReadMbox(std::FILE* in, const std::function<Status(const MboxMessageStart&)>& begin,
                const std::function<void(std::string_view)>& write, const std::function<Status()>& end) {
  char* buf = nullptr;
  size_t cap = 0;
  ssize_t n;
  bool in_message = false, previous_empty = true;
  std::string held;  // an empty line held back: it may be the separator before the next From_
  size_t index = 0;
  Status status;
  while (status.ok() && (n = getline(&buf, &cap, in)) > 0) {
    std::string_view line(buf, static_cast<size_t>(n));
    if (previous_empty && line.substr(0, 5) == "From ") {
      if (in_message) status = end();  // the held separator is dropped
      held.clear();
      if (!status.ok()) break;
      std::string_view from = line;
      while (!from.empty() && (from.back() == '\n' || from.back() == '\r')) from.remove_suffix(1);
      status = begin(MboxMessageStart{++index, std::string(from)});
      in_message = true;
      previous_empty = false;
      continue;
    }
    if (!in_message) {  // bytes before the first From_ line: not a message
      previous_empty = IsEmptyLine(line);
      continue;
    }
    if (!held.empty()) {
      write(held);
      held.clear();
    }
    previous_empty = IsEmptyLine(line);
    if (previous_empty) held = line;
    else if (IsQuotedFrom(line)) write(line.substr(1));
    else write(line);
  }
  std::free(buf);
  if (status.ok() && std::ferror(in)) status = Status::IoError("read error");
  if (status.ok() && in_message) status = end();  // a final separator line is dropped
  return status;
}

}  // namespace chainmail
