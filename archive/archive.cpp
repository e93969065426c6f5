#include "archive/archive.h"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "archive/blob_store.h"
#include "archive/format/leaf.h"
#include "archive/message_index.h"
#include "archive/migrations.h"
#include "archive/spool.h"
#include "archive/tree_store.h"
#include "archive/wal_write_gather.h"

namespace chainmail {
namespace {

Status MakeDir(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return Status::IoError("cannot create " + path + ": " + ec.message());
  chmod(path.c_str(), 0700);
  return Status::Ok();
}

// The checkpointer, told the logs' current sizes and roots so that anything committed
// but not yet signed (a crash, an import) gets its checkpoint. Null without a signer.
Result<std::unique_ptr<Checkpointer>> StartCheckpointer(const ArchiveOptions& options, const Identity& identity,
                                                       Database& db) {
  if (!options.checkpoint_signer) return std::unique_ptr<Checkpointer>();
  auto own = Database::Open(db.path(), Database::Mode::kReadWrite);
  if (!own.ok()) return own.status();
  // Its one-row transactions hold the write lock while they commit, and the writer waits
  // for them: at FULL each commit held it for an fsync of the WAL (milliseconds under
  // load, twice a second). At NORMAL a checkpoint row is on disk with the writer's next
  // sync of the WAL, which comes within milliseconds under load, or with the next WAL
  // checkpoint. A row lost to a power cut in between loses no evidence: it signs leaves
  // already durable, and signed_heads (written and synced before it) keeps the next
  // signature extending it.
  if (Status s = (*own)->Exec("PRAGMA synchronous=NORMAL"); !s.ok()) return s;
  CheckpointerOptions co;
  co.interval = options.checkpoint_interval;
  co.keep_days = options.checkpoint_keep_days;
  co.origins = {{LogName::kMessages, identity.messages_origin}, {LogName::kAudit, identity.audit_origin}};
  co.signed_heads = options.signed_heads;
  auto c = std::make_unique<Checkpointer>(std::move(*own), co, options.checkpoint_signer);
  for (LogName log : {LogName::kMessages, LogName::kAudit}) {
    Transaction tx(db, Transaction::Kind::kDeferred);
    auto head = ReadLogHead(db, log);
    if (!head.ok()) return head.status();
    if (head->size == 0) continue;
    TreeNodeReader reader(db, log);
    auto root = RootAt(reader, head->size);
    if (!root.ok()) return root.status();
    c->OnCommit(log, head->size, *root);
  }
  return c;
}

// What extracting a message of `size` bytes may hold at once: the bytes read (a spilled
// spool is read into memory, at most the input bound) and as much again for the decoded
// text parts and the text built from them.
size_t ExtractionReadBytes(uint64_t size, const MimeLimits& limits) {
  const uint64_t read = std::min<uint64_t>(size, limits.max_input_bytes == SIZE_MAX ? size : limits.max_input_bytes + 1);
  return static_cast<size_t>(2 * read);
}

// What a session keeps of an extraction until it is handed over: the text and the lists.
size_t ExtractionResultBytes(const MimeExtraction& m) {
  size_t bytes = m.text.size() + m.subject.size() + 256 * m.parts.size();
  for (const std::string& s : m.addresses) bytes += s.size();
  for (const std::string& s : m.attachment_names) bytes += s.size();
  for (const auto& r : m.recipients_of_record) bytes += r.address.size() + 64;
  return bytes;
}

}  // namespace

std::string DatabasePath(const std::string& data_dir) { return data_dir + "/chainmail.db"; }

std::string LocalHostName() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof(buf) - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

Result<Identity> ReadIdentity(Database& db) {
  Statement get = db.Prepare("SELECT value FROM deployment WHERE key = 'base_origin'");
  if (!get.Step()) {
    if (!get.status().ok()) return get.status();
    return Status::NotFound("the archive has no identity yet: start chainmaild once");
  }
  const std::string base(get.Text(0));
  return Identity{base, base + "/messages", base + "/audit"};
}

Result<Identity> EnsureIdentity(Database& db, const std::string& origin_name, RecordMint& mint) {
  Transaction tx(db, Transaction::Kind::kImmediate);
  if (!tx.status().ok()) return tx.status();
  std::string base;
  {
    Statement get = db.Prepare("SELECT value FROM deployment WHERE key = 'base_origin'");
    if (get.Step()) base = get.Text(0);
    if (!get.status().ok()) return get.status();
  }
  if (base.empty()) {
    // Stored once, never derived again: renaming the host later changes nothing.
    base = (origin_name.empty() ? LocalHostName() : origin_name) + "/chainmail-" + ToHex(mint.RandomBytes(4));
    Statement put = db.Prepare("INSERT INTO deployment(key, value) VALUES ('base_origin', ?)");
    if (Status s = put.Bind(1, base).Run(); !s.ok()) return s;
    for (auto [id, name] : {std::pair{LogName::kMessages, "messages"}, std::pair{LogName::kAudit, "audit"}}) {
      std::string origin = base + "/" + name;
      Statement log = db.Prepare("INSERT INTO logs(id, name, origin, log_id) VALUES (?, ?, ?, ?)");
      Status s = log.Bind(1, static_cast<int64_t>(id)).Bind(2, std::string_view(name)).Bind(3, origin)
                     .BindBlob(4, AsView(LogIdForOrigin(origin))).Run();
      if (!s.ok()) return s;
    }
  }
  if (Status s = tx.Commit(); !s.ok()) return s;
  return Identity{base, base + "/messages", base + "/audit"};
}

Result<std::unique_ptr<Archive>> Archive::Open(const ArchiveOptions& options) {
  // Before the first connection: a commit then reaches the WAL in a few large writes, not
  // two per page (wal_write_gather.h).
  if (Status s = InstallWalWriteGather(); !s.ok()) return s;
  if (std::error_code ec; options.must_exist && !std::filesystem::is_regular_file(DatabasePath(options.data_dir), ec))
    return Status::NotFound("no archive at " + options.data_dir);
  if (Status s = MakeDir(options.data_dir); !s.ok()) return s;
  if (Status s = MakeDir(options.data_dir + "/spool"); !s.ok()) return s;
  auto db = Database::Open(DatabasePath(options.data_dir), Database::Mode::kReadWrite);
  if (!db.ok()) return db.status();
  if (Status s = ApplyMigrations(**db); !s.ok()) return s;
  if (!options.mint) return Status::InvalidArgument("archive options without a record mint");
  auto identity = EnsureIdentity(**db, options.origin_name, *options.mint);
  if (!identity.ok()) return identity.status();
  for (LogName log : {LogName::kMessages, LogName::kAudit})
    if (auto added = BackfillTree(**db, log); !added.ok()) return added.status();
  auto checkpointer = StartCheckpointer(options, *identity, **db);
  if (!checkpointer.ok()) return checkpointer.status();
  // The writer checkpoints the WAL itself only every 64 MiB (not SQLite's 4 MiB default):
  // under continuous writes only the writer can complete a checkpoint and let the WAL
  // restart, and doing it rarely keeps that pause off most commits. The checkpointer's
  // background PASSIVE checkpoints copy most pages beforehand (checkpointer.h).
  // journal_size_limit (96 MiB) is above the WAL's size at that checkpoint (16384 frames
  // of 4 KiB + 24 bytes, 67.5 MB): at 64 MiB the WAL was cut after every checkpoint and
  // extended again by the next commits, with new blocks whose allocation the next
  // fdatasync of the WAL had to journal.
  // temp_store=MEMORY: each submission's SAVEPOINT journals the pages it touches; in a
  // file that was a pwrite per page per message, in memory it is a copy.
  if (Status s = (*db)->Exec("PRAGMA wal_autocheckpoint=16384; PRAGMA journal_size_limit=100663296; "
                             "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536");
      !s.ok())
    return s;
  auto writer = std::make_unique<GroupCommitWriter>(std::move(*db), options.mint, options.sync_wal);
  if (*checkpointer) {
    Checkpointer* c = checkpointer->get();
    writer->SetCommitObserver([c](LogName log, uint64_t size, const Hash32& root) { c->OnCommit(log, size, root); });
  }
  return std::unique_ptr<Archive>(new Archive(options, *identity, std::move(writer), std::move(*checkpointer)));
}

Archive::Archive(ArchiveOptions options, Identity identity, std::unique_ptr<GroupCommitWriter> writer,
                 std::unique_ptr<Checkpointer> checkpointer)
    : options_(std::move(options)),
      identity_(std::move(identity)),
      spool_dir_(options_.data_dir + "/spool"),
      compressors_(options_.compression_contexts ? options_.compression_contexts
                                                 : std::max(1u, std::thread::hardware_concurrency()),
                   options_.zstd_level),
      checkpointer_(std::move(checkpointer)),
      writer_(std::move(writer)) {}

Archive::~Archive() { Close(); }

void Archive::Close() {
  writer_->Stop();  // commits what is queued, then the final checkpoints are signed
  if (checkpointer_) checkpointer_->Stop();
}

Result<std::unique_ptr<MessageSpool>> Archive::BeginMessage() {
  const int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
  if (now - space_checked_ns_.load(std::memory_order_relaxed) > 250'000'000) {
    struct statvfs fs {};
    space_short_ = statvfs(options_.data_dir.c_str(), &fs) == 0 &&
                   static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize < options_.min_free_bytes;
    space_checked_ns_.store(now, std::memory_order_relaxed);
  }
  if (space_short_) return Status::NoSpace("free space in " + options_.data_dir + " is below archive.min_free_mb");
  return std::unique_ptr<MessageSpool>(new ArchiveSpool(spool_dir_, options_.spool_memory_bytes));
}

Result<std::vector<AppendedLeaf>> Archive::Append(std::vector<AppendRequest> requests) {
  return writer_->Append(std::move(requests));
}

void Archive::SetExtractedMessageSink(std::shared_ptr<ExtractedMessageSink> sink) {
  std::lock_guard<std::mutex> lock(sink_mu_);
  sink_ = std::move(sink);
}

Result<RecordId> Archive::Commit(std::unique_ptr<MessageSpool> spool, MessagePayload envelope) {
  return CommitWith(std::move(spool), std::move(envelope), nullptr);
}

Result<RecordId> Archive::CommitWith(std::unique_ptr<MessageSpool> spool_base, MessagePayload envelope,
                                     const Companions& companions) {
  auto* spool = dynamic_cast<ArchiveSpool*>(spool_base.get());
  if (spool == nullptr) return Status::InvalidArgument("spool was not made by this archive");
  if (Status s = spool->Finish(); !s.ok()) return s;

  const HeaderMetadata headers = ScanHeaders(spool->prefix(), spool->size() <= spool->prefix().size());
  MessagePayload payload = std::move(envelope);
  payload.received_time_us = mint().NowUs();
  payload.raw_sha256 = spool->sha256();
  payload.raw_length = spool->size();
  payload.codec = Codec::kZstd;
  payload.flags = (payload.flags & ~msgflag::kRecomputableMask) | spool->content_flags() | headers.flags;

  auto compressed = compressors_.Compress(spool->body(), spool_dir_, options_.spool_memory_bytes);
  if (!compressed.ok()) return compressed.status();

  const RecordId id = mint().NewRecordId();
  AppendRequest request;
  request.log = LogName::kMessages;
  request.type = RecordType::kMessage;
  request.record_id = id;
  request.salt = mint().RandomBytes(kSaltSize);
  request.payload = payload.Encode();
  // The received time never decreases along the log, so an oldest-first listing, whose
  // cursor is (received time, seq), never has a message appear behind it: a message whose
  // data was complete before the log's previous leaf committed (another message overtook
  // it while it compressed) takes that commit time instead; never later than its own.
  const uint64_t data_complete_us = payload.received_time_us;
  request.finalize = [&payload, data_complete_us](AppendRequest& self, const std::vector<AppendedLeaf>&,
                                                  const LeafTimes& times) -> Status {
    const uint64_t received = std::max(std::min(data_complete_us, times.commit_us), times.previous_us);
    if (received == payload.received_time_us) return Status::Ok();
    payload.received_time_us = received;
    self.payload = payload.Encode();
    return Status::Ok();
  };
  request.weight_bytes = (*compressed)->size();
  const TempBuffer& body = **compressed;
  request.write_content = [&](Database& db, const AppendedLeaf& leaf) -> Status {
    if (Status s = BlobStore::Put(db, payload.raw_sha256, payload.raw_length, body); !s.ok()) return s;
    return WriteIndexRow(db, BuildIndexRow(id, leaf.seq, payload, headers));
  };
  std::vector<AppendRequest> requests;
  requests.push_back(std::move(request));
  if (companions)
    for (AppendRequest& c : companions(payload)) requests.push_back(std::move(c));
  auto pending = writer_->Submit(std::move(requests));

  // Text extraction for the full-text index runs on the session's thread while its message
  // commits and syncs (the thread would only wait), in parallel with other sessions; the
  // indexer gets the result only once the message is durable. Nothing may throw out of
  // here before the wait below: the writer may still be reading this frame's locals. An
  // extraction that fails (memory) is skipped; the indexer reads the message back later.
  std::shared_ptr<ExtractedMessageSink> sink;
  std::optional<MimeExtraction> extraction;
  std::optional<ByteBudget::Share> extraction_memory;  // held until the result is handed to the sink
  try {
    if (options_.fulltext_enabled) {
      std::lock_guard<std::mutex> lock(sink_mu_);
      sink = sink_;
    }
    if (sink) {
      extraction_memory.emplace(extraction_budget_.Take(ExtractionReadBytes(spool->size(), options_.mime_limits)));
      extraction = ExtractSpooled(spool->body(), options_.mime_limits);
      extraction_memory->Shrink(ExtractionResultBytes(*extraction));
    }
  } catch (...) {
    extraction.reset();
    extraction_memory.reset();
  }

  auto appended = pending.get();
  if (!appended.ok()) return appended.status();
  if (extraction) {
    ExtractedMessage m;
    m.seq = appended->front().seq;
    m.record_id = id;
    m.received_us = static_cast<int64_t>(payload.received_time_us);
    m.mail_from = PathAddress(payload.mail_from);
    for (const std::string& r : payload.rcpt_to) m.rcpt_to.push_back(PathAddress(r));
    m.mime = std::move(*extraction);
    sink->Offer(std::move(m));
  }
  return id;
}

}  // namespace chainmail
