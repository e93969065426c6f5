// The MIME header fields of one entity (a message or a body part): Content-Type,
// Content-Transfer-Encoding and Content-Disposition (RFC 2045, 2183; parameters through
// mime_params.h), and where the entity's body starts.
//
// Where the header block ends depends on the entity:
// - a message (the top level or a message/rfc822 body) ends it at the first empty line;
//   other lines are skipped, as header_fields.h and the header scanner read them (an mbox
//   "From " line, a line without a colon);
// - a body part of a multipart also ends it at the first line that is neither a field
//   nor a continuation: generators that forget the empty line after the delimiter then
//   lose no text (Python's email package reads it the same way).
// Of each field the first occurrence counts.
//
// Pure functions; thread-safe; linear in the header block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace chainmail {

enum class HeaderBlockRule { kMessage, kBodyPart };

struct PartHeaders {
  std::string content_type;       // lowercased "type/subtype"; "" when absent or unusable
  std::string boundary;           // as written; "" when none
  std::string charset;            // lowercased; "" when none
  std::string transfer_encoding;  // lowercased token; "" when absent
  std::string disposition;        // lowercased; "" when absent
  std::string filename;           // UTF-8, sanitised (SanitiseFilename); "" when none
  size_t body_offset = 0;         // where the body starts in the entity
  uint32_t flags = 0;             // mimeflag::kBadHeaderParams, kBadEncodedWord
};

PartHeaders ReadPartHeaders(std::string_view entity, HeaderBlockRule rule);

// A filename safe to show and to offer for download: the last path component (after
// the last "/" or "\"), without control characters (C0, DEL, C1), without surrounding
// spaces, at most 255 bytes (on a character boundary); "" for "." and "..".
// `name` is UTF-8; invalid sequences become U+FFFD.
std::string SanitiseFilename(std::string_view name);

}  // namespace chainmail
