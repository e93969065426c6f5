#include "archive/mime/multipart_split.h"

#include "archive/mime/ascii.h"
#include "archive/mime/mime_lines.h"

namespace chainmail {
namespace {

enum class Delimiter { kNone, kOpen, kClose };

bool AllWsp(std::string_view text) {
  for (char c : text)
    if (!IsWsp(c)) return false;
  return true;
}

Delimiter ClassifyLine(std::string_view line, std::string_view boundary) {
  if (line.size() < 2 + boundary.size() || line[0] != '-' || line[1] != '-' ||
      line.substr(2, boundary.size()) != boundary)
    return Delimiter::kNone;
  const std::string_view rest = line.substr(2 + boundary.size());
  if (AllWsp(rest)) return Delimiter::kOpen;
  if (rest.size() >= 2 && rest[0] == '-' && rest[1] == '-' && AllWsp(rest.substr(2)))
    return Delimiter::kClose;
  return Delimiter::kNone;
}

// Where the line break that ends the line before `line_start` begins.
size_t BreakBefore(std::string_view body, size_t line_start) {
  if (line_start >= 2 && body[line_start - 2] == '\r' && body[line_start - 1] == '\n')
    return line_start - 2;
  if (line_start >= 1 && (body[line_start - 1] == '\n' || body[line_start - 1] == '\r'))
    return line_start - 1;
  return line_start;
}

}  // namespace

MultipartSplit SplitMultipart(std::string_view body, std::string_view boundary, size_t max_parts) {
  MultipartSplit split;
  if (boundary.empty()) return split;
  bool in_part = false;
  size_t part_begin = 0;
  for (size_t pos = 0; pos < body.size();) {
    const MimeLine line = LineAt(body, pos);
    pos = line.next;
    const Delimiter kind = ClassifyLine(body.substr(line.begin, line.end - line.begin), boundary);
    if (kind == Delimiter::kNone) continue;
    ++split.delimiters;
    if (in_part) {
      const size_t end = BreakBefore(body, line.begin);
      split.parts.push_back(ByteRange{part_begin, end < part_begin ? part_begin : end});
    }
    if (kind == Delimiter::kClose) {
      split.closed = true;
      return split;
    }
    if (split.parts.size() >= max_parts) {
      split.more_parts = true;
      return split;
    }
    in_part = true;
    part_begin = line.next;
  }
  if (in_part) split.parts.push_back(ByteRange{part_begin, body.size()});
  return split;
}

std::string_view GuessBoundary(std::string_view body) {
  constexpr size_t kMaxBoundary = 70;  // RFC 2046 section 5.1.1
  for (size_t pos = 0; pos < body.size();) {
    const MimeLine line = LineAt(body, pos);
    pos = line.next;
    std::string_view text = body.substr(line.begin, line.end - line.begin);
    if (text.size() < 3 || text[0] != '-' || text[1] != '-') continue;
    text.remove_prefix(2);
    while (!text.empty() && IsWsp(text.back())) text.remove_suffix(1);
    if (text.size() > 2 && text.substr(text.size() - 2) == "--") text.remove_suffix(2);
    if (text.empty() || text.size() > kMaxBoundary) return {};
    return SplitMultipart(body, text, 1).delimiters >= 2 ? text : std::string_view();
  }
  return {};
}

}  // namespace chainmail
