#include "archive/mime/part_headers.h"

#include <utility>

#include "archive/format/utf8.h"
#include "archive/mime/ascii.h"
#include "archive/mime/header_fields.h"
#include "archive/mime/mime_extraction.h"
#include "archive/mime/mime_lines.h"
#include "archive/mime/mime_params.h"

namespace chainmail {
namespace {

constexpr size_t kMaxFieldValue = 64 * 1024;  // of a MIME field, before parameter parsing
constexpr size_t kMaxToken = 64;              // of a transfer encoding or charset name
constexpr size_t kMaxFilename = 255;

// "name:" with a name of visible ASCII, optionally WSP before the colon (header_fields.h).
bool IsFieldLine(std::string_view line) {
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view name = line.substr(0, colon);
  while (!name.empty() && IsWsp(name.back())) name.remove_suffix(1);
  if (name.empty()) return false;
  for (char c : name)
    if (c <= 0x20 || c >= 0x7F) return false;
  return true;
}

// {end of the header block, start of the body}.
std::pair<size_t, size_t> HeaderBlockBounds(std::string_view entity, HeaderBlockRule rule) {
  for (size_t pos = 0; pos < entity.size();) {
    const MimeLine line = LineAt(entity, pos);
    if (line.begin == line.end) return {line.begin, line.next};
    const std::string_view text = entity.substr(line.begin, line.end - line.begin);
    if (rule == HeaderBlockRule::kBodyPart && !IsWsp(text[0]) && !IsFieldLine(text))
      return {line.begin, line.begin};
    pos = line.next;
  }
  return {entity.size(), entity.size()};
}

std::string Lowered(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

// A charset or transfer-encoding token: lowercased, at most kMaxToken bytes, UTF-8.
std::string Token(std::string_view text) {
  std::string out;
  AppendUtf8Repaired(text.substr(0, kMaxToken), &out);
  TruncateUtf8(&out, kMaxToken);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

// "base64", "Base64 (comment)", "\"7bit\"", "8bit;" -> the bare token.
std::string TransferEncodingToken(std::string_view value) {
  value = TrimWsp(value);
  if (!value.empty() && value.front() == '"') value.remove_prefix(1);
  size_t end = 0;
  while (end < value.size() && !IsWsp(value[end]) && value[end] != ';' && value[end] != '(' &&
         value[end] != '"')
    ++end;
  return Token(value.substr(0, end));
}

// "type/subtype" with both halves non-empty tokens; "" otherwise.
std::string UsableContentType(std::string_view value) {
  const size_t slash = value.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == value.size()) return {};
  for (char c : value)
    if (c <= 0x20 || c >= 0x7F) return {};
  return Lowered(value);
}

bool IsC1Control(std::string_view utf8, size_t i) {
  return static_cast<unsigned char>(utf8[i]) == 0xC2 && i + 1 < utf8.size() &&
         static_cast<unsigned char>(utf8[i + 1]) >= 0x80 &&
         static_cast<unsigned char>(utf8[i + 1]) <= 0x9F;
}

}  // namespace

std::string SanitiseFilename(std::string_view name) {
  const size_t slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  std::string repaired;
  AppendUtf8Repaired(name, &repaired);
  std::string out;
  for (size_t i = 0; i < repaired.size(); ++i) {
    const auto c = static_cast<unsigned char>(repaired[i]);
    if (c < 0x20 || c == 0x7F) continue;
    if (IsC1Control(repaired, i)) {
      ++i;
      continue;
    }
    out.push_back(repaired[i]);
  }
  const size_t first = out.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  out.erase(0, first);
  out.erase(out.find_last_not_of(' ') + 1);
  TruncateUtf8(&out, kMaxFilename);
  if (out == "." || out == "..") return {};
  return out;
}

PartHeaders ReadPartHeaders(std::string_view entity, HeaderBlockRule rule) {
  PartHeaders headers;
  const auto [block_end, body_offset] = HeaderBlockBounds(entity, rule);
  headers.body_offset = body_offset;

  HeaderFieldReader reader(entity.substr(0, block_end));
  HeaderField field;
  bool seen_type = false, seen_encoding = false, seen_disposition = false;
  MimeParams type, disposition;
  while (reader.Next(&field)) {
    const std::string_view name = field.name;
    const bool is_type = !seen_type && EqualsIgnoreCase(name, "content-type");
    const bool is_encoding = !seen_encoding && EqualsIgnoreCase(name, "content-transfer-encoding");
    const bool is_disposition = !seen_disposition && EqualsIgnoreCase(name, "content-disposition");
    if (!is_type && !is_encoding && !is_disposition) continue;
    const std::string value = Unfold(field.raw_value.substr(0, kMaxFieldValue));
    if (is_type) {
      seen_type = true;
      type = ParseMimeParams(value);
    } else if (is_encoding) {
      seen_encoding = true;
      headers.transfer_encoding = TransferEncodingToken(value);
    } else {
      seen_disposition = true;
      disposition = ParseMimeParams(value);
    }
  }

  headers.content_type = UsableContentType(type.value);
  headers.boundary = std::string(type.Get("boundary"));
  headers.charset = Token(TrimWsp(type.Get("charset")));
  headers.disposition = Token(disposition.value);
  std::string_view filename = disposition.Get("filename");
  if (filename.empty()) filename = type.Get("name");
  headers.filename = SanitiseFilename(filename);
  const bool unusable_type = seen_type && headers.content_type.empty();
  if (type.malformed || disposition.malformed || unusable_type)
    headers.flags |= mimeflag::kBadHeaderParams;
  if (type.bad_encoded_word || disposition.bad_encoded_word)
    headers.flags |= mimeflag::kBadEncodedWord;
  return headers;
}

}  // namespace chainmail
