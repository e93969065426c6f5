#include "service/smtp/envelope_arguments.h"

#include "service/smtp/ascii.h"
#include "service/smtp/smtp_command.h"
#include "service/smtp/smtp_replies.h"

namespace chainmail::smtp {
namespace {

CheckedArgument Refuse(std::string_view reply, bool client_error = true) {
  return CheckedArgument{std::string(reply), client_error, {}, false};
}

// The reply for a path argument that did not parse, or empty.
std::string_view SyntaxRefusal(PathArgument::Error error, std::string_view syntax_reply,
                               std::string_view bad_path_reply) {
  switch (error) {
    case PathArgument::Error::kNone:
      return {};
    case PathArgument::Error::kSyntax:
      return syntax_reply;
    case PathArgument::Error::kBadPath:
      return bad_path_reply;
    case PathArgument::Error::kBadParameters:
      return reply::kParameterSyntax;
  }
  return syntax_reply;
}

}  // namespace

CheckedArgument CheckMailArgument(std::string_view argument, bool esmtp,
                                  uint64_t max_message_bytes) {
  using Error = MailParameters::Error;
  const PathArgument path = ParsePathArgument(argument, "FROM:");
  std::string_view refusal = SyntaxRefusal(path.error, reply::kMailSyntax, reply::kBadSender);
  if (!refusal.empty()) return Refuse(refusal);
  // After HELO no service extension is in force (RFC 5321 4.1.1.1).
  if (!esmtp && !path.parameters.empty()) return Refuse(reply::kUnsupportedParameter);

  const MailParameters parameters = EvaluateMailParameters(path.parameters, max_message_bytes);
  switch (parameters.error) {
    case Error::kNone:
      break;
    case Error::kSyntax:
      return Refuse(reply::kParameterSyntax);
    case Error::kUnsupported:
      return Refuse(reply::kUnsupportedParameter);
    case Error::kBadBody:
      return Refuse(reply::kUnsupportedBody);
    // Not a protocol error: a legitimate gateway sends what it has.
    case Error::kTooLarge:
      return Refuse(reply::kMessageTooLarge, /*client_error=*/false);
  }
  return CheckedArgument{{}, false, path.recorded, parameters.eight_bit_declared};
}

CheckedArgument CheckRcptArgument(std::string_view argument,
                                  const std::set<std::string>& journal_recipients) {
  const PathArgument path = ParsePathArgument(argument, "TO:");
  std::string_view refusal = SyntaxRefusal(path.error, reply::kRcptSyntax, reply::kBadRecipient);
  if (!refusal.empty()) return Refuse(refusal);
  if (path.mailbox.empty()) return Refuse(reply::kBadRecipient);  // "<>"
  if (!path.parameters.empty()) return Refuse(reply::kUnsupportedParameter);
  if (!journal_recipients.empty() && !journal_recipients.contains(AsciiLower(path.mailbox))) {
    return Refuse(reply::RecipientRejected(path.mailbox));
  }
  return CheckedArgument{{}, false, path.recorded, false};
}

}  // namespace chainmail::smtp
