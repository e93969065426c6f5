// FulltextDocument: one message's row of the full-text index (fulltext_schema.h), built
// from an ExtractedMessage. The one place that decides what is searchable: the subject
// and decoded text of the shown message (for a journal report, the attached original),
// attachment names, and every address: envelope sender and recipients, the shown
// message's From/Sender/To/Cc, the recipients of record and the lists they were expanded
// from.
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "archive/extracted_message.h"
#include "archive/format/record_id.h"

namespace chainmail {

struct FulltextDocument {
  uint64_t seq = 0;
  RecordId record_id;
  int64_t received_us = 0;
  std::string subject, body, attachments, addresses;  // as stored (StorableText)
  std::vector<RecordRecipient> record_recipients;
  // Memory the document holds, for the indexer's hand-off bound.
  size_t bytes() const;
};

FulltextDocument BuildFulltextDocument(const ExtractedMessage& message);

// `text` as the index stores it: valid UTF-8, and every C0 control character other than
// TAB and LF (and DEL) replaced by a space, so the snippet markers of
// fulltext_schema.h never occur in stored text.
std::string StorableText(std::string_view text);

}  // namespace chainmail
