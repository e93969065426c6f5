// ParseRequestTarget: an HTTP request target ("/api/v1/x?a=1") as the API sees it — the
// path percent-decoded, the query split into decoded (name, value) pairs in order ('+'
// is a space there). Refused, with a detail for a 400: anything but origin-form (or
// absolute-form, whose path is taken), a fragment, a bad percent escape, an encoded '/'
// or '\' ("%2F", "%5C": decoded, it would change which route matches), an encoded
// control character, and "." or ".." segments (no traversal, not even one that would
// resolve inside the API). Routing then sees exactly the segments the client sent.
// A pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "archive/format/status.h"

namespace chainmail {

struct RequestTarget {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
};

Result<RequestTarget> ParseRequestTarget(std::string_view target);

}  // namespace chainmail
