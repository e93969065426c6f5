// Splitting a multipart body into its body parts at the boundary delimiter lines
// (RFC 2046 section 5.1.1), read tolerantly:
// - a delimiter line is "--" boundary, optionally "--" (the close delimiter), then only
//   spaces and tabs to the end of the line; lines end as mime_lines.h reads them;
// - the line break before a delimiter belongs to the delimiter, not to the part;
// - text before the first delimiter (preamble) and after the close delimiter (epilogue)
//   is not part of any body part;
// - without a close delimiter the last part runs to the end of the body.
// Pure functions; thread-safe; linear in the body (each line is compared with the
// boundary at most once, whatever the boundary's length).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace chainmail {

struct ByteRange {
  size_t begin = 0;
  size_t end = 0;
};

struct MultipartSplit {
  std::vector<ByteRange> parts;  // relative to the body, in order
  size_t delimiters = 0;         // delimiter lines seen, the close one included
  bool closed = false;           // the close delimiter was found
  bool more_parts = false;       // stopped at max_parts; more parts followed
};

// Splits `body` at the delimiter lines of `boundary` (non-empty), listing at most
// `max_parts` parts.
MultipartSplit SplitMultipart(std::string_view body, std::string_view boundary, size_t max_parts);

// For a body whose declared boundary never occurs: the boundary of the first line that
// starts with "--" (trailing whitespace and a final "--" removed), if that line is
// followed by at least one more delimiter line of the same boundary; "" otherwise.
// Returns a view into `body`.
std::string_view GuessBoundary(std::string_view body);

}  // namespace chainmail
