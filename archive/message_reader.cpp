#include "archive/message_reader.h"

#include "archive/blob_store.h"
#include "archive/format/sha256.h"

namespace chainmail {

Result<StoredMessage> ReadStoredMessage(Database& db, const RecordId& id) {
  StoredMessage m;
  auto index = ReadIndexRow(db, id);
  if (!index.ok()) return index.status();
  m.index = std::move(*index);
  Statement st = db.Prepare(
      "SELECT p.payload, l.leaf_hash FROM payloads p JOIN leaves l ON l.record_id = p.record_id "
      "WHERE p.record_id = ?");
  st.BindBlob(1, id.AsBytes());
  if (!st.Step()) {
    if (!st.status().ok()) return st.status();
    return Status::NotFound("no payload for " + id.ToString());
  }
  auto payload = MessagePayload::Decode(st.Blob(0));
  if (!payload.ok()) return payload.status();
  m.payload = std::move(*payload);
  m.leaf_hash = st.Blob(1);
  return m;
}

Status ReadRawMessage(Database& db, const RecordId& id, const std::function<Status(std::string_view)>& sink,
                      BlobReader* reader) {
  auto stored = ReadStoredMessage(db, id);
  if (!stored.ok()) return stored.status();
  Sha256 h;
  auto hashed = [&](std::string_view piece) {
    h.Update(piece);
    return sink(piece);
  };
  Status s = reader ? reader->Read(db, stored->payload.raw_sha256, hashed)
                    : BlobStore::ReadRaw(db, stored->payload.raw_sha256, hashed);
  if (!s.ok()) return s;
  if (h.Finish() != stored->payload.raw_sha256)
    return Status::Corruption("message " + id.ToString() + " does not hash to its committed SHA-256");
  return Status::Ok();
}

}  // namespace chainmail
