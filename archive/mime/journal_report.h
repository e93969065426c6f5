// Recipients of record from an Exchange journal report's envelope part (the text/plain
// first part of a message with X-MS-Journal-Report), e.g.
//   Sender: alice@example.com
//   Subject: Q3
//   Message-Id: <...>
//   To: bob@example.com
//   To: team@example.com, Expanded: list@example.com
//   Cc: carol@example.com, Forwarded: dave@example.com
//   Bcc: eve@example.com
//   Recipient: frank@example.com
// Lines are "Field: address[, Expanded|Forwarded: address]"; unknown fields are ignored;
// field names are case-insensitive; addresses may be bare or in angle brackets.
// Pure function; thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "archive/mime/mime_extraction.h"

namespace chainmail {

// Appends the recipients of record of `report_text` (UTF-8) to *out (at most `max`
// entries in all). Returns false when no Sender/To/Cc/Bcc/Recipient line was found.
bool ParseJournalEnvelope(std::string_view report_text, size_t max,
                          std::vector<RecordRecipient>* out);

}  // namespace chainmail
