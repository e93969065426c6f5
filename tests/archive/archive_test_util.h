// Test helpers for the archive: a fresh data directory per test, and ingesting a message
// through the real Archive (the same path SMTP uses).
#pragma once

#include <memory>
#include <string>

#include "archive/archive.h"
#include "archive/database.h"

namespace chainmail::testing {

// A temporary directory removed at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::unique_ptr<Archive> OpenArchive(const std::string& dir);
// Archives `bytes` as an SMTP message with a plausible envelope; fails the test on error.
RecordId Ingest(MessageIngest& archive, const std::string& bytes, const std::string& rcpt = "<j@archive.test>");
std::string ReadRaw(const std::string& dir, const RecordId& id);
std::unique_ptr<Database> OpenDb(const std::string& dir);
std::string SampleMessage(int i, size_t body_bytes = 200);

}  // namespace chainmail::testing
