// BlobStore: message bodies, content-addressed by the SHA-256 of their raw bytes, stored
// as one zstd frame split into rows of at most kBlobChunkSize bytes, reference-counted so
// identical bytes are stored once. This is the seam where object storage can replace the
// embedded SQLite default.
//
// Put runs inside the writer's transaction on the writer's Database; ReadRaw on any
// reader's. Not thread-safe per Database (the Database is owned by one thread).
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "archive/database.h"
#include "archive/format/bytes.h"
#include "archive/format/zstd_bounded.h"
#include "archive/temp_buffer.h"

namespace chainmail {

inline constexpr size_t kBlobChunkSize = 1 << 20;

struct BlobInfo {
  uint64_t raw_length = 0;
  uint64_t stored_length = 0;
  int64_t chunk_count = 0;
  int64_t refcount = 0;
  int codec = 0;
};

class BlobStore {
 public:
  // Adds one reference to the blob `sha256`, storing `zstd` (a complete zstd frame of the
  // raw bytes) first when the blob is new.
  static Status Put(Database& db, const Hash32& sha256, uint64_t raw_length, const TempBuffer& zstd);
  static Result<BlobInfo> Info(Database& db, const Hash32& sha256);
  // Streams the decompressed bytes to sink in order. Decompression is bounded: output
  // beyond the recorded raw length, a missing chunk, or a bad frame is Corruption.
  // (A BlobReader of its own, for a single read.)
  static Status ReadRaw(Database& db, const Hash32& sha256,
                        const std::function<Status(std::string_view)>& sink);
};

// Reads blobs as BlobStore::ReadRaw does, through one zstd decoder kept from blob to blob,
// so that a reader of many blobs (verify) allocates nothing per blob. One thread at a time.
class BlobReader {
 public:
  Status Read(Database& db, const Hash32& sha256, const std::function<Status(std::string_view)>& sink);

 private:
  BoundedZstdDecoder decoder_{0};
};

}  // namespace chainmail
