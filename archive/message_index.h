// The message metadata index: a search index derived from a record's payload and raw
// bytes. The writer stores it; verify derives it again and compares field by field, so
// the index can never silently disagree with what was committed.
// Pure functions over a caller-owned Database; not thread-safe per Database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "archive/database.h"
#include "archive/format/message_payload.h"
#include "archive/format/record_id.h"
#include "archive/mime/header_scanner.h"

namespace chainmail {

enum class AddressKind : int { kEnvelopeRecipient = 0, kFrom = 1, kSender = 2, kTo = 3, kCc = 4 };

struct MessageIndexRow {
  RecordId record_id;
  uint64_t seq = 0;
  int64_t received_us = 0;
  int source = 0;
  std::string mail_from;       // the reverse-path's address, "" for <>
  std::string client_address;
  std::string tls_protocol;
  Hash32 raw_sha256{};
  uint64_t raw_length = 0;
  uint32_t flags = 0;
  std::string message_id, date_header;
  std::optional<int64_t> date_us;
  std::string from_header, sender_header, to_header, cc_header, subject;
  std::vector<std::pair<AddressKind, std::string>> addresses;  // in order within each kind
};

// The address inside an SMTP path argument as received, e.g. "<a@b> SIZE=10" -> "a@b",
// "<@relay:a@b>" -> "a@b", "<>" -> "". Tolerant; the result is valid UTF-8.
std::string PathAddress(std::string_view argument);

MessageIndexRow BuildIndexRow(const RecordId& id, uint64_t seq, const MessagePayload& payload,
                              const HeaderMetadata& headers);
Status WriteIndexRow(Database& db, const MessageIndexRow& row);
Result<MessageIndexRow> ReadIndexRow(Database& db, const RecordId& id);
// Names the first field where the two rows differ; empty when they agree.
std::string IndexRowDifference(const MessageIndexRow& stored, const MessageIndexRow& expected);

}  // namespace chainmail
