#include "archive/archive_verifier.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "archive/archive.h"
#include "archive/blob_store.h"
#include "archive/content_flags.h"
#include "archive/database.h"
#include "archive/format/leaf.h"
#include "archive/format/message_payload.h"
#include "archive/format/record_id.h"
#include "archive/format/sha256.h"
#include "archive/log_head.h"
#include "archive/message_index.h"
#include "archive/mime/header_scanner.h"

namespace chainmail {
namespace {

constexpr uint64_t kBlock = 512;
constexpr uint64_t kNoSeq = UINT64_MAX;

struct RawDigest {
  Hash32 sha{};
  uint64_t length = 0;
  uint32_t content_flags = 0;
  std::string prefix;
};

Result<RawDigest> DigestBlob(Database& db, const Hash32& sha) {
  RawDigest d;
  Sha256 h;
  ContentFlagScanner flags;
  Status s = BlobStore::ReadRaw(db, sha, [&](std::string_view piece) {
    h.Update(piece);
    flags.Update(piece);
    if (d.prefix.size() < kHeaderScanLimit)
      d.prefix.append(piece.substr(0, std::min(piece.size(), kHeaderScanLimit - d.prefix.size())));
    d.length += piece.size();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  d.sha = h.Finish();
  d.content_flags = flags.Finish();
  return d;
}

class BlockVerifier {
 public:
  BlockVerifier(Database& db, const Hash32& log_id) : db_(db), log_id_(log_id) {}

  // Verifies seqs [first, last) and appends problems.
  void Run(uint64_t first, uint64_t last, std::vector<VerifyProblem>& out, uint64_t& raw_bytes) {
    Transaction tx(db_, Transaction::Kind::kDeferred);
    Hash32 prev_hash{};
    uint64_t prev_time = 0;
    if (first > 0) {
      Statement p = db_.Prepare("SELECT leaf FROM leaves WHERE log = 1 AND seq = ?");
      p.Bind(1, static_cast<int64_t>(first - 1));
      if (p.Step()) {
        prev_hash = LeafHash(p.Blob(0));
        if (auto l = Leaf::Decode(p.Blob(0)); l.ok()) prev_time = l->commit_time_us;
      }
    }
    uint64_t expected = first;
    Statement st = db_.Prepare(
        "SELECT seq, leaf, leaf_hash, record_id FROM leaves WHERE log = 1 AND seq >= ? AND seq < ? ORDER BY seq");
    st.Bind(1, static_cast<int64_t>(first)).Bind(2, static_cast<int64_t>(last));
    while (st.Step()) {
      const uint64_t seq = static_cast<uint64_t>(st.Int(0));
      for (; expected < seq; ++expected) out.push_back({expected, "", "leaf missing (gap in the log)"});
      expected = seq + 1;
      const std::string leaf_bytes(st.Blob(1));
      problems_ = &out;
      seq_ = seq;
      record_ = RecordId::FromBytes(st.Blob(3)).ToString();
      auto leaf = Leaf::Decode(leaf_bytes);
      if (!leaf.ok()) {
        Report("leaf: " + leaf.status().message());
        prev_hash = LeafHash(leaf_bytes);
        continue;
      }
      const Hash32 hash = LeafHash(leaf_bytes);
      if (leaf->record_type != RecordType::kMessage) Report("leaf record type is not message");
      if (leaf->log_id != log_id_) Report("leaf belongs to another log (log_id differs)");
      if (leaf->seq != seq) Report("leaf says seq " + std::to_string(leaf->seq) + " but sits at " + std::to_string(seq));
      if (leaf->prev_leaf_hash != prev_hash) Report("chain broken: prev_leaf_hash does not match leaf " + std::to_string(seq - 1));
      if (leaf->commit_time_us < prev_time) Report("commit time goes backwards");
      if (Hash32FromBytes(st.Blob(2)) != hash) Report("stored leaf hash does not match the leaf");
      const RecordId id(leaf->record_id);
      if (id.AsBytes() != st.Blob(3)) Report("record id column does not match the leaf");
      record_ = id.ToString();
      raw_bytes += CheckRecord(*leaf, id);
      prev_hash = hash;
      prev_time = leaf->commit_time_us;
    }
    if (!st.status().ok()) out.push_back({first, "", "reading leaves failed: " + st.status().message()});
    for (; expected < last; ++expected) out.push_back({expected, "", "leaf missing (gap in the log)"});
  }

 private:
  void Report(std::string what) { problems_->push_back({seq_, record_, std::move(what)}); }

  uint64_t CheckRecord(const Leaf& leaf, const RecordId& id) {
    Statement p = db_.Prepare("SELECT salt, payload FROM payloads WHERE record_id = ?");
    p.BindBlob(1, id.AsBytes());
    if (!p.Step()) {
      Report("payload missing");
      return 0;
    }
    const std::string salt(p.Blob(0)), bytes(p.Blob(1));
    if (PayloadCommitment(RecordType::kMessage, salt, bytes) != leaf.payload_commit)
      Report("payload or salt does not match the leaf's commitment");
    auto payload = MessagePayload::Decode(bytes);
    if (!payload.ok()) {
      Report(payload.status().message());
      return 0;
    }
    auto digest = DigestBlob(db_, payload->raw_sha256);
    if (!digest.ok()) {
      Report("message body: " + digest.status().message());
      return 0;
    }
    if (digest->sha != payload->raw_sha256) Report("message body does not hash to the committed SHA-256");
    if (digest->length != payload->raw_length) Report("message body length differs from the committed length");
    const HeaderMetadata headers = ScanHeaders(digest->prefix, digest->length <= digest->prefix.size());
    const uint32_t recomputed = digest->content_flags | headers.flags;
    if ((payload->flags & msgflag::kRecomputableMask) != recomputed)
      Report("committed flags differ from the flags of the stored bytes");
    auto stored = ReadIndexRow(db_, id);
    if (!stored.ok()) {
      Report("metadata index row missing");
    } else {
      std::string diff = IndexRowDifference(*stored, BuildIndexRow(id, leaf.seq, *payload, headers));
      if (!diff.empty()) Report("metadata index disagrees with the payload and raw bytes: " + diff);
    }
    return digest->length;
  }

  Database& db_;
  Hash32 log_id_;
  std::vector<VerifyProblem>* problems_ = nullptr;
  uint64_t seq_ = 0;
  std::string record_;
};

void CheckOrphans(Database& db, std::vector<VerifyProblem>& out) {
  struct Check { const char* sql; const char* what; };
  const Check checks[] = {
      {"SELECT record_id FROM messages WHERE record_id NOT IN (SELECT record_id FROM leaves)",
       "metadata index row without a leaf"},
      {"SELECT record_id FROM payloads WHERE record_id NOT IN (SELECT record_id FROM leaves)",
       "payload without a leaf"},
      {"SELECT DISTINCT record_id FROM message_addresses WHERE record_id NOT IN (SELECT record_id FROM messages)",
       "address rows without a metadata row"},
  };
  for (const Check& c : checks) {
    Statement st = db.Prepare(c.sql);
    while (st.Step()) out.push_back({kNoSeq, RecordId::FromBytes(st.Blob(0)).ToString(), c.what});
  }
  Statement rc = db.Prepare(
      "SELECT b.sha256, b.refcount, (SELECT count(*) FROM messages m WHERE m.raw_sha256 = b.sha256) "
      "FROM blobs b WHERE b.refcount != (SELECT count(*) FROM messages m WHERE m.raw_sha256 = b.sha256)");
  while (rc.Step())
    out.push_back({kNoSeq, "", "blob " + ToHex(rc.Blob(0)) + " has refcount " + std::to_string(rc.Int(1)) +
                                   " but " + std::to_string(rc.Int(2)) + " messages refer to it"});
}

}  // namespace

Result<VerifyReport> VerifyArchive(const std::string& data_dir, const VerifyOptions& options) {
  const std::string path = DatabasePath(data_dir);
  auto main_db = Database::Open(path, Database::Mode::kReadOnly);
  if (!main_db.ok()) return main_db.status();
  auto identity = ReadLogIdentity(**main_db, LogName::kMessages);
  if (!identity.ok()) return identity.status();
  if (LogIdForOrigin(identity->origin) != identity->log_id)
    return Status::Corruption("logs table: log_id is not SHA-256 of the messages origin");
  uint64_t size = 0;
  {
    Transaction tx(**main_db, Transaction::Kind::kDeferred);
    auto head = ReadLogHead(**main_db, LogName::kMessages);
    if (!head.ok()) return head.status();
    size = head->size;
  }

  VerifyReport report;
  report.leaves = size;
  const unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  const uint64_t blocks = (size + kBlock - 1) / kBlock;
  std::vector<std::vector<VerifyProblem>> per_block(blocks);
  std::atomic<uint64_t> next{0}, done{0}, raw_bytes{0};
  std::mutex progress_mu;
  Status worker_error;
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      auto db = Database::Open(path, Database::Mode::kReadOnly);
      if (!db.ok()) {
        std::lock_guard<std::mutex> lock(progress_mu);
        worker_error = db.status();
        return;
      }
      BlockVerifier verifier(**db, identity->log_id);
      for (uint64_t b; (b = next++) < blocks;) {
        uint64_t bytes = 0;
        verifier.Run(b * kBlock, std::min(size, (b + 1) * kBlock), per_block[b], bytes);
        raw_bytes += bytes;
        uint64_t d = done += std::min(size, (b + 1) * kBlock) - b * kBlock;
        if (options.progress) {
          std::lock_guard<std::mutex> lock(progress_mu);
          options.progress(d, size);
        }
      }
    });
  }
  for (auto& t : pool) t.join();
  if (!worker_error.ok()) return worker_error;
  for (auto& v : per_block) report.problems.insert(report.problems.end(), v.begin(), v.end());
  {
    Transaction tx(**main_db, Transaction::Kind::kDeferred);
    CheckOrphans(**main_db, report.problems);
    // Leaves beyond the head we read are new appends, verified next time.
  }
  report.raw_bytes = raw_bytes;
  return report;
}

}  // namespace chainmail
