// ExtractedMessage: a committed message as full-text search reads it: its place in the
// messages log, its envelope, and what ExtractMime found in its bytes, with
// MimeDetail::kTextOnly (no part hashes, attachments not decoded: the part list is the
// /parts routes' business). Made in two ways that give the same result for the same
// message (same bytes, same MimeLimits):
//   - at ingest, by the receiving session before the commit (ExtractSpooled), and handed
//     after the commit to an ExtractedMessageSink (the full-text indexer), and
//   - later, from the archive (LoadExtractedMessage), for messages the sink never got
//     (a full hand-off queue, a restart, an archive older than full-text search).
//
// ExtractedMessageSink is the seam between the archive and the indexer above it
// (archive/fulltext/), so that the archive never depends on the full-text library.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "archive/blob_store.h"
#include "archive/database.h"
#include "archive/format/record_id.h"
#include "archive/mime/mime_extraction.h"
#include "archive/temp_buffer.h"

namespace chainmail {

struct ExtractedMessage {
  uint64_t seq = 0;                  // in the messages log
  RecordId record_id;
  int64_t received_us = 0;
  std::string mail_from;             // envelope sender address ("" for <>), as indexed
  std::vector<std::string> rcpt_to;  // envelope recipient addresses, as indexed
  MimeExtraction mime;
};

// Receives each message after it is durably committed, in roughly commit order (sessions
// wake in any order). Offer must return at once: it runs on the session's thread before
// the client is answered. Thread-safe implementations only.
class ExtractedMessageSink {
 public:
  virtual ~ExtractedMessageSink() = default;
  virtual void Offer(ExtractedMessage message) = 0;
};

// ExtractMime (kTextOnly) over spooled bytes: the memory when the spool never spilled, else the first
// limits.max_input_bytes + 1 bytes of its file (so ExtractMime sees that it was cut).
MimeExtraction ExtractSpooled(const TempBuffer& body, const MimeLimits& limits);

// The archived bytes of message `id` that extraction reads: at most
// limits.max_input_bytes + 1 (so ExtractMime sees a cut), hash-checked when whole.
Result<std::string> ReadBytesForExtraction(Database& db, const RecordId& id, const MimeLimits& limits,
                                           BlobReader* reader = nullptr);

// The message at `seq` of the messages log, read back and extracted again: envelope from
// the metadata index, bytes from the blob store (at most limits.max_input_bytes + 1, so a
// large message is extracted exactly as ExtractSpooled did). NotFound when no message
// has that seq (purged). A read error on the bytes (Corruption, IoError) is returned.
// Runs in the caller's transaction, if any. `reader` (optional) is reused to decompress.
Result<ExtractedMessage> LoadExtractedMessage(Database& db, uint64_t seq, const MimeLimits& limits,
                                              BlobReader* reader = nullptr);

}  // namespace chainmail
