#include "service/api/health.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "archive/checkpoint_store.h"
#include "archive/format/leaf.h"
#include "archive/format/rfc3339.h"
#include "archive/log_head.h"
#include "service/api/json_writer.h"

namespace chainmail {
namespace {

constexpr std::chrono::seconds kReuseFor{1};
constexpr int kWriteLockWaitMs = 1000;

struct Check {
  Health status = Health::kOk;
  JsonWriter json = JsonWriter::Object();
};

Check Make(Health h) {
  Check c;
  c.status = h;
  c.json.Str("status", HealthName(h));
  return c;
}

int64_t Seconds(int64_t us) { return us / 1'000'000; }

// Writes, fsyncs and removes a small file in `dir`: what archiving a message needs of
// the file system (a read-only remount or a permission change fails here).
Status ProbeWrite(const std::string& dir) {
  const std::string path = dir + "/.healthz-probe";
  const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IoError(std::string("cannot create a file in data.dir: ") + std::strerror(errno));
  const char kBytes[] = "healthz\n";
  Status s;
  if (::write(fd, kBytes, sizeof(kBytes) - 1) != static_cast<ssize_t>(sizeof(kBytes) - 1) || ::fsync(fd) != 0)
    s = Status::IoError(std::string("cannot write and sync a file in data.dir: ") + std::strerror(errno));
  ::close(fd);
  ::unlink(path.c_str());
  return s;
}

Check DatabaseCheck(std::unique_ptr<Database>& db, const std::string& data_dir) {
  if (!db) {
    auto opened = Database::Open(DatabasePath(data_dir), Database::Mode::kReadWrite);
    if (!opened.ok()) {
      Check c = Make(Health::kFailing);
      c.json.Str("detail", "cannot open the database for writing: " + opened.status().message());
      return c;
    }
    db = std::move(*opened);
    db->SetLockWait(std::chrono::milliseconds(kWriteLockWaitMs));
  }
  const auto start = std::chrono::steady_clock::now();
  Status lock;
  {
    Transaction tx(*db, Transaction::Kind::kImmediate);  // rolled back: nothing is written
    lock = tx.status();
  }
  const Status file = ProbeWrite(data_dir);
  const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  Check c;
  if (!file.ok()) {
    c = Make(Health::kFailing);
    c.json.Str("detail", file.message());
  } else if (lock.code() == Status::Code::kUnavailable) {
    c = Make(Health::kDegraded);
    c.json.Str("detail", "the write lock stayed busy for " + std::to_string(kWriteLockWaitMs) + " ms");
  } else if (!lock.ok()) {
    c = Make(Health::kFailing);
    c.json.Str("detail", "cannot take the write lock: " + lock.message());
    db.reset();  // reopened next time
  } else {
    c = Make(Health::kOk);
    c.json.Str("detail", "write lock granted; data.dir writable");
  }
  c.json.Int("took_ms", ms);
  return c;
}

Check DiskCheck(const std::string& data_dir, uint64_t min_free) {
  struct statvfs fs {};
  if (::statvfs(data_dir.c_str(), &fs) != 0) {
    Check c = Make(Health::kFailing);
    c.json.Str("detail", std::string("cannot stat data.dir: ") + std::strerror(errno));
    return c;
  }
  const uint64_t free_bytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  Health h = Health::kOk;
  std::string detail = "enough free space";
  if (free_bytes < min_free || free_bytes == 0) {
    h = Health::kFailing;
    detail = "below archive.min_free_mb: new messages are refused with 452 4.3.1";
  } else if (free_bytes < 2 * min_free) {
    h = Health::kDegraded;
    detail = "less than twice archive.min_free_mb left";
  }
  Check c = Make(h);
  c.json.Str("detail", detail).Int("free_bytes", static_cast<int64_t>(free_bytes)).Int("min_free_bytes",
                                                                                     static_cast<int64_t>(min_free));
  return c;
}

// The commit time of leaf `seq` of `log`.
Result<uint64_t> LeafTime(Database& db, LogName log, uint64_t seq) {
  Statement st = db.Prepare("SELECT leaf FROM leaves WHERE log = ? AND seq = ?");
  st.Bind(1, static_cast<int64_t>(log)).Bind(2, static_cast<int64_t>(seq));
  if (!st.Step()) return st.status().ok() ? Status::NotFound("no leaf " + std::to_string(seq)) : st.status();
  auto leaf = Leaf::Decode(st.Blob(0));
  if (!leaf.ok()) return leaf.status();
  return leaf->commit_time_us;
}

Check CheckpointCheck(Database& db, LogName log, const LogHead& head, int64_t now_us, std::chrono::seconds max_lag) {
  auto latest = LatestCheckpoint(db, log);
  if (!latest.ok()) {
    Check c = Make(Health::kFailing);
    c.json.Str("detail", "cannot read checkpoints: " + latest.status().message());
    return c;
  }
  const uint64_t signed_size = *latest ? (*latest)->size : 0;
  int64_t waiting_us = 0;  // how long the oldest leaf without a checkpoint has waited
  if (head.size > signed_size) {
    auto t = LeafTime(db, log, signed_size);
    if (!t.ok()) {
      Check c = Make(Health::kFailing);
      c.json.Str("detail", "cannot read the log: " + t.status().message());
      return c;
    }
    waiting_us = std::max<int64_t>(0, now_us - static_cast<int64_t>(*t));
  }
  const bool stale = waiting_us > std::chrono::duration_cast<std::chrono::microseconds>(max_lag).count();
  Check c = Make(stale ? Health::kDegraded : Health::kOk);
  c.json.Str("detail", stale ? "leaves have waited too long for a signed checkpoint"
                             : head.size == 0 ? "empty log" : "checkpoints keep up");
  c.json.Int("log_size", static_cast<int64_t>(head.size)).Int("checkpoint_size", static_cast<int64_t>(signed_size));
  if (*latest) c.json.Int("checkpoint_age_s", Seconds(now_us - (*latest)->signed_us));
  c.json.Int("unsigned_leaves", static_cast<int64_t>(head.size - std::min(head.size, signed_size)))
      .Int("oldest_unsigned_age_s", Seconds(waiting_us))
      .Int("max_lag_s", max_lag.count());
  return c;
}

Check NewestMessageCheck(const LogHead& messages, int64_t now_us, std::chrono::seconds max_age) {
  if (messages.size == 0) {
    Check c = Make(max_age.count() > 0 ? Health::kDegraded : Health::kOk);
    c.json.Str("detail", "no message archived yet").Null("age_s").Int("max_age_s", max_age.count());
    return c;
  }
  const int64_t age_s = Seconds(std::max<int64_t>(0, now_us - static_cast<int64_t>(messages.last_commit_time_us)));
  const bool quiet = max_age.count() > 0 && age_s > max_age.count();
  Check c = Make(quiet ? Health::kDegraded : Health::kOk);
  c.json.Str("detail", quiet ? "no message for longer than health.max_message_age_s: is the gateway still sending?"
                             : "mail is arriving")
      .Int("age_s", age_s)
      .Int("max_age_s", max_age.count())
      .Time("newest", static_cast<int64_t>(messages.last_commit_time_us));
  return c;
}

Check FulltextCheck(const FulltextIndexerStatus& f, std::chrono::seconds max_lag) {
  const bool behind = max_lag.count() > 0 && f.lag_seconds > static_cast<double>(max_lag.count());
  const bool failing_batches = !f.last_error.empty();
  Check c = Make(behind || failing_batches ? Health::kDegraded : Health::kOk);
  c.json.Str("detail", failing_batches ? "indexing fails: " + f.last_error
                       : behind        ? "messages wait longer than health.max_fulltext_lag_s to become searchable"
                       : f.lag_messages == 0 ? "every message is searchable by text"
                                             : "the index is catching up")
      .Int("lag_messages", static_cast<int64_t>(f.lag_messages))
      .Int("lag_s", static_cast<int64_t>(f.lag_seconds))
      .Int("max_lag_s", max_lag.count())
      .Int("indexed_through_seq", f.indexed_through_seq)
      .Int("documents", static_cast<int64_t>(f.indexed_total))
      .Bool("backfilling", f.backfilling)
      .Bool("deferring", f.deferring);
  return c;
}

// After a failed sync of its WAL the writer acknowledges nothing more (wal_syncer.h):
// every message gets 451 and every audited request 503 until chainmaild restarts.
Check WriterCheck(const Status& sync_failure) {
  Check c = Make(sync_failure.ok() ? Health::kOk : Health::kFailing);
  c.json.Str("detail", sync_failure.ok() ? "the write-ahead log syncs"
                                         : "the write-ahead log could not be synced, so nothing is acknowledged "
                                           "until chainmaild restarts: " + sync_failure.message());
  return c;
}

// Mail is still archived without new checkpoints, so degraded, not failing; the detail
// says whether a signed log was found rewritten or rolled back (signed_heads.h).
Check SigningCheck(const Status& failure) {
  Check c = Make(failure.ok() ? Health::kOk : Health::kDegraded);
  c.json.Str("detail", failure.ok() ? "checkpoints are signed as the logs grow"
                                    : "checkpoint signing failed: " + failure.message());
  return c;
}

Check ReadFailure(const std::string& what, const Status& s) {
  Check c = Make(s.code() == Status::Code::kUnavailable ? Health::kDegraded : Health::kFailing);
  c.json.Str("detail", "cannot read " + what + ": " + s.message());
  return c;
}

}  // namespace

std::string_view HealthName(Health h) {
  switch (h) {
    case Health::kOk: return "ok";
    case Health::kDegraded: return "degraded";
    case Health::kFailing: return "failing";
  }
  return "failing";
}

HealthMonitor::HealthMonitor(Archive& archive, ReaderPool& readers, HealthOptions options)
    : archive_(archive), readers_(readers), options_(options) {}

HealthReport HealthMonitor::Check() {
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (last_run_ != std::chrono::steady_clock::time_point{} && now - last_run_ < kReuseFor) return last_;
  last_ = Run(UnixNowUs());
  last_run_ = std::chrono::steady_clock::now();
  return last_;
}

HealthReport HealthMonitor::Run(int64_t now_us) {
  const std::string& dir = archive_.options().data_dir;
  std::vector<std::pair<std::string, chainmail::Check>> checks;
  checks.emplace_back("database", DatabaseCheck(write_db_, dir));
  checks.emplace_back("disk", DiskCheck(dir, archive_.options().min_free_bytes));
  checks.emplace_back("writer", WriterCheck(archive_.sync_failure()));
  checks.emplace_back("signing", SigningCheck(archive_.checkpoint_failure()));
  auto reader = readers_.Acquire();
  if (!reader.ok()) {
    checks.emplace_back("logs", ReadFailure("the logs", reader.status()));
  } else {
    Transaction tx(**reader, Transaction::Kind::kDeferred);  // one consistent view
    for (LogName log : {LogName::kMessages, LogName::kAudit}) {
      const std::string name = log == LogName::kMessages ? "messages" : "audit";
      auto head = ReadLogHead(**reader, log);
      if (!head.ok()) {
        checks.emplace_back("checkpoint." + name, ReadFailure("the " + name + " log", head.status()));
        continue;
      }
      checks.emplace_back("checkpoint." + name,
                          CheckpointCheck(**reader, log, *head, now_us, options_.max_checkpoint_lag));
      if (log == LogName::kMessages)
        checks.emplace_back("newest_message", NewestMessageCheck(*head, now_us, options_.max_message_age));
    }
  }
  if (const FulltextIndexer* indexer = fulltext_.load(std::memory_order_acquire))
    checks.emplace_back("fulltext", FulltextCheck(indexer->status(), options_.max_fulltext_lag));
  HealthReport report;
  JsonWriter all = JsonWriter::Object();
  for (auto& [name, c] : checks) {
    report.status = std::max(report.status, c.status);
    all.Raw(name, c.json.Done());
  }
  report.json = JsonWriter::Object()
                    .Str("status", HealthName(report.status))
                    .Time("checked", now_us)
                    .Raw("checks", all.Done())
                    .Done() +
                "\n";
  return report;
}

}  // namespace chainmail
