#include "archive/mime/header_fields.h"

#include "archive/mime/ascii.h"

namespace chainmail {

bool HeaderFieldReader::Next(HeaderField* field) {
  Line line;
  while (!done_) {
    const bool have_line = ReadLine(&line);
    if (!have_line || line.begin == line.end) {  // end of data, or the empty line
      found_end_ = have_line;
      done_ = true;
      break;
    }
    if (IsWsp(data_[line.begin])) {  // continuation; of a skipped line when !in_field_
      if (in_field_) value_end_ = line.end;
      continue;
    }
    const bool had_field = in_field_;
    const HeaderField completed{name_, data_.substr(value_begin_, value_end_ - value_begin_)};
    in_field_ = StartField(line);
    if (had_field) {
      *field = completed;
      return true;
    }
  }
  if (!in_field_) return false;
  in_field_ = false;
  *field = HeaderField{name_, data_.substr(value_begin_, value_end_ - value_begin_)};
  return true;
}

bool HeaderFieldReader::ReadLine(Line* line) {
  if (pos_ >= data_.size()) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(data_.data());
  size_t i = pos_;
  unsigned char high = 0;
  while (i < data_.size() && p[i] != '\r' && p[i] != '\n') high |= p[i++];
  eight_bit_ = eight_bit_ || (high & 0x80) != 0;
  line->begin = pos_;
  line->end = i;
  line->terminated = i < data_.size();
  if (i < data_.size()) i += p[i] == '\r' && i + 1 < data_.size() && p[i + 1] == '\n' ? 2 : 1;
  pos_ = i;
  return true;
}

bool HeaderFieldReader::StartField(const Line& line) {
  const std::string_view text = data_.substr(line.begin, line.end - line.begin);
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view name = text.substr(0, colon);
  while (!name.empty() && IsWsp(name.back())) name.remove_suffix(1);
  if (name.empty()) return false;
  for (char c : name)
    if (c <= 0x20 || c >= 0x7F) return false;  // also rejects an mbox "From " line
  name_ = name;
  value_begin_ = line.begin + colon + 1;
  value_end_ = line.end;
  return true;
}

std::string Unfold(std::string_view raw_value) {
  std::string out;
  out.reserve(raw_value.size());
  for (char c : raw_value)
    if (c != '\r' && c != '\n') out.push_back(c);
  return out;
}

}  // namespace chainmail
