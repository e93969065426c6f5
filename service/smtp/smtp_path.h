// ParsePath: the syntax of an SMTP reverse-path or forward-path (RFC 5321 4.1.2), with
// RFC 6531 UTF-8 allowed in both the local part and the domain.
//
// Accepted: "<>", "<local@domain>", "<local@[address-literal]>", an obsolete source route
// ("<@a,@b:local@domain>", which is skipped), and "<postmaster>" without a domain. The
// local part is a dot-string or a quoted string. No control character or unquoted space
// is ever accepted, so a mailbox can be echoed in a reply safely.
//
// Pure function: safe to call from any thread. Views point into the input.
#pragma once

#include <optional>
#include <string_view>

namespace chainmail::smtp {

struct ParsedPath {
  std::string_view mailbox;  // local@domain without source route; empty for "<>"
  std::string_view rest;     // everything after '>' (the ESMTP parameters)
};

// Parses the path at the start of `text`; nullopt when it is not a valid path.
std::optional<ParsedPath> ParsePath(std::string_view text);

}  // namespace chainmail::smtp
