#include "archive/mbox_reader.h"

#include <algorithm>
#include <cstring>

namespace chainmail {
namespace {

constexpr std::string_view kFrom = "From ";
constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

bool LooksLikeMbox(std::string_view first_bytes) {
  std::string_view s = first_bytes;
  if (StartsWith(s, kByteOrderMark)) s.remove_prefix(kByteOrderMark.size());
  for (;;) {
    if (StartsWith(s, "\n")) s.remove_prefix(1);
    else if (StartsWith(s, "\r\n")) s.remove_prefix(2);
    else break;
  }
  return StartsWith(s, kFrom);
}

std::string MboxSender(std::string_view from_line) {
  std::string_view rest = from_line.substr(std::min<size_t>(5, from_line.size()));
  size_t end = rest.find(' ');
  return std::string(rest.substr(0, end));
}

MboxReader::MboxReader(std::function<Status(const MboxMessageStart&)> begin,
                       std::function<void(std::string_view)> write, std::function<Status()> end)
    : begin_(std::move(begin)), write_(std::move(write)), end_(std::move(end)) {}

Status MboxReader::Feed(std::string_view bytes) {
  // A byte order mark is skipped only at the very start of the file.
  while (!bom_done_ && !bytes.empty()) {
    if (bytes.front() == kByteOrderMark[bom_matched_]) {
      bytes.remove_prefix(1);
      bom_done_ = ++bom_matched_ == kByteOrderMark.size();
    } else {
      bom_done_ = true;
      Process(kByteOrderMark.substr(0, bom_matched_));  // not a byte order mark after all
    }
  }
  Process(bytes);
  return status_;
}

Status MboxReader::Finish() {
  if (!bom_done_) {
    bom_done_ = true;
    Process(kByteOrderMark.substr(0, bom_matched_));
  }
  if (!status_.ok()) return status_;
  if (state_ == State::kFromLine) StartMessage();  // a From_ line without a line end
  else if (state_ == State::kLineStart) EmitUndecided();
  if (status_.ok() && in_message_) {  // a held separator line is dropped
    Flush();
    in_message_ = false;
    status_ = end_();
  }
  return status_;
}

void MboxReader::Process(std::string_view bytes) {
  while (!bytes.empty() && status_.ok()) {
    if (state_ == State::kLineStart) {
      LineStartByte(bytes.front());
      bytes.remove_prefix(1);
      continue;
    }
    const char* nl = static_cast<const char*>(std::memchr(bytes.data(), '\n', bytes.size()));
    const size_t n = nl ? static_cast<size_t>(nl - bytes.data()) + 1 : bytes.size();
    if (state_ == State::kFromLine) {
      FromLineBytes(bytes.substr(0, n), nl != nullptr);
    } else {
      Emit(bytes.substr(0, n));
      if (nl) NextLine(false);
    }
    bytes.remove_prefix(n);
  }
}

// Classifies the line from its first bytes: an empty line, a From_ line, a quoted
// ">...From " line or any other; once that is known the rest of the line streams through.
void MboxReader::LineStartByte(char c) {
  if (c == '\n') {
    if (quotes_ == 0 && (tail_.empty() || tail_ == "\r")) {  // an empty line
      if (in_message_) {
        HeldToOutput();
        held_ = tail_ + "\n";
      }
      NextLine(true);
      return;
    }
    EmitUndecided();  // a short line: ">", "Fro", ">>Fr", "\r\r"...
    Emit("\n");
    NextLine(false);
    return;
  }
  if (tail_.empty() && c == '>') {
    if (quotes_++ == 0) HeldToOutput();  // neither empty nor From_: the held line is content
    else Emit(">");  // all '>' are alike: only whether one of them goes is still open
    return;
  }
  tail_ += c;
  if (quotes_ == 0 && tail_ == "\r") return;  // maybe an empty CRLF line
  if (StartsWith(kFrom, tail_)) {
    if (tail_.size() < kFrom.size()) return;
    if (quotes_ > 0) {  // mboxrd: the first '>' goes
      Emit(tail_);
      state_ = State::kRestOfLine;
    } else if (previous_empty_) {
      from_line_ = tail_;
      state_ = State::kFromLine;
    } else {  // "From " not after an empty line is content
      Emit(tail_);
      state_ = State::kRestOfLine;
    }
    return;
  }
  EmitUndecided();
  state_ = State::kRestOfLine;
}

void MboxReader::FromLineBytes(std::string_view bytes, bool line_ends) {
  if (line_ends) bytes.remove_suffix(1);
  from_line_.append(bytes.substr(0, kMaxFromLine - std::min(kMaxFromLine, from_line_.size())));
  if (!line_ends) return;
  StartMessage();
  NextLine(false);
}

void MboxReader::StartMessage() {
  held_.clear();  // the separator before a From_ line is not part of either message
  if (in_message_) {
    Flush();
    in_message_ = false;
    status_ = end_();
    if (!status_.ok()) return;
  }
  std::string_view from = from_line_;
  while (!from.empty() && (from.back() == '\n' || from.back() == '\r')) from.remove_suffix(1);
  status_ = begin_(MboxMessageStart{++index_, std::string(from)});
  in_message_ = status_.ok();
  from_line_.clear();
}

// The start of a line that turned out to be content, as it was.
void MboxReader::EmitUndecided() {
  if (quotes_ == 0 && tail_.empty()) return;
  if (quotes_ == 0) HeldToOutput();
  else Emit(">");
  Emit(tail_);
}

void MboxReader::HeldToOutput() {
  Emit(held_);
  held_.clear();
}

void MboxReader::Emit(std::string_view bytes) {
  if (!in_message_) return;  // before the first From_ line: not a message
  while (!bytes.empty()) {
    const size_t take = std::min(bytes.size(), kWriteBlock - out_.size());
    out_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (out_.size() == kWriteBlock) Flush();
  }
}

void MboxReader::Flush() {
  if (!out_.empty()) write_(out_);
  out_.clear();
}

void MboxReader::NextLine(bool empty) {
  previous_empty_ = empty;
  quotes_ = 0;
  tail_.clear();
  state_ = State::kLineStart;
}

Status ReadMbox(std::FILE* in, const std::function<Status(const MboxMessageStart&)>& begin,
                const std::function<void(std::string_view)>& write, const std::function<Status()>& end) {
  MboxReader reader(begin, write, end);
  char buf[MboxReader::kWriteBlock];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, in)) > 0;)
    if (Status s = reader.Feed(std::string_view(buf, n)); !s.ok()) return s;
  if (std::ferror(in)) return Status::IoError("read error");
  return reader.Finish();
}

}  // namespace chainmail
