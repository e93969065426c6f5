// Which parts give a message's text (the reading rules of mime_extraction.h): the
// text/plain and text/html leaves that are not attachments, inside the shown message,
// and of each multipart/alternative only one child: the first that leads to plain text,
// else the first that leads to HTML.
//
// Pure; thread-safe; linear in the number of parts (no recursion).
#pragma once

#include <cstdint>
#include <vector>

#include "archive/mime/mime_extraction.h"

namespace chainmail {

// The indexes of the text parts under `shown_root` (the root of the shown message,
// itself included), in part order. `parts` is in pre-order, parts[i].index == i.
std::vector<uint32_t> SelectTextParts(const std::vector<MimePart>& parts, uint32_t shown_root);

// One past the last part of the subtree of parts[root]: in pre-order a subtree is the
// root and the run of deeper parts after it.
uint32_t SubtreeEnd(const std::vector<MimePart>& parts, uint32_t root);

}  // namespace chainmail
