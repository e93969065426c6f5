#include "archive/bundle_record_export.h"

#include "archive/format/bundle_layout.h"
#include "archive/format/message_payload.h"
#include "archive/message_reader.h"

namespace chainmail {

Status AddRecordFiles(Database& db, const RecordId& id, RecordType type, TarFiles& files) {
  const std::string name = id.ToString();
  Statement st = db.Prepare("SELECT salt, payload FROM payloads WHERE record_id = ?");
  st.BindBlob(1, id.AsBytes());
  if (!st.Step()) return st.status().ok() ? Status::NotFound("no payload for " + name) : st.status();
  const Bytes payload(st.Blob(1));
  files[bundle::SaltPath(name)] = Bytes(st.Blob(0));
  files[bundle::PayloadPath(name)] = payload;
  if (type != RecordType::kMessage) return Status::Ok();

  auto decoded = MessagePayload::Decode(payload);
  if (!decoded.ok()) return decoded.status();
  Statement chunks = db.Prepare("SELECT data FROM blob_chunks WHERE sha256 = ? ORDER BY idx");
  chunks.BindBlob(1, AsView(decoded->raw_sha256));
  Bytes& body = files[bundle::BodyPath(name)];
  while (chunks.Step()) body += chunks.Blob(0);
  if (!chunks.status().ok()) return chunks.status();
  Bytes& eml = files[bundle::EmlPath(name)];
  eml.reserve(decoded->raw_length);
  return ReadRawMessage(db, id, [&](std::string_view piece) {
    eml += piece;
    return Status::Ok();
  });
}

}  // namespace chainmail
