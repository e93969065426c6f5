#include "archive/message_checker.h"

#include <algorithm>

#include "archive/blob_store.h"
#include "archive/content_flags.h"
#include "archive/format/message_payload.h"
#include "archive/format/sha256.h"
#include "archive/message_index.h"
#include "archive/mime/header_scanner.h"

namespace chainmail {
namespace {

// What one verifier worker keeps from message to message (the workers are threads), so
// that checking a message allocates nothing: the blob decoder and the header prefix.
struct WorkerScratch {
  BlobReader blobs;
  std::string prefix;  // the first kHeaderScanLimit bytes of the current message
};

struct RawDigest {
  Hash32 sha{};
  uint64_t length = 0;
  uint32_t content_flags = 0;
  std::string_view prefix;  // in the worker's scratch; valid until its next message
};

Result<RawDigest> DigestBlob(Database& db, const Hash32& sha) {
  thread_local WorkerScratch scratch;
  std::string& prefix = scratch.prefix;
  prefix.clear();
  prefix.reserve(kHeaderScanLimit);
  RawDigest d;
  Sha256 h;
  ContentFlagScanner flags;
  Status s = scratch.blobs.Read(db, sha, [&](std::string_view piece) {
    h.Update(piece);
    flags.Update(piece);
    if (prefix.size() < kHeaderScanLimit)
      prefix.append(piece.substr(0, std::min(piece.size(), kHeaderScanLimit - prefix.size())));
    d.length += piece.size();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  d.sha = h.Finish();
  d.content_flags = flags.Finish();
  d.prefix = prefix;
  return d;
}

}  // namespace

uint64_t MessageChecker::Check(Database& db, const Leaf& leaf, const RecordId& id, std::string_view bytes,
                               const ProblemSink& report) {
  auto payload = MessagePayload::Decode(bytes);
  if (!payload.ok()) {
    report(payload.status().message());
    return 0;
  }
  auto digest = DigestBlob(db, payload->raw_sha256);
  if (!digest.ok()) {
    report("message body: " + digest.status().message());
    return 0;
  }
  if (digest->sha != payload->raw_sha256) report("message body does not hash to the committed SHA-256");
  if (digest->length != payload->raw_length) report("message body length differs from the committed length");
  const HeaderMetadata headers = ScanHeaders(digest->prefix, digest->length <= digest->prefix.size());
  if ((payload->flags & msgflag::kRecomputableMask) != (digest->content_flags | headers.flags))
    report("committed flags differ from the flags of the stored bytes");
  auto stored = ReadIndexRow(db, id);
  if (!stored.ok()) {
    report("metadata index row missing");
  } else {
    std::string diff = IndexRowDifference(*stored, BuildIndexRow(id, leaf.seq, *payload, headers));
    if (!diff.empty()) report("metadata index disagrees with the payload and raw bytes: " + diff);
  }
  return digest->length;
}

void MessageChecker::CheckGlobal(Database& db, const std::function<void(VerifyProblem)>& report) {
  struct Query { const char* sql; const char* what; };
  const Query orphans[] = {
      {"SELECT record_id FROM messages WHERE record_id NOT IN (SELECT record_id FROM leaves WHERE log = 1)",
       "metadata index row without a leaf"},
      {"SELECT record_id FROM payloads WHERE record_id NOT IN (SELECT record_id FROM leaves)",
       "payload without a leaf"},
      {"SELECT DISTINCT record_id FROM message_addresses WHERE record_id NOT IN (SELECT record_id FROM messages)",
       "address rows without a metadata row"},
  };
  for (const Query& q : orphans) {
    Statement st = db.Prepare(q.sql);
    while (st.Step()) report({"messages", UINT64_MAX, RecordId::FromBytes(st.Blob(0)).ToString(), q.what});
  }
  // One grouped pass over messages, not a subquery per blob (raw_sha256 has no index).
  Statement rc = db.Prepare(
      "SELECT b.sha256, b.refcount, coalesce(m.n, 0) FROM blobs b LEFT JOIN "
      "(SELECT raw_sha256, count(*) AS n FROM messages GROUP BY raw_sha256) m ON m.raw_sha256 = b.sha256 "
      "WHERE b.refcount != coalesce(m.n, 0)");
  while (rc.Step())
    report({"messages", UINT64_MAX, "",
            "blob " + ToHex(rc.Blob(0)) + " has refcount " + std::to_string(rc.Int(1)) + " but " +
                std::to_string(rc.Int(2)) + " messages refer to it"});
}

}  // namespace chainmail
