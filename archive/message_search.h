// MessageSearch: finding archived messages by envelope, header fields, time, size, flags,
// policy decision and case label, over the metadata index (schema/001, indexes in 004),
// one page at a time, ordered by (received time, seq) newest or oldest first.
//
// Paging is by position, not offset: a page continues strictly after the last row of the
// previous one, so messages committed between pages never shift a page (no duplicates, no
// gaps). A SearchCursor is that position made opaque for clients: versioned, bound to the
// filter and the order it was issued for, and checked so that an altered cursor is
// refused rather than silently read as some other position.
//
// The SQL is assembled from fixed fragments chosen by which filters are set; every value
// is a bound parameter. A search that runs longer than its time limit is interrupted
// (LimitExceeded), so a filter that cannot use an index is bounded, not unbounded.
//
// Full-text search (MessageFilter::text): the query (archive/fulltext/fulltext_query.h)
// becomes an FTS5 MATCH over the full-text index, a separate file attached read-only to
// the connection on first use (archive/fulltext/fulltext_schema.h), joined to the
// metadata index by seq, so every other filter combines with it. Text searches are
// ordered by seq (commit order), newest first unless oldest_first: FTS5 walks its rowids
// (= seqs) in either direction itself, so a page reads only as many matches as it shows
// and never sorts the match set. The cursor is the same opaque, filter-bound position;
// a text search continues strictly after its seq (received time is carried but not
// compared), so paging stays stable while messages are committed and indexed. With
// by_relevance the order is bm25 (best first, then newest): every match is scored and
// sorted, and the cursor carries the score; as scores shift when the index grows, pages
// of a relevance search taken during ingest may repeat or miss a message (use the
// default order to page exhaustively). Results show only what the indexer has reached:
// SearchPage::fulltext says how far behind it is.
//
// Envelope recipients: rcpt_to matches the envelope recipients and the recipients of
// record (journal reports, X-Gm-Original-To) that the full-text index holds, whenever its
// file exists (with or without text) — unless envelope_recipients_only, for a caller that
// may not learn anything about headers and bodies: recipients of record are read from
// them, so matching them would answer yes or no about their content.
//
// Functions over a caller-owned Database (read-only is enough); one thread per Database.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "archive/database.h"
#include "archive/format/bytes.h"
#include "archive/format/record_id.h"

namespace chainmail {

// The flag bits of a message (payload_tags.h msgflag) by name, as the API shows them.
struct FlagName {
  uint32_t bit;
  std::string_view name;
};
const std::vector<FlagName>& MessageFlagNames();
// The names of the bits set in `flags`, in bit order (unnamed bits as "bit<N>").
std::vector<std::string> FlagNames(uint32_t flags);
std::optional<uint32_t> FlagBit(std::string_view name);

// Which messages a search selects: every member that is set must hold.
struct MessageFilter {
  std::optional<std::string> mail_from;                    // envelope sender address; "" is the null sender <>
  std::optional<std::string> rcpt_to;                      // one envelope recipient address
  bool envelope_recipients_only = false;                   // rcpt_to ignores recipients of record
  std::optional<std::string> from, to, cc;                 // one address of that header field
  std::optional<std::string> subject;                      // contained in the decoded Subject (ASCII case-insensitive)
  std::optional<std::string> message_id;                   // the Message-ID, with or without <>
  std::optional<int64_t> received_since, received_before;  // UTC µs, [since, before)
  std::optional<int64_t> date_since, date_before;          // Date header, UTC µs, [since, before)
  std::optional<int64_t> min_size, max_size;               // raw bytes, inclusive
  uint32_t flags = 0;                                      // every one of these bits set
  std::optional<std::string> label;
  std::optional<std::string> decision;  // the policy decision's action, e.g. "accept"
  // A full-text query (q=): InvalidArgument when its syntax is wrong (fulltext_query.h).
  std::optional<std::string> text;
  bool oldest_first = false;
  bool by_relevance = false;  // with `text`: best match first (bm25); ignored without it
  // Addresses compare case-insensitively (ASCII), as the index columns are NOCASE.

  // A canonical text of every member, for binding cursors to their search.
  std::string Canonical() const;
};

// The position of a message in search order.
struct SearchPosition {
  int64_t received_us = 0;
  uint64_t seq = 0;
  double score = 0;  // relevance order only: the bm25 score (lower is better)
};

// A passage of a full-text match. `text` is plain UTF-8 (not escaped, may hold line
// breaks; "…" where it was cut); each highlight is {offset, length} in bytes of `text`,
// in order, not overlapping, covering a matched word. E.g. text "the weekly meeting",
// highlights {{4, 6}}: "weekly". JSON: {"text": "...", "highlights": [[4, 6]]}.
struct SearchSnippet {
  std::string text;
  std::vector<std::pair<uint32_t, uint32_t>> highlights;
};

// What a search returns per message: the index row's fields, the envelope recipients,
// the policy decision and the case labels. Callers choose what a role may see.
struct MessageSummary {
  RecordId id;
  uint64_t seq = 0;
  int64_t received_us = 0;
  std::string mail_from;
  std::vector<std::string> rcpt_to;
  Hash32 raw_sha256{};
  uint64_t raw_length = 0;
  uint32_t flags = 0;
  std::string decision;  // the policy action; "" when none is recorded
  Hash32 leaf_hash{};
  // Header-derived (officers only).
  std::string message_id, from_header, to_header, cc_header, subject;
  std::optional<int64_t> date_us;
  std::vector<std::string> labels;
  std::optional<SearchSnippet> snippet;  // text searches only: the best passage
};

// How far the full-text index is behind the archive, read in the search's transaction.
struct FulltextLag {
  int64_t indexed_through_seq = -1;  // every message seq <= this is searchable by text
  int64_t committed_seq = -1;        // the last committed message seq
  uint64_t lag_messages = 0;         // committed_seq - indexed_through_seq
  // Received time (UTC µs) of the oldest message not indexed yet; lag in seconds is now
  // minus this. Unset when caught up.
  std::optional<int64_t> oldest_unindexed_received_us;
};

struct SearchPage {
  std::vector<MessageSummary> messages;
  std::optional<SearchPosition> next;  // set when more messages follow the last one
  std::optional<FulltextLag> fulltext;  // set when the search read the full-text index
};

class MessageDetailCache;  // message_details.h

// One page of at most `limit` messages after `after` (from the start when unset). Runs in
// one read transaction. LimitExceeded when it takes longer than `time_limit`. The fixed
// details of the messages shown (leaf hash, recipients, decision) come from `details`
// where it holds them, and are kept there (message_details.h); null reads every one.
// With filter.text: InvalidArgument for a query with bad syntax (the message names the
// problem); Unavailable when there is no full-text index (full-text search is off).
Result<SearchPage> SearchMessages(Database& db, const MessageFilter& filter, const std::optional<SearchPosition>& after,
                                  uint32_t limit, std::chrono::milliseconds time_limit,
                                  MessageDetailCache* details = nullptr);

// EXPLAIN QUERY PLAN of the search statement for `filter`, one line per step (for tests
// and for operators asking why a search is slow).
Result<std::vector<std::string>> ExplainSearch(Database& db, const MessageFilter& filter, bool with_position);

// The opaque cursor for `position` in the search `filter`: base64url of version, position
// and a check over both and the filter. Decode refuses any other text, a cursor of another
// search, and any altered byte (InvalidArgument).
std::string EncodeSearchCursor(const MessageFilter& filter, const SearchPosition& position);
Result<SearchPosition> DecodeSearchCursor(const MessageFilter& filter, std::string_view cursor);

// The policy decision recorded for message `seq`: the action and policy of its first
// policy.decision audit event (NotFound when it has none), through message_decisions
// (schema/005; ReadRecordedDecisions in message_details.h reads a page's at once).
struct RecordedDecision {
  uint64_t event_seq = 0;
  std::string action, policy;
};
Result<RecordedDecision> ReadRecordedDecision(Database& db, uint64_t message_seq);

// The case labels on message `seq`, sorted, with who added them and when.
struct MessageLabel {
  std::string label;
  int64_t added_us = 0;
  std::string added_by;
};
Result<std::vector<MessageLabel>> ReadMessageLabels(Database& db, uint64_t message_seq);

}  // namespace chainmail
