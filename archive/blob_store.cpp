#include "archive/blob_store.h"

#include "archive/format/payload_tags.h"
#include "archive/format/zstd_bounded.h"

namespace chainmail {

Status BlobStore::Put(Database& db, const Hash32& sha256, uint64_t raw_length, const TempBuffer& zstd) {
  const std::string_view key = AsView(sha256);
  // One statement, one descent of the blobs b-tree, whether the bytes are new or stored
  // already. Refcount 1 afterwards means this call inserted the row: refcounts only grow
  // (the future purge path removes a blob's row with its last reference).
  const int64_t chunks = static_cast<int64_t>((zstd.size() + kBlobChunkSize - 1) / kBlobChunkSize);
  Statement upsert = db.Prepare(
      "INSERT INTO blobs(sha256, raw_length, codec, stored_length, chunk_count, refcount) "
      "VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT(sha256) DO UPDATE SET refcount = refcount + 1 "
      "RETURNING refcount");
  upsert.BindBlob(1, key)
      .Bind(2, static_cast<int64_t>(raw_length))
      .Bind(3, static_cast<int64_t>(Codec::kZstd))
      .Bind(4, static_cast<int64_t>(zstd.size()))
      .Bind(5, chunks);
  if (!upsert.Step()) {
    if (!upsert.status().ok()) return upsert.status();
    return Status::IoError("blob " + ToHex(sha256) + ": upsert returned no row");
  }
  const int64_t refcount = upsert.Int(0);
  while (upsert.Step()) {
  }
  if (!upsert.status().ok()) return upsert.status();
  if (refcount != 1) return Status::Ok();

  int64_t idx = 0;
  return zstd.ReadAll(kBlobChunkSize, [&](std::string_view chunk) {
    Statement put = db.Prepare("INSERT INTO blob_chunks(sha256, idx, data) VALUES (?, ?, ?)");
    return put.BindBlob(1, key).Bind(2, idx++).BindBlob(3, chunk).Run();
  });
}

Result<BlobInfo> BlobStore::Info(Database& db, const Hash32& sha256) {
  Statement st = db.Prepare(
      "SELECT raw_length, stored_length, chunk_count, refcount, codec FROM blobs WHERE sha256 = ?");
  st.BindBlob(1, AsView(sha256));
  if (!st.Step()) {
    if (!st.status().ok()) return st.status();
    return Status::NotFound("no blob " + ToHex(sha256));
  }
  return BlobInfo{static_cast<uint64_t>(st.Int(0)), static_cast<uint64_t>(st.Int(1)), st.Int(2),
                  st.Int(3), static_cast<int>(st.Int(4))};
}

Status BlobStore::ReadRaw(Database& db, const Hash32& sha256,
                          const std::function<Status(std::string_view)>& sink) {
  return BlobReader().Read(db, sha256, sink);
}

Status BlobReader::Read(Database& db, const Hash32& sha256, const std::function<Status(std::string_view)>& sink) {
  auto info = BlobStore::Info(db, sha256);
  if (!info.ok()) return info.status();
  if (info->codec != static_cast<int>(Codec::kZstd))
    return Status::Corruption("blob " + ToHex(sha256) + ": unknown codec");
  decoder_.Reset(info->raw_length);
  uint64_t stored = 0;
  int64_t expected_idx = 0;
  // One chunk at a time, each in its own statement step, so memory stays at one chunk.
  Statement st = db.Prepare("SELECT idx, data FROM blob_chunks WHERE sha256 = ? ORDER BY idx");
  st.BindBlob(1, AsView(sha256));
  while (st.Step()) {
    if (st.Int(0) != expected_idx++)
      return Status::Corruption("blob " + ToHex(sha256) + ": chunk " + std::to_string(expected_idx - 1) + " missing");
    std::string_view data = st.Blob(1);
    stored += data.size();
    Status s = decoder_.Feed(data, sink);
    if (s.code() == Status::Code::kCorruption) return Status::Corruption("blob " + ToHex(sha256) + ": " + s.message());
    if (!s.ok()) return s;
  }
  if (!st.status().ok()) return st.status();
  if (expected_idx != info->chunk_count)
    return Status::Corruption("blob " + ToHex(sha256) + ": " + std::to_string(expected_idx) + " of " +
                              std::to_string(info->chunk_count) + " chunks present");
  if (stored != info->stored_length)
    return Status::Corruption("blob " + ToHex(sha256) + ": stored length differs");
  if (Status s = decoder_.Finish(); !s.ok()) return Status::Corruption("blob " + ToHex(sha256) + ": " + s.message());
  if (decoder_.produced() != info->raw_length)
    return Status::Corruption("blob " + ToHex(sha256) + ": decompressed length differs");
  return Status::Ok();
}

}  // namespace chainmail
