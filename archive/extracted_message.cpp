#include "archive/extracted_message.h"

#include <algorithm>

#include "archive/message_index.h"
#include "archive/message_reader.h"

namespace chainmail {
namespace {

// Bytes read for extraction: one more than ExtractMime reads, so it can flag the cut.
size_t ReadBound(const MimeLimits& limits) {
  return limits.max_input_bytes == SIZE_MAX ? SIZE_MAX : limits.max_input_bytes + 1;
}

}  // namespace

MimeExtraction ExtractSpooled(const TempBuffer& body, const MimeLimits& limits) {
  if (!body.spilled()) return ExtractMime(body.memory(), limits, MimeDetail::kTextOnly);
  const size_t bound = ReadBound(limits);
  std::string bytes;
  bytes.reserve(static_cast<size_t>(std::min<uint64_t>(body.size(), bound)));
  // A read error leaves what was read: extraction is best effort, never a reason to
  // refuse a message (the raw bytes are what is archived).
  body.ReadAll(1 << 20, [&](std::string_view piece) {
    bytes.append(piece.substr(0, bound - bytes.size()));
    return bytes.size() < bound ? Status::Ok() : Status::LimitExceeded("read enough");
  });
  return ExtractMime(bytes, limits, MimeDetail::kTextOnly);
}

Result<std::string> ReadBytesForExtraction(Database& db, const RecordId& id, const MimeLimits& limits,
                                           BlobReader* reader) {
  const size_t bound = ReadBound(limits);
  std::string bytes;
  bool cut = false;
  Status s = ReadRawMessage(db, id, [&](std::string_view piece) {
    bytes.append(piece.substr(0, bound - bytes.size()));
    cut = bytes.size() >= bound;
    return cut ? Status::LimitExceeded("read enough") : Status::Ok();
  }, reader);
  if (!s.ok() && !cut) return s;
  return bytes;
}

Result<ExtractedMessage> LoadExtractedMessage(Database& db, uint64_t seq, const MimeLimits& limits,
                                              BlobReader* reader) {
  Statement find = db.Prepare("SELECT record_id FROM messages WHERE seq = ?");
  find.Bind(1, static_cast<int64_t>(seq));
  if (!find.Step()) {
    if (!find.status().ok()) return find.status();
    return Status::NotFound("no message has seq " + std::to_string(seq));
  }
  const RecordId id = RecordId::FromBytes(find.Blob(0));
  auto row = ReadIndexRow(db, id);
  if (!row.ok()) return row.status();

  ExtractedMessage m;
  m.seq = seq;
  m.record_id = id;
  m.received_us = row->received_us;
  m.mail_from = row->mail_from;
  for (const auto& [kind, address] : row->addresses)
    if (kind == AddressKind::kEnvelopeRecipient) m.rcpt_to.push_back(address);

  auto bytes = ReadBytesForExtraction(db, id, limits, reader);
  if (!bytes.ok()) return bytes.status();
  m.mime = ExtractMime(*bytes, limits, MimeDetail::kTextOnly);
  return m;
}

}  // namespace chainmail
