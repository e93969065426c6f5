// WalkMimeTree: the part tree of a message (structure and MIME headers; no content is
// decoded), following the reading rules of mime_extraction.h. ExtractMime decodes the
// leaves it lists.
//
// Each part fills index, parent, depth, content_type, charset, transfer_encoding,
// disposition, filename, is_attachment, is_leaf, the offsets and the flags found in its
// headers and structure (kDepthLimit, kPartLimit, kNoCloseBoundary, kNoBoundary,
// kBoundaryGuessed, kBadHeaderParams, kBadEncodedWord, kUnknownEncoding).
//
// Iterative (no recursion), so any nesting is safe. Work: each nesting level reads its
// own body once, so at most (max_depth + 1) passes over the message.
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "archive/mime/mime_extraction.h"

namespace chainmail {

struct MimeTree {
  std::vector<MimePart> parts;  // pre-order
  uint32_t flags = 0;           // OR of the parts' flags
};

// `message` is already cut to limits.max_input_bytes.
MimeTree WalkMimeTree(std::string_view message, const MimeLimits& limits);

// message/rfc822 or message/global: a body read as a message of its own.
bool IsMessageContentType(std::string_view content_type);

}  // namespace chainmail
