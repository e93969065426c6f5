// Archive: the storage engine's front door for the daemon and the CLI. Open() creates or
// migrates the database in a data directory, establishes the deployment identity on first
// start, and starts the single writer. It implements MessageIngest: sessions spool bytes,
// then Commit() hashes, scans headers, compresses in a bounded pool and hands the record
// to the group-commit writer, returning only once it is durable. With full-text search,
// Commit() also extracts the message's text before the commit and offers it to the
// indexer after (SetExtractedMessageSink; the indexer lives in archive/fulltext/).
//
// Thread-safe: one Archive serves every session of the process.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "archive/byte_budget.h"
#include "archive/checkpointer.h"
#include "archive/compressor_pool.h"
#include "archive/extracted_message.h"
#include "archive/group_commit_writer.h"
#include "archive/ingest.h"
#include "archive/record_mint.h"
#include "archive/signed_heads.h"

namespace chainmail {

struct ArchiveOptions {
  std::string data_dir = "./var";
  // Open() creates nothing and fails with kNotFound when data_dir holds no archive yet:
  // for the CLI, which acts on the archive the daemon created, never on a new one.
  bool must_exist = false;
  std::string origin_name;            // base origin's name; default: the host name
  int zstd_level = 3;
  size_t compression_contexts = 0;    // 0: one per core
  size_t spool_memory_bytes = 256 * 1024;  // a message larger than this spools to disk
  uint64_t min_free_bytes = 64ull << 20;   // below this, new messages get 452 4.3.1
  // Signs checkpoints after commits; without one, no checkpoints are made (tests, tools).
  NoteSigner checkpoint_signer;
  // The newest checkpoint signed per log, kept beside the key (signed_heads.h): nothing is
  // signed over a log that no longer extends it. Null: not kept (tests, tools).
  std::shared_ptr<const SignedHeads> signed_heads;
  std::chrono::milliseconds checkpoint_interval{1000};
  uint32_t checkpoint_keep_days = 7;
  // Times, record ids, salts and the base origin's id (record_mint.h). Never null; only a
  // test that rebuilds an archive byte for byte sets another.
  std::shared_ptr<RecordMint> mint = SystemMint();
  // Full-text search (archive/fulltext/): when on and a sink is attached
  // (SetExtractedMessageSink), each session runs ExtractMime on its message before the
  // commit, bounded by mime_limits, and offers the result to the sink after it. Off: no
  // extraction at ingest, and no indexer is started.
  bool fulltext_enabled = true;
  MimeLimits mime_limits;
  // How the writer makes its WAL durable before it answers (wal_syncer.h): null for
  // fdatasync. Only tests set it, to hold a sync open or make it fail.
  SyncFile sync_wal;
};

struct Identity {
  std::string base_origin;      // e.g. "mail.example.com/chainmail-3f9a1c07"
  std::string messages_origin;  // base + "/messages"
  std::string audit_origin;     // base + "/audit"
};

std::string DatabasePath(const std::string& data_dir);
// This host's name (gethostname), or "localhost" when it has none.
std::string LocalHostName();

class Archive : public MessageIngest {
 public:
  static Result<std::unique_ptr<Archive>> Open(const ArchiveOptions& options);
  ~Archive() override;

  Result<std::unique_ptr<MessageSpool>> BeginMessage() override;
  Result<RecordId> Commit(std::unique_ptr<MessageSpool> spool, MessagePayload envelope) override;

  // Builds records that must commit atomically with a message (its policy decision), from
  // the message's completed payload. They follow the message in the same submission.
  using Companions = std::function<std::vector<AppendRequest>(const MessagePayload&)>;
  // Commit() plus companions: the message and every companion commit together or not at all.
  Result<RecordId> CommitWith(std::unique_ptr<MessageSpool> spool, MessagePayload envelope,
                              const Companions& companions);
  // Appends records of any log through the single writer; blocks until durable.
  Result<std::vector<AppendedLeaf>> Append(std::vector<AppendRequest> requests);

  const Identity& identity() const { return identity_; }
  const ArchiveOptions& options() const { return options_; }
  // Where records committed through this archive get their times, ids and salts; audit
  // requests built for it take theirs here too (AuditAppendRequest).
  RecordMint& mint() const { return *options_.mint; }
  WriterStats writer_stats() const { return writer_->stats(); }
  // The writer's first failed sync of the WAL (it then acknowledges nothing more); OK
  // while there was none.
  Status sync_failure() const { return writer_->sync_failure(); }
  // The checkpointer's first failure (a refusal to sign a rewritten or rolled-back log
  // among them); OK without a checkpointer.
  Status checkpoint_failure() const { return checkpointer_ ? checkpointer_->last_error() : Status::Ok(); }
  // Where committed messages go for full-text indexing (null: nowhere). Takes effect for
  // commits that start afterwards; the sink is kept alive while a commit uses it.
  void SetExtractedMessageSink(std::shared_ptr<ExtractedMessageSink> sink);
  // Commits what is queued and stops the writer; later commits fail with kUnavailable.
  void Close();

 private:
  Archive(ArchiveOptions options, Identity identity, std::unique_ptr<GroupCommitWriter> writer,
          std::unique_ptr<Checkpointer> checkpointer);
  ArchiveOptions options_;
  Identity identity_;
  std::string spool_dir_;
  // The free-space check's last result, refreshed at most every 250 ms (not a statfs per
  // message): a steady-clock time in ns and whether space was short then.
  std::atomic<int64_t> space_checked_ns_{0};
  std::atomic<bool> space_short_{false};
  mutable std::mutex sink_mu_;
  std::shared_ptr<ExtractedMessageSink> sink_;  // guarded by sink_mu_
  // MIME extraction at ingest holds at most this much at once over all sessions
  // (byte_budget.h): 100 sessions receiving 10 MB messages must not hold a gigabyte.
  static constexpr size_t kExtractionBudgetBytes = 64u << 20;
  ByteBudget extraction_budget_{kExtractionBudgetBytes};
  CompressorPool compressors_;
  std::unique_ptr<Checkpointer> checkpointer_;  // may be null; outlives the writer
  std::unique_ptr<GroupCommitWriter> writer_;
};

// Creates the deployment identity when absent (first start), its random id drawn from
// `mint`, and returns it.
Result<Identity> EnsureIdentity(Database& db, const std::string& origin_name, RecordMint& mint = *SystemMint());
// The identity of an existing archive; NotFound before the first start.
Result<Identity> ReadIdentity(Database& db);

}  // namespace chainmail
