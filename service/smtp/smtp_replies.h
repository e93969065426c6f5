// The SMTP reply table: every reply SmtpSession sends, in one place, with its RFC 5321
// code and RFC 3463 enhanced status code. Replies are written without the trailing CRLF;
// the session adds it. Replies that name the server take the hostname as an argument.
//
// Codes follow one rule for the gateway's sake: a failure inside chainmail (storage,
// spool, commit) is always 4xx, so the sender retries; 5xx is only for what the client
// did (syntax, sequence, policy, size).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace chainmail::smtp::reply {

// 2xx / 3xx
inline constexpr std::string_view kOk = "250 2.0.0 Ok";
inline constexpr std::string_view kSenderOk = "250 2.1.0 Ok";
inline constexpr std::string_view kRecipientOk = "250 2.1.5 Ok";
inline constexpr std::string_view kArchivedPrefix = "250 2.0.0 Ok: archived ";  // + record id
inline constexpr std::string_view kBye = "221 2.0.0 Bye";
inline constexpr std::string_view kReadyToStartTls = "220 2.0.0 Ready to start TLS";
inline constexpr std::string_view kCannotVrfy = "252 2.5.0 Cannot VRFY user";
inline constexpr std::string_view kHelp =
    "214 2.0.0 Commands: EHLO HELO STARTTLS MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP";
inline constexpr std::string_view kStartData = "354 End data with <CR><LF>.<CR><LF>";

// 4xx: temporary, the client retries.
inline constexpr std::string_view kTooManyRecipients = "452 4.5.3 Too many recipients";
inline constexpr std::string_view kInsufficientStorage = "452 4.3.1 Insufficient system storage";
inline constexpr std::string_view kTemporaryFailure =
    "451 4.3.0 Temporary failure, try again later";

// 5xx: the client's fault.
inline constexpr std::string_view kUnrecognized = "500 5.5.1 Command unrecognized";
inline constexpr std::string_view kLineTooLong = "500 5.5.2 Line too long";
inline constexpr std::string_view kEhloSyntax = "501 5.5.4 Syntax: EHLO hostname";
inline constexpr std::string_view kHeloSyntax = "501 5.5.4 Syntax: HELO hostname";
inline constexpr std::string_view kMailSyntax = "501 5.5.4 Syntax: MAIL FROM:<address>";
inline constexpr std::string_view kRcptSyntax = "501 5.5.4 Syntax: RCPT TO:<address>";
inline constexpr std::string_view kBdatSyntax = "501 5.5.4 Syntax: BDAT count [LAST]";
inline constexpr std::string_view kNoArgumentsAllowed = "501 5.5.4 Syntax: no arguments allowed";
inline constexpr std::string_view kParameterSyntax = "501 5.5.4 Syntax error in parameters";
inline constexpr std::string_view kBadSender = "501 5.1.7 Bad sender address syntax";
inline constexpr std::string_view kBadRecipient = "501 5.1.3 Bad recipient address syntax";
inline constexpr std::string_view kNotImplemented = "502 5.5.1 Command not implemented";
inline constexpr std::string_view kNeedHelo = "503 5.5.1 Error: send HELO/EHLO first";
inline constexpr std::string_view kNestedMail = "503 5.5.1 Error: nested MAIL command";
inline constexpr std::string_view kNeedMail = "503 5.5.1 Error: need MAIL command";
inline constexpr std::string_view kNeedRcpt = "503 5.5.1 Error: need RCPT command";
inline constexpr std::string_view kDataInBdat =
    "503 5.5.1 Error: DATA not allowed after BDAT in one transaction";
inline constexpr std::string_view kBdatInProgress = "503 5.5.1 Error: BDAT transaction in progress";
inline constexpr std::string_view kTlsActive = "503 5.5.1 Error: TLS already active";
inline constexpr std::string_view kTransactionInProgress =
    "503 5.5.1 Error: MAIL transaction in progress";
inline constexpr std::string_view kAccessDenied = "503 5.5.1 Error: access denied";
inline constexpr std::string_view kMustStartTls = "530 5.7.0 Must issue a STARTTLS command first";
inline constexpr std::string_view kRecipientRejectedSuffix = ": recipient not accepted here";
inline constexpr std::string_view kMessageTooLarge =
    "552 5.3.4 Message size exceeds fixed maximum message size";
inline constexpr std::string_view kNoValidRecipients = "554 5.5.1 No valid recipients";
inline constexpr std::string_view kUnsupportedParameter = "555 5.5.4 Unsupported parameter";
inline constexpr std::string_view kUnsupportedBody = "555 5.5.4 Unsupported BODY type";

// Replies that name the server.
// The multi-line EHLO reply (with CRLFs): the extensions chainmail implements.
inline std::string Ehlo(std::string_view host, uint64_t max_message_bytes, bool offer_starttls) {
  std::string out = "250-" + std::string(host) + "\r\n250-PIPELINING\r\n250-SIZE " +
                    std::to_string(max_message_bytes) +
                    "\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n";
  out += offer_starttls ? "250-CHUNKING\r\n250 STARTTLS\r\n" : "250 CHUNKING\r\n";
  return out;
}
inline std::string Greeting(std::string_view host) {
  return "220 " + std::string(host) + " ESMTP chainmail";
}
inline std::string ClientNotAllowed(std::string_view client_address) {
  return "554 5.7.1 " + std::string(client_address) +
         " not allowed; this server accepts mail only from configured networks";
}
// "550 5.1.1 <addr>: recipient not accepted here"
inline std::string RecipientRejected(std::string_view address) {
  return "550 5.1.1 <" + std::string(address) + ">" + std::string(kRecipientRejectedSuffix);
}
inline std::string ChunkReceived(uint64_t octets) {
  return "250 2.0.0 " + std::to_string(octets) + " octets received";
}
inline std::string TooManyErrors(std::string_view host) {
  return "421 4.7.0 " + std::string(host) + " Too many errors";
}
inline std::string Timeout(std::string_view host) {
  return "421 4.4.2 " + std::string(host) + " Error: timeout exceeded";
}
inline std::string ShuttingDown(std::string_view host) {
  return "421 4.3.2 " + std::string(host) + " Service shutting down";
}
inline std::string TooManyConnections(std::string_view host) {
  return "421 4.7.0 " + std::string(host) + " Too many connections, try again later";
}

}  // namespace chainmail::smtp::reply
