// Parsing of SMTP command lines: the verb and its argument (RFC 5321 4.1.1), the
// MAIL / RCPT path argument with ESMTP parameters (RFC 1869, 1870, 6152, 6531), and the
// BDAT argument (RFC 3030). Syntax only; what a command means in the session's state is
// SmtpSession's business.
//
// Pure functions: safe from any thread. Views point into the input line.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace chainmail::smtp {

enum class Verb : uint8_t {
  kUnknown,
  kEhlo,
  kHelo,
  kMail,
  kRcpt,
  kData,
  kBdat,
  kRset,
  kNoop,
  kQuit,
  kVrfy,
  kExpn,
  kHelp,
  kStartTls,
};

struct Command {
  Verb verb = Verb::kUnknown;
  std::string_view argument;  // after the verb and one space, exactly as received
};

// Splits a line (without CRLF) at the first space; the verb is case-insensitive.
Command ParseCommand(std::string_view line);

// True if `s` holds nothing but spaces and tabs.
bool IsBlank(std::string_view s);

// A decimal number (leading zeros allowed); nullopt if empty, not all digits, or over
// 2^64-1.
std::optional<uint64_t> ParseDecimal(std::string_view digits);

struct EsmtpParameter {
  std::string_view keyword;
  std::optional<std::string_view> value;  // after '='
};

struct PathArgument {
  enum class Error : uint8_t {
    kNone,
    kSyntax,         // the argument does not start with "FROM:" / "TO:"
    kBadPath,        // the <path> is malformed
    kBadParameters,  // the text after the path is not SP-separated keyword[=value]
  };
  Error error = Error::kNone;
  // Everything after "FROM:" / "TO:" with at most one leading space removed: what the
  // envelope records, parameters included.
  std::string_view recorded;
  std::string_view mailbox;  // local@domain; empty for "<>"
  std::vector<EsmtpParameter> parameters;
};

// Parses the argument of MAIL (`keyword` "FROM:") or RCPT ("TO:"). One space after the
// colon is tolerated ("MAIL FROM: <a@b>"), as many clients send it.
PathArgument ParsePathArgument(std::string_view argument, std::string_view keyword);

// The meaning of MAIL's parameters: SIZE=n, BODY=7BIT|8BITMIME, SMTPUTF8.
struct MailParameters {
  enum class Error : uint8_t {
    kNone,
    kSyntax,       // SIZE without a number, SMTPUTF8 with a value
    kUnsupported,  // any other keyword
    kBadBody,      // BODY other than 7BIT / 8BITMIME
    kTooLarge,     // SIZE over the limit
  };
  Error error = Error::kNone;
  bool eight_bit_declared = false;  // BODY=8BITMIME
};
MailParameters EvaluateMailParameters(const std::vector<EsmtpParameter>& parameters,
                                      uint64_t max_message_bytes);

struct BdatArguments {
  uint64_t size = 0;
  bool last = false;
};
// "n" or "n LAST" (LAST case-insensitive); nullopt when malformed.
std::optional<BdatArguments> ParseBdatArguments(std::string_view argument);

}  // namespace chainmail::smtp
