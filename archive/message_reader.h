// Reading archived messages back: the committed payload, the metadata index row, and the
// exact raw bytes (streamed, decompressed, hash-checked against the commitment).
// Functions over a caller-owned Database (read-only is enough); not thread-safe per Database.
#pragma once

#include <functional>
#include <string_view>

#include "archive/blob_store.h"
#include "archive/database.h"
#include "archive/format/message_payload.h"
#include "archive/format/record_id.h"
#include "archive/message_index.h"

namespace chainmail {

struct StoredMessage {
  MessageIndexRow index;
  MessagePayload payload;
  std::string leaf_hash;  // 32 bytes
};

Result<StoredMessage> ReadStoredMessage(Database& db, const RecordId& id);
// Streams the exact archived bytes to sink. The SHA-256 of what was streamed is checked at
// the end: a mismatch is Corruption (the sink has then seen bad bytes; callers that must
// not emit them unchecked buffer or verify first).
// `reader`, when given, is reused for the decompression (a caller reading many messages
// allocates no decoder per message).
Status ReadRawMessage(Database& db, const RecordId& id, const std::function<Status(std::string_view)>& sink,
                      BlobReader* reader = nullptr);

}  // namespace chainmail
