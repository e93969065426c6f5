// MessagePayload: what a message record commits to (INTEGRITY.md "Message payload"), and
// its encoding to and strict decoding from the payload TLV (payload_tags.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "archive/format/bytes.h"
#include "archive/format/payload_tags.h"
#include "archive/format/status.h"

namespace chainmail {

struct MessagePayload {
  MessageSource source = MessageSource::kSmtp;
  std::string mail_from;               // the MAIL FROM argument exactly as received
  std::vector<std::string> rcpt_to;    // accepted RCPT arguments, in order
  std::string helo_verb;               // smtp only: "EHLO" / "HELO"
  std::string helo_name;
  std::string client_address;
  uint16_t client_port = 0;
  std::string server_address;
  std::string tls_protocol;            // empty without TLS
  std::string tls_cipher;
  std::string session_id;              // 16 bytes (smtp), empty otherwise
  Transfer transfer = Transfer::kData;
  uint64_t received_time_us = 0;
  Hash32 raw_sha256{};
  uint64_t raw_length = 0;
  Codec codec = Codec::kZstd;
  uint32_t flags = 0;
  std::string import_name;             // import only

  Bytes Encode() const;
  // Strict: unknown tags, missing required tags, wrong widths are Corruption.
  static Result<MessagePayload> Decode(std::string_view payload);
};

}  // namespace chainmail
