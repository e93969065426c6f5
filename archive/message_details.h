// MessageDetails: what a search result shows of a message beyond its messages row — its
// leaf hash, envelope recipients, recorded policy decision and case labels — read for a
// whole page at once (one statement each, whatever the page size), and
// MessageDetailCache, which keeps the parts that never change in memory by message seq.
//
// Why the cache: a SQLite reader drops its whole page cache whenever another connection
// has committed since its last read (WAL), and the REST API commits an audit event for
// every search, so under load each search starts cold and would read every shown
// message's pages again — one pread each, from several b-trees per message. The leaf hash,
// the envelope recipients and the policy decision never change once committed (leaves,
// message_addresses, audit_events and message_decisions are append-only, schema/README.md;
// the decision commits in the same transaction as its message), so they are read once.
// Labels change, and are read every time. A message without a decision is not cached as
// such: it is looked up again, so a decision recorded later would still be shown.
//
// The cache is bounded by an estimate of the bytes it holds and forgets the least
// recently used message first. Thread-safe (one mutex; each page takes it twice).
// The functions over a Database run on the caller's connection and transaction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "archive/database.h"
#include "archive/format/bytes.h"
#include "archive/message_search.h"

namespace chainmail {

// The details of one message that never change once it is committed.
struct FixedMessageDetails {
  Hash32 leaf_hash{};
  std::vector<std::string> rcpt_to;  // envelope recipients, in RCPT order
  std::string decision;              // the policy action; "" when none is recorded
};

class MessageDetailCache {
 public:
  explicit MessageDetailCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  // The details of the messages `seqs` that are held (and marks them recently used).
  std::map<uint64_t, FixedMessageDetails> Find(const std::vector<uint64_t>& seqs);
  // Keeps `details` of message `seq`; forgets the least recently used beyond the bound.
  void Keep(uint64_t seq, const FixedMessageDetails& details);
  size_t entries() const;
  size_t bytes() const;

 private:
  struct Entry {
    uint64_t seq;
    FixedMessageDetails details;
    size_t bytes;
  };
  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;                                              // guarded by mu_; front = most recent
  std::unordered_map<uint64_t, std::list<Entry>::iterator> by_seq_;  // guarded by mu_
  size_t bytes_ = 0;                                                  // guarded by mu_
};

// Sets leaf_hash, rcpt_to, decision and labels of every message in `messages` (by seq):
// the fixed details from `cache` where it holds them (may be null), the rest from `db` —
// one statement per kind of detail for the whole page — and kept in `cache` when it is
// given. Corruption when a message has no leaf.
Status AddMessageDetails(Database& db, std::vector<MessageSummary>& messages, MessageDetailCache* cache);

// The policy decisions recorded for the messages `seqs` (those without one are absent),
// through message_decisions (schema/005): one step per message, however many audit
// events name it.
Result<std::map<uint64_t, RecordedDecision>> ReadRecordedDecisions(Database& db, const std::vector<uint64_t>& seqs);

}  // namespace chainmail
