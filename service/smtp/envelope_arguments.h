// The arguments of MAIL and RCPT checked against syntax and chainmail's rules, each
// problem named by the reply the client gets (RFC 5321, 1869, 1870, 6152, 6531). Checks
// that depend on the session's state (sequence, recipient count) stay in SmtpSession.
//
// Pure functions: safe from any thread. `recorded` points into the argument.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

namespace chainmail::smtp {

struct CheckedArgument {
  std::string refusal;              // the reply when the command is refused, else empty
  bool client_error = true;         // the refusal counts towards the session's error limit
  std::string_view recorded;        // what the envelope keeps: the text after the colon
  bool eight_bit_declared = false;  // MAIL ... BODY=8BITMIME
};

// MAIL FROM:<path> [SIZE=n] [BODY=7BIT|8BITMIME] [SMTPUTF8]. `esmtp`: the client said
// EHLO; after HELO no parameter is accepted.
CheckedArgument CheckMailArgument(std::string_view argument, bool esmtp,
                                  uint64_t max_message_bytes);

// RCPT TO:<path>, no parameters. `journal_recipients` (lower case): when not empty, the
// only mailboxes accepted.
CheckedArgument CheckRcptArgument(std::string_view argument,
                                  const std::set<std::string>& journal_recipients);

}  // namespace chainmail::smtp
