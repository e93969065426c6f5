// Exporting one selected record into an evidence bundle (docs/bundle.md): its payload and
// salt exactly as committed and, for a message, the stored zstd frame and the `.eml`
// (the raw bytes, decompressed with the bound and hash-checked by message_reader.h).
// Functions over a caller-owned Database; one thread per Database.
#pragma once

#include "archive/database.h"
#include "archive/format/leaf.h"
#include "archive/format/record_id.h"
#include "archive/format/ustar.h"

namespace chainmail {

// Adds records/<id>/payload.bin and salt.bin, and for messages records/<id>/body.zst and
// eml/<id>.eml. NotFound when the record's payload is gone (purged).
Status AddRecordFiles(Database& db, const RecordId& id, RecordType type, TarFiles& files);

}  // namespace chainmail
