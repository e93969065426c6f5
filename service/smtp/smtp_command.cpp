#include "service/smtp/smtp_command.h"

#include <array>
#include <utility>

#include "service/smtp/ascii.h"
#include "service/smtp/smtp_path.h"

namespace chainmail::smtp {
namespace {

constexpr std::array<std::pair<std::string_view, Verb>, 13> kVerbs = {{
    {"EHLO", Verb::kEhlo},
    {"HELO", Verb::kHelo},
    {"MAIL", Verb::kMail},
    {"RCPT", Verb::kRcpt},
    {"DATA", Verb::kData},
    {"BDAT", Verb::kBdat},
    {"RSET", Verb::kRset},
    {"NOOP", Verb::kNoop},
    {"QUIT", Verb::kQuit},
    {"VRFY", Verb::kVrfy},
    {"EXPN", Verb::kExpn},
    {"HELP", Verb::kHelp},
    {"STARTTLS", Verb::kStartTls},
}};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsAllDigits(std::string_view s) {
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return !s.empty();
}

bool IsKeywordChar(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

// esmtp-value: printable ASCII except '=' (RFC 5321), plus UTF-8 (RFC 6531).
bool IsValueChar(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return (u >= 33 && u <= 126 && c != '=') || u >= 0x80;
}

// Splits the text after the path into SP-separated parameters; runs of spaces are
// tolerated.
std::optional<std::vector<EsmtpParameter>> SplitParameters(std::string_view text) {
  std::vector<EsmtpParameter> out;
  while (!text.empty()) {
    if (text.front() == ' ') {
      text.remove_prefix(1);
      continue;
    }
    std::string_view token = text.substr(0, text.find(' '));
    text.remove_prefix(token.size());
    EsmtpParameter p;
    size_t eq = token.find('=');
    p.keyword = token.substr(0, eq);
    if (p.keyword.empty() || p.keyword.front() == '-') return std::nullopt;
    for (char c : p.keyword) {
      if (!IsKeywordChar(c)) return std::nullopt;
    }
    if (eq != std::string_view::npos) {
      p.value = token.substr(eq + 1);
      if (p.value->empty()) return std::nullopt;
      for (char c : *p.value) {
        if (!IsValueChar(c)) return std::nullopt;
      }
    }
    out.push_back(p);
  }
  return out;
}

}  // namespace

Command ParseCommand(std::string_view line) {
  size_t space = line.find(' ');
  std::string_view verb = line.substr(0, space);
  Command command;
  if (space != std::string_view::npos) command.argument = line.substr(space + 1);
  for (const auto& [name, value] : kVerbs) {
    if (EqualsIgnoreCase(verb, name)) command.verb = value;
  }
  return command;
}

bool IsBlank(std::string_view s) { return s.find_first_not_of(" \t") == std::string_view::npos; }

std::optional<uint64_t> ParseDecimal(std::string_view digits) {
  if (!IsAllDigits(digits)) return std::nullopt;
  uint64_t value = 0;
  for (char c : digits) {
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - d) / 10) return std::nullopt;
    value = value * 10 + d;
  }
  return value;
}

PathArgument ParsePathArgument(std::string_view argument, std::string_view keyword) {
  PathArgument out;
  if (!StartsWithIgnoreCase(argument, keyword)) {
    out.error = PathArgument::Error::kSyntax;
    return out;
  }
  out.recorded = argument.substr(keyword.size());
  if (!out.recorded.empty() && out.recorded.front() == ' ') out.recorded.remove_prefix(1);
  std::optional<ParsedPath> path = ParsePath(out.recorded);
  if (!path || (!path->rest.empty() && path->rest.front() != ' ')) {
    out.error = PathArgument::Error::kBadPath;
    return out;
  }
  out.mailbox = path->mailbox;
  std::optional<std::vector<EsmtpParameter>> parameters = SplitParameters(path->rest);
  if (!parameters) {
    out.error = PathArgument::Error::kBadParameters;
    return out;
  }
  out.parameters = std::move(*parameters);
  return out;
}

MailParameters EvaluateMailParameters(const std::vector<EsmtpParameter>& parameters,
                                      uint64_t max_message_bytes) {
  using Error = MailParameters::Error;
  MailParameters out;
  for (const EsmtpParameter& p : parameters) {
    Error error = Error::kNone;
    if (EqualsIgnoreCase(p.keyword, "SIZE")) {
      if (!p.value || !IsAllDigits(*p.value)) {
        error = Error::kSyntax;
      } else if (std::optional<uint64_t> size = ParseDecimal(*p.value);
                 !size || *size > max_message_bytes) {
        error = Error::kTooLarge;  // all digits but over 2^64-1 is too large as well
      }
    } else if (EqualsIgnoreCase(p.keyword, "BODY")) {
      if (p.value && EqualsIgnoreCase(*p.value, "8BITMIME")) {
        out.eight_bit_declared = true;
      } else if (!p.value || !EqualsIgnoreCase(*p.value, "7BIT")) {
        error = Error::kBadBody;
      }
    } else if (EqualsIgnoreCase(p.keyword, "SMTPUTF8")) {
      if (p.value) error = Error::kSyntax;
    } else {
      error = Error::kUnsupported;
    }
    if (error != Error::kNone) {
      out.error = error;
      return out;
    }
  }
  return out;
}

std::optional<BdatArguments> ParseBdatArguments(std::string_view argument) {
  size_t space = argument.find(' ');
  std::optional<uint64_t> size = ParseDecimal(argument.substr(0, space));
  if (!size) return std::nullopt;
  BdatArguments out{*size, false};
  if (space == std::string_view::npos) return out;
  std::string_view rest = argument.substr(space + 1);
  if (!EqualsIgnoreCase(rest, "LAST")) return std::nullopt;
  out.last = true;
  return out;
}

}  // namespace chainmail::smtp
