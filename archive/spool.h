// ArchiveSpool: the archive's MessageSpool. As bytes arrive it hashes them (SHA-256),
// derives the content flags, keeps the first kHeaderScanLimit bytes for the header
// scanner, and stores them in a TempBuffer (memory, spilling to an unlinked file).
// One session thread at a time; handed to the archive's Commit when complete.
#pragma once

#include <string>

#include "archive/content_flags.h"
#include "archive/format/sha256.h"
#include "archive/ingest.h"
#include "archive/temp_buffer.h"

namespace chainmail {

class ArchiveSpool : public MessageSpool {
 public:
  ArchiveSpool(const std::string& spool_dir, size_t memory_limit);

  void Write(std::string_view bytes) override;
  uint64_t size() const override { return body_.size(); }
  Status status() const override { return body_.status(); }

  // Completes the spool: flushes the file and finalises hash and flags. Call once.
  Status Finish();
  const Hash32& sha256() const { return sha256_; }
  uint32_t content_flags() const { return content_flags_; }
  const std::string& prefix() const { return prefix_; }
  const TempBuffer& body() const { return body_; }

 private:
  TempBuffer body_;
  Sha256 hash_;
  ContentFlagScanner flags_;
  std::string prefix_;
  Hash32 sha256_{};
  uint32_t content_flags_ = 0;
};

}  // namespace chainmail
