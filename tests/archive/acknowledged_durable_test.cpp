// "Acknowledged means durable" at the archive: Commit() returns a record id only after
// the WAL sync that began after its commit has ended, and never after a failed one. The
// sync is gated here (ArchiveOptions::sync_wal), so the test can hold a commit between
// "written and visible to readers" and "synced" and watch that nothing is answered there.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>

#include "archive/archive.h"
#include "tests/archive/archive_test_util.h"

namespace chainmail::testing {
namespace {

// A sync that waits until the test opens it, then really syncs; or fails once told to.
class SyncGate {
 public:
  SyncFile Function() {
    return [this](int fd) -> Status {
      std::unique_lock<std::mutex> lock(mu_);
      ++entered_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return open_ || fail_; });
      if (fail_) return Status::IoError("injected: the disk lost the write");
      return fdatasync(fd) == 0 ? Status::Ok() : Status::IoError("fdatasync failed");
    };
  }
  void Open() { Set([&] { open_ = true; }); }
  void Fail() { Set([&] { fail_ = true; }); }
  // Waits until a sync has begun (`n` in all).
  bool WaitEntered(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return entered_ >= n; });
  }

 private:
  template <typename F>
  void Set(F f) {
    std::lock_guard<std::mutex> lock(mu_);
    f();
    cv_.notify_all();
  }
  std::mutex mu_;
  std::condition_variable cv_;
  int entered_ = 0;
  bool open_ = false;
  bool fail_ = false;
};

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

int64_t CountMessages(const std::string& dir) {
  auto db = OpenDb(dir);
  auto n = db->QueryInt("SELECT count(*) FROM messages");
  return n.ok() ? *n : -1;
}

TEST(AcknowledgedMeansDurable, ACommittedMessageIsNotAnsweredUntilItsSyncEnds) {
  TempDir dir;
  SyncGate gate;
  auto archive = OpenGated(dir.path(), gate);
  ASSERT_NE(archive, nullptr);
  auto answered = std::async(std::launch::async, [&] { return Ingest(*archive, SampleMessage(1)); });
  ASSERT_TRUE(gate.WaitEntered(1));
  // Committed: another connection reads it. Not synced: the session has no answer yet.
  EXPECT_EQ(CountMessages(dir.path()), 1);
  EXPECT_EQ(answered.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  gate.Open();
  ASSERT_EQ(answered.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(ReadRaw(dir.path(), answered.get()), SampleMessage(1));
}

// A failed sync: the commit it covered is answered with the failure (the session says
// 451, the gateway retries), every later commit fails too, and the archive says why.
TEST(AcknowledgedMeansDurable, AFailedSyncAnswersNoOneAndIsFinal) {
  TempDir dir;
  SyncGate gate;
  auto archive = OpenGated(dir.path(), gate);
  ASSERT_NE(archive, nullptr);
  auto commit = [&](int i) {
    auto spool = archive->BeginMessage();
    EXPECT_TRUE(spool.ok());
    (*spool)->Write(SampleMessage(i));
    MessagePayload e;
    e.mail_from = "<sender@example.com>";
    e.rcpt_to = {"<j@archive.test>"};
    e.helo_verb = "EHLO";
    e.helo_name = "client.test";
    e.client_address = "127.0.0.1";
    e.server_address = "127.0.0.1:2525";
    e.session_id = std::string(16, '\x02');
    return archive->Commit(std::move(*spool), e);
  };
  auto first = std::async(std::launch::async, commit, 1);
  ASSERT_TRUE(gate.WaitEntered(1));
  gate.Fail();
  auto failed = first.get();
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("injected"), std::string::npos) << failed.status().message();
  EXPECT_FALSE(archive->sync_failure().ok());
  // Final: later commits fail without a sync, since after a failed fsync the kernel may
  // report the next one as fine although it dropped pages.
  auto later = commit(2);
  EXPECT_FALSE(later.ok());
  EXPECT_NE(later.status().message().find("injected"), std::string::npos) << later.status().message();
}

}  // namespace
}  // namespace chainmail::testing
