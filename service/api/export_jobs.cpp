#include "service/api/export_jobs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "archive/bundle_log_export.h"
#include "archive/format/leaf.h"
#include "archive/format/payload_tags.h"
#include "archive/format/sha256.h"

namespace chainmail {
namespace {

constexpr uint64_t kPerFile = 1024;        // a ustar header plus padding, at most
constexpr uint64_t kPerLog = 64 * 1024;    // range, checkpoints, proofs, compact range, keys
constexpr uint64_t kPerBundle = 64 * 1024;  // manifest, VERIFY.txt, the closing blocks

struct Sizes {
  uint64_t records = 0, bytes = 0;
};

Result<Sizes> Sum(Statement& st) {
  if (!st.Step()) return st.status().ok() ? Status::IoError("no row from an aggregate") : st.status();
  return Sizes{static_cast<uint64_t>(st.Int(0)), static_cast<uint64_t>(st.Int(1))};
}

// Selected messages: count and their payload, zstd body and .eml bytes.
Result<Sizes> MessageSizes(Database& db, const ExportRequest& r, const bundle::Range& range) {
  const std::string sizes =
      "SELECT count(*), coalesce(sum(length(p.payload) + b.stored_length + b.raw_length), 0) FROM messages m "
      "JOIN payloads p ON p.record_id = m.record_id JOIN blobs b ON b.sha256 = m.raw_sha256 ";
  if (!r.message_ids) {
    Statement st = db.Prepare(sizes + "WHERE m.seq >= ? AND m.seq < ?");
    st.Bind(1, static_cast<int64_t>(range.first)).Bind(2, static_cast<int64_t>(range.end));
    return Sum(st);
  }
  Sizes total;
  for (const RecordId& id : *r.message_ids) {
    Statement st = db.Prepare(sizes + "WHERE m.record_id = ?");
    st.BindBlob(1, id.AsBytes());
    auto one = Sum(st);
    if (!one.ok()) return one.status();
    total.records += one->records;
    total.bytes += one->bytes;
  }
  return total;
}

// Audit events of the range: count and payload bytes.
Result<Sizes> AuditSizes(Database& db, const bundle::Range& range) {
  Statement st = db.Prepare(
      "SELECT count(*), coalesce(sum(length(p.payload)), 0) FROM leaves l JOIN payloads p ON p.record_id = l.record_id "
      "WHERE l.log = ? AND l.seq >= ? AND l.seq < ?");
  st.Bind(1, static_cast<int64_t>(LogName::kAudit)).Bind(2, static_cast<int64_t>(range.first))
      .Bind(3, static_cast<int64_t>(range.end));
  return Sum(st);
}

Result<std::string> FileSha256(const std::string& path, uint64_t* bytes) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError("cannot open " + path);
  Sha256 h;
  std::string buf(1 << 16, '\0');
  *bytes = 0;
  for (;;) {
    const ssize_t n = read(fd, buf.data(), buf.size());
    if (n < 0) {
      close(fd);
      return Status::IoError("cannot read " + path);
    }
    if (n == 0) break;
    h.Update(buf.data(), static_cast<size_t>(n));
    *bytes += static_cast<uint64_t>(n);
  }
  close(fd);
  return ToHex(h.Finish());
}

std::string MiB(uint64_t bytes) { return std::to_string((bytes + (1 << 20) - 1) >> 20) + " MiB"; }

}  // namespace

std::string ExportDir(const std::string& data_dir) { return data_dir + "/exports"; }

void RemoveLeftoverExports(const std::string& data_dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(ExportDir(data_dir), ec)) {
    std::string name = entry.path().filename().string();
    if (name.ends_with(".partial")) name.resize(name.size() - 8);
    if (!name.ends_with(".tar") || !RecordId::Parse(name.substr(0, name.size() - 4))) continue;
    std::error_code ignored;
    std::filesystem::remove(entry.path(), ignored);
  }
}

Result<uint64_t> EstimateBundleBytes(Database& db, const ExportRequest& r) {
  Transaction snapshot(db, Transaction::Kind::kDeferred);
  if (!snapshot.status().ok()) return snapshot.status();
  uint64_t total = kPerBundle + r.known_notes.size() * (kPerFile + 8192);
  for (LogName log : {LogName::kMessages, LogName::kAudit}) {
    if (!(log == LogName::kMessages ? r.messages : r.audit)) continue;
    auto range = RangeForTimes(db, log, r.from_us, r.to_us);
    if (!range.ok()) return range.status();
    total += kPerLog + (range->end - range->first) * kLeafSize;
    if (log == LogName::kMessages) {
      auto s = MessageSizes(db, r, *range);
      if (!s.ok()) return s.status();
      total += s->bytes + s->records * (32 + 4 * kPerFile);  // payload, salt, body.zst, .eml
    } else {
      auto s = AuditSizes(db, *range);
      if (!s.ok()) return s.status();
      // payload and salt files, plus the event again in audit.jsonl and audit.csv (escaped)
      total += 3 * s->bytes + s->records * (32 + 2 * kPerFile + 512);
    }
  }
  return total;
}

ExportJob::ExportJob(Archive& archive, ExportRequest request, AuditEvent actor, std::string owner)
    : Job("export", std::move(owner)),
      archive_(archive),
      request_(std::move(request)),
      actor_(std::move(actor)),
      path_(ExportDir(archive.options().data_dir) + "/" + id() + ".tar") {}

std::optional<ExportJob::Bundle> ExportJob::bundle() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bundle_;
}

uint16_t ExportJob::event_type() const {
  return request_.audit ? auditevent::kAuditExport : auditevent::kMessageExport;
}

Status ExportJob::Run() {
  {
    auto db = Database::Open(DatabasePath(archive_.options().data_dir), Database::Mode::kReadOnly);
    if (!db.ok()) return db.status();
    auto estimate = EstimateBundleBytes(**db, request_);
    if (!estimate.ok()) return estimate.status();
    if (*estimate > kMaxRestBundleBytes)
      return Status::LimitExceeded("this bundle would be about " + MiB(*estimate) + ", above the REST export limit of " +
                                   MiB(kMaxRestBundleBytes) + " (every leaf of the exported range is included): "
                                   "narrow it with from/to, or run `chainmail export` on the archive's host");
  }
  const std::string dir = ExportDir(archive_.options().data_dir);
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return Status::IoError("cannot create " + dir);
  ExportRequest request = request_;
  request.progress = [this](uint64_t done, uint64_t total) { SetProgress(done, total); };
  auto result = ExportBundle(archive_, request, actor_, path_);
  if (!result.ok()) return result.status();
  Bundle b;
  b.manifest_sha256 = result->manifest_sha256;
  b.records = result->records;
  auto sha = FileSha256(path_, &b.bytes);
  if (!sha.ok()) return sha.status();
  b.sha256 = *sha;
  std::lock_guard<std::mutex> lock(mu_);
  bundle_ = std::move(b);
  return Status::Ok();
}

void ExportJob::Describe(JsonWriter& json) const {
  JsonWriter what = JsonWriter::Object();
  what.Str("messages", !request_.messages ? "none" : request_.message_ids ? "listed" : "all");
  if (request_.message_ids) what.Int("message_ids", static_cast<int64_t>(request_.message_ids->size()));
  what.Bool("audit", request_.audit).OptTime("from", request_.from_us).OptTime("to", request_.to_us)
      .Int("known_checkpoints", static_cast<int64_t>(request_.known_notes.size()));
  json.Raw("request", what.Done());
  const auto b = bundle();
  if (!b) {
    json.Null("bundle");
    return;
  }
  json.Raw("bundle", JsonWriter::Object()
                         .Str("href", "/api/v1/exports/" + id() + "/bundle")
                         .Int("size", static_cast<int64_t>(b->bytes))
                         .Str("sha256", b->sha256)
                         .Str("manifest_sha256", b->manifest_sha256)
                         .Int("records", static_cast<int64_t>(b->records))
                         .Done());
}

uint64_t ExportJob::DiskBytes() const {
  const auto b = bundle();
  return b ? b->bytes : 0;
}

void ExportJob::Discard() {
  unlink(path_.c_str());
  unlink((path_ + ".partial").c_str());
}

}  // namespace chainmail
