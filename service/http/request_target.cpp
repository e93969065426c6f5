#include "service/http/request_target.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>

namespace chainmail {
namespace {

Result<std::string> Decode(std::string_view text, bool plus_as_space) {
  std::string in(text), out;
  // Done here: Poco 1.11's decode turns '+' into a space only after a '?' in its input,
  // and a query piece has none.
  if (plus_as_space)
    for (char& c : in)
      if (c == '+') c = ' ';
  try {
    Poco::URI::decode(in, out, false);
  } catch (const Poco::Exception&) {
    return Status::InvalidArgument("bad percent escape in the request target");
  }
  return out;
}

// Printable ASCII other than space: what a request target may hold unencoded.
bool IsVisibleAscii(unsigned char c) { return c > 0x20 && c < 0x7f; }

}  // namespace

Result<RequestTarget> ParseRequestTarget(std::string_view target) {
  for (unsigned char c : target)
    if (!IsVisibleAscii(c))
      return Status::InvalidArgument("the request target has a space, a control or a non-ASCII byte unencoded");
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.substr(0, scheme.size()) == scheme) {  // absolute-form: keep the path and query
      const size_t slash = target.find('/', scheme.size());
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
  }
  if (target.empty() || target.front() != '/')
    return Status::InvalidArgument("the request target must be a path starting with '/'");
  if (target.find('#') != std::string_view::npos)
    return Status::InvalidArgument("a request target has no fragment ('#')");
  const size_t q = target.find('?');
  const std::string_view raw_path = target.substr(0, q);
  RequestTarget out;
  for (size_t i = raw_path.find('%'); i != std::string_view::npos; i = raw_path.find('%', i + 1)) {
    const std::string_view esc = raw_path.substr(i, 3);
    if (esc == "%2F" || esc == "%2f" || esc == "%00" || esc == "%5C" || esc == "%5c")
      return Status::InvalidArgument("an encoded '/', '\\' or NUL is not allowed in the path");
  }
  auto path = Decode(raw_path, false);
  if (!path.ok()) return path.status();
  out.path = std::move(*path);
  for (unsigned char c : out.path)
    if (c < 0x20 || c == 0x7f) return Status::InvalidArgument("an encoded control character is not allowed in the path");
  for (size_t start = 1; start <= out.path.size();) {
    size_t end = out.path.find('/', start);
    if (end == std::string::npos) end = out.path.size();
    const std::string_view seg = std::string_view(out.path).substr(start, end - start);
    if (seg == "." || seg == "..") return Status::InvalidArgument("'.' and '..' segments are not allowed in the path");
    start = end + 1;
  }
  if (q == std::string_view::npos) return out;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (piece.empty()) continue;
    const size_t eq = piece.find('=');
    auto name = Decode(piece.substr(0, eq), true);
    auto value = Decode(eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1), true);
    if (!name.ok()) return name.status();
    if (!value.ok()) return value.status();
    out.query.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

}  // namespace chainmail
