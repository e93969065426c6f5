// Test helpers for the archive: a fresh data directory per test, and ingesting a message
// through the real Archive (the same path SMTP uses).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
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
// The same, returning the outcome (a test that expects the commit to fail).
Result<RecordId> TryIngest(MessageIngest& archive, const std::string& bytes, const std::string& rcpt = "<j@archive.test>");
std::string ReadRaw(const std::string& dir, const RecordId& id);
std::unique_ptr<Database> OpenDb(const std::string& dir);
std::string SampleMessage(int i, size_t body_bytes = 200);
// Voluntary context switches so far of this process's thread named `name` (its comm, as
// NamedThread sets it), from /proc/self/task/*/status: how often it went to sleep. -1
// when there is no such thread.
long ThreadSleeps(const std::string& name);

// A WAL sync (ArchiveOptions::sync_wal) that waits until the test opens it, then really
// syncs; or fails once told to. Holding it open holds a commit between "written and
// visible to readers" and "synced", and gathers what comes meanwhile into one batch.
class SyncGate {
 public:
  SyncFile Function();
  void Open();
  void Fail();
  // Waits (10 s at most) until `n` syncs in all have begun.
  bool WaitEntered(int n);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int entered_ = 0;
  bool open_ = false;
  bool fail_ = false;
};

// OpenArchive with its WAL synced through `gate`.
std::unique_ptr<Archive> OpenGated(const std::string& dir, SyncGate& gate);

}  // namespace chainmail::testing
