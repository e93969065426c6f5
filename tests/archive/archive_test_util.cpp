#include "tests/archive/archive_test_util.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "archive/message_reader.h"

namespace chainmail::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "chainmail-test-XXXXXX").string();
  path_ = mkdtemp(tmpl.data());
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::unique_ptr<Archive> OpenArchive(const std::string& dir) {
  ArchiveOptions o;
  o.data_dir = dir;
  o.origin_name = "test.example";
  o.min_free_bytes = 0;
  auto a = Archive::Open(o);
  EXPECT_TRUE(a.ok()) << a.status().message();
  return a.ok() ? std::move(*a) : nullptr;
}

Result<RecordId> TryIngest(MessageIngest& archive, const std::string& bytes, const std::string& rcpt) {
  auto spool = archive.BeginMessage();
  if (!spool.ok()) return spool.status();
  // Write in uneven pieces, as a network would deliver them.
  for (size_t off = 0; off < bytes.size(); off += 777) (*spool)->Write(std::string_view(bytes).substr(off, 777));
  MessagePayload e;
  e.mail_from = "<sender@example.com> BODY=8BITMIME";
  e.rcpt_to = {rcpt};
  e.helo_verb = "EHLO";
  e.helo_name = "client.test";
  e.client_address = "127.0.0.1";
  e.client_port = 5555;
  e.server_address = "127.0.0.1:2525";
  e.session_id = std::string(16, '\x01');
  return archive.Commit(std::move(*spool), e);
}

RecordId Ingest(MessageIngest& archive, const std::string& bytes, const std::string& rcpt) {
  auto id = TryIngest(archive, bytes, rcpt);
  EXPECT_TRUE(id.ok()) << id.status().message();
  return id.ok() ? *id : RecordId();
}

std::unique_ptr<Database> OpenDb(const std::string& dir) {
  auto db = Database::Open(DatabasePath(dir), Database::Mode::kReadWrite);
  EXPECT_TRUE(db.ok());
  return std::move(*db);
}

std::string ReadRaw(const std::string& dir, const RecordId& id) {
  auto db = OpenDb(dir);
  std::string out;
  Status s = ReadRawMessage(*db, id, [&](std::string_view p) {
    out.append(p);
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.message();
  return out;
}

std::string SampleMessage(int i, size_t body_bytes) {
  std::string m = "From: Alice <alice@example.com>\r\nTo: bob@example.net, \"Carol C\" <carol@example.org>\r\n"
                  "Subject: message " + std::to_string(i) + "\r\nMessage-ID: <m" + std::to_string(i) +
                  "@example.com>\r\nDate: Fri, 27 Nov 2026 11:48:30 +0000\r\n\r\n";
  while (m.size() < body_bytes) m += "line " + std::to_string(m.size()) + " of message " + std::to_string(i) + "\r\n";
  return m;
}

SyncFile SyncGate::Function() {
  return [this](int fd) -> Status {
    std::unique_lock<std::mutex> lock(mu_);
    ++entered_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_ || fail_; });
    if (fail_) return Status::IoError("injected: the disk lost the write");
    return fdatasync(fd) == 0 ? Status::Ok() : Status::IoError("fdatasync failed");
  };
}

void SyncGate::Open() {
  std::lock_guard<std::mutex> lock(mu_);
  open_ = true;
  cv_.notify_all();
}

void SyncGate::Fail() {
  std::lock_guard<std::mutex> lock(mu_);
  fail_ = true;
  cv_.notify_all();
}

bool SyncGate::WaitEntered(int n) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return entered_ >= n; });
}

std::unique_ptr<Archive> OpenGated(const std::string& dir, SyncGate& gate) {
  ArchiveOptions o;
  o.data_dir = dir;
  o.origin_name = "test.example";
  o.min_free_bytes = 0;
  o.sync_wal = gate.Function();
  auto a = Archive::Open(o);
  EXPECT_TRUE(a.ok()) << a.status().message();
  return a.ok() ? std::move(*a) : nullptr;
}

long ThreadSleeps(const std::string& name) {
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string found;
    std::getline(comm, found);
    if (found != name) continue;
    std::ifstream status(task.path() / "status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0) return std::stol(line.substr(line.find(':') + 1));
  }
  return -1;
}

}  // namespace chainmail::testing
