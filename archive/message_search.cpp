#include "archive/message_search.h"

#include <cstring>
#include <memory>
#include <variant>

#include "archive/format/canonical_base64.h"
#include "archive/format/payload_tags.h"
#include "archive/format/sha256.h"
#include "archive/message_details.h"
#include "archive/message_text_search.h"

namespace chainmail {
namespace {

using Clock = std::chrono::steady_clock;
using Value = std::variant<int64_t, std::string, double>;

// Version 1: received time and seq. Version 2 (relevance order) adds the score.
constexpr uint8_t kCursorVersion = 1;
constexpr uint8_t kRelevanceCursorVersion = 2;
constexpr size_t kCursorCheckBytes = 8;
constexpr size_t kCursorBytes = 1 + 8 + 8 + kCursorCheckBytes;
constexpr size_t kRelevanceCursorBytes = kCursorBytes + 8;

// The search statement for a filter: SQL made of fixed fragments, and the values to bind
// to its parameters in order. No user text is ever part of `sql`.
struct SearchSql {
  std::string sql;
  std::vector<Value> values;

  void Where(const char* fragment) {
    sql += " AND ";
    sql += fragment;
  }
  void Where(const char* fragment, Value v) {
    Where(fragment);
    values.push_back(std::move(v));
  }
};

// Escapes LIKE's wildcards so the pattern matches `text` literally (ESCAPE '\').
std::string LikeContains(std::string_view text) {
  std::string out = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

// The columns after m.subject in a text search: the snippet and the bm25 score.
constexpr int kSnippetColumn = 13;
constexpr int kScoreColumn = 14;

SearchSql BuildSearch(const MessageFilter& f, const TextSearch& text, const std::optional<SearchPosition>& after,
                      bool limited) {
  SearchSql s;
  s.sql =
      "SELECT m.record_id, m.seq, m.received_us, m.mail_from, m.raw_sha256, m.raw_length, m.flags, "
      "m.message_id, m.date_us, m.from_header, m.to_header, m.cc_header, m.subject ";
  if (text.match) {
    // FTS5 drives: matches come in rowid (= seq) order and each is joined to its row.
    // bm25 only where the order needs it: scoring reads a word's whole doclist, which
    // for a common word cost newest-first pages 15-50 ms at 1M messages.
    // The snippet: fulltext_snippet.h's bounded chainmail_snippet, not FTS5's snippet().
    s.sql += f.by_relevance ? ", chainmail_snippet(f.fulltext_index), bm25(f.fulltext_index) "
                            : ", chainmail_snippet(f.fulltext_index), 0.0 ";
    s.sql += "FROM fulltext.fulltext_index f JOIN messages m ON m.seq = f.rowid WHERE f.fulltext_index MATCH ?";
    s.values.push_back(*text.match);
  } else {
    s.sql += "FROM messages m WHERE 1";
  }
  if (f.mail_from) s.Where("m.mail_from = ?", *f.mail_from);
  // The address kinds are message_index.h's AddressKind.
  if (f.rcpt_to && text.attached && !f.envelope_recipients_only) {
    s.Where("m.record_id IN (SELECT record_id FROM message_addresses WHERE address = ? AND kind = 0 "
            "UNION SELECT record_id FROM fulltext.record_recipients WHERE address = ?)", *f.rcpt_to);
    s.values.push_back(*f.rcpt_to);
  } else if (f.rcpt_to) {
    s.Where("m.record_id IN (SELECT record_id FROM message_addresses WHERE address = ? AND kind = 0)", *f.rcpt_to);
  }
  if (f.from)
    s.Where("m.record_id IN (SELECT record_id FROM message_addresses WHERE address = ? AND kind = 1)", *f.from);
  if (f.to) s.Where("m.record_id IN (SELECT record_id FROM message_addresses WHERE address = ? AND kind = 3)", *f.to);
  if (f.cc) s.Where("m.record_id IN (SELECT record_id FROM message_addresses WHERE address = ? AND kind = 4)", *f.cc);
  if (f.message_id) {
    // Stored as the header's value, normally "<id>"; accept the id with or without them.
    std::string bare = *f.message_id;
    if (bare.size() >= 2 && bare.front() == '<' && bare.back() == '>') bare = bare.substr(1, bare.size() - 2);
    s.Where("m.message_id IN (?, ?)", bare);
    s.values.push_back("<" + bare + ">");
  }
  if (f.subject) s.Where("m.subject LIKE ? ESCAPE '\\'", LikeContains(*f.subject));
  if (f.received_since) s.Where("m.received_us >= ?", *f.received_since);
  if (f.received_before) s.Where("m.received_us < ?", *f.received_before);
  if (f.date_since) s.Where("m.date_us >= ?", *f.date_since);
  if (f.date_before) s.Where("m.date_us < ?", *f.date_before);
  if (f.min_size) s.Where("m.raw_length >= ?", *f.min_size);
  if (f.max_size) s.Where("m.raw_length <= ?", *f.max_size);
  if (f.flags != 0) {
    s.Where("(m.flags & ?) = ?", static_cast<int64_t>(f.flags));
    s.values.push_back(static_cast<int64_t>(f.flags));
  }
  if (f.label) s.Where("m.seq IN (SELECT message_seq FROM message_labels WHERE label = ?)", *f.label);
  const bool relevance = text.match && f.by_relevance;
  if (after && relevance) {
    s.Where("(bm25(f.fulltext_index) > ? OR (bm25(f.fulltext_index) = ? AND f.rowid < ?))", after->score);
    s.values.emplace_back(after->score);
    s.values.emplace_back(static_cast<int64_t>(after->seq));
  } else if (after && text.match) {
    s.Where(f.oldest_first ? "f.rowid > ?" : "f.rowid < ?", static_cast<int64_t>(after->seq));
  } else if (after) {
    s.Where(f.oldest_first ? "(m.received_us, m.seq) > (?, ?)" : "(m.received_us, m.seq) < (?, ?)", after->received_us);
    s.values.emplace_back(static_cast<int64_t>(after->seq));
  }
  if (relevance)
    s.sql += " ORDER BY bm25(f.fulltext_index), f.rowid DESC";
  else if (text.match)
    s.sql += f.oldest_first ? " ORDER BY f.rowid" : " ORDER BY f.rowid DESC";
  else
    s.sql += f.oldest_first ? " ORDER BY m.received_us, m.seq" : " ORDER BY m.received_us DESC, m.seq DESC";
  if (limited) s.sql += " LIMIT ?";
  return s;
}

void BindAll(Statement& st, const std::vector<Value>& values) {
  int i = 1;
  for (const Value& v : values) {
    if (std::holds_alternative<int64_t>(v))
      st.Bind(i++, std::get<int64_t>(v));
    else if (std::holds_alternative<double>(v))
      st.BindDouble(i++, std::get<double>(v));
    else
      st.Bind(i++, std::string_view(std::get<std::string>(v)));
  }
}

// Interrupts SQLite once the deadline passes; removed when it goes out of scope.
class Deadline {
 public:
  Deadline(Database& db, std::chrono::milliseconds limit) : db_(db), at_(Clock::now() + limit) {
    sqlite3_progress_handler(db_.handle(), 256, &Deadline::Check, this);
  }
  ~Deadline() { sqlite3_progress_handler(db_.handle(), 0, nullptr, nullptr); }
  bool Passed() {
    passed_ = passed_ || Clock::now() > at_;
    return passed_;
  }

 private:
  static int Check(void* self) { return static_cast<Deadline*>(self)->Passed() ? 1 : 0; }
  Database& db_;
  Clock::time_point at_;
  bool passed_ = false;
};

std::string Base64UrlNoPad(std::string_view raw) {
  std::string b = Base64Encode(raw);
  for (char& c : b) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!b.empty() && b.back() == '=') b.pop_back();
  return b;
}

std::string CursorCheck(std::string_view body, const MessageFilter& filter) {
  Sha256 h;
  h.Update(std::string_view("chainmail/search-cursor/v1\0", 27));
  h.Update(body);
  h.Update(filter.Canonical());
  const Hash32 d = h.Finish();
  return std::string(reinterpret_cast<const char*>(d.data()), kCursorCheckBytes);
}

}  // namespace

const std::vector<FlagName>& MessageFlagNames() {
  using namespace msgflag;  // NOLINT
  static const std::vector<FlagName> kNames = {
      {kBareCr, "bare_cr"},
      {kBareLf, "bare_lf"},
      {kNul, "nul"},
      {kEightBit, "eight_bit"},
      {kLongLine, "long_line"},
      {kNoHeaderEnd, "no_header_end"},
      {kNoMessageId, "no_message_id"},
      {kNoDate, "no_date"},
      {kNoFrom, "no_from"},
      {kHeaderEightBit, "header_eight_bit"},
      {kHeaderTruncated, "header_truncated"},
      {kBadEncodedWord, "bad_encoded_word"},
      {kDuplicateHeader, "duplicate_header"},
      {kSmugglingSequence, "smuggling_sequence"},
      {kEightBitUndeclared, "eight_bit_undeclared"},
  };
  return kNames;
}

std::vector<std::string> FlagNames(uint32_t flags) {
  std::vector<std::string> out;
  for (int bit = 0; bit < 32; ++bit) {
    const uint32_t b = 1u << bit;
    if ((flags & b) == 0) continue;
    std::string name = "bit" + std::to_string(bit);
    for (const FlagName& n : MessageFlagNames())
      if (n.bit == b) name = std::string(n.name);
    out.push_back(std::move(name));
  }
  return out;
}

std::optional<uint32_t> FlagBit(std::string_view name) {
  for (const FlagName& n : MessageFlagNames())
    if (n.name == name) return n.bit;
  return std::nullopt;
}

std::string MessageFilter::Canonical() const {
  std::string out;
  auto text = [&out](const char* name, const std::optional<std::string>& v) {
    if (v) out += std::string(name) + ":" + std::to_string(v->size()) + ":" + *v + "\n";
  };
  auto num = [&out](const char* name, const std::optional<int64_t>& v) {
    if (v) out += std::string(name) + "=" + std::to_string(*v) + "\n";
  };
  text("mail_from", mail_from);
  text("rcpt_to", rcpt_to);
  if (envelope_recipients_only) out += "envelope_recipients_only\n";
  text("from", from);
  text("to", to);
  text("cc", cc);
  text("subject", subject);
  text("message_id", message_id);
  num("received_since", received_since);
  num("received_before", received_before);
  num("date_since", date_since);
  num("date_before", date_before);
  num("min_size", min_size);
  num("max_size", max_size);
  if (flags) out += "flags=" + std::to_string(flags) + "\n";
  text("label", label);
  text("decision", decision);
  text("text", this->text);  // absent without text: cursors issued before full-text search stay valid
  out += oldest_first ? "order=oldest\n" : "order=newest\n";
  if (by_relevance) out += "order=relevance\n";
  return out;
}

Result<SearchPage> SearchMessages(Database& db, const MessageFilter& filter, const std::optional<SearchPosition>& after,
                                  uint32_t limit, std::chrono::milliseconds time_limit, MessageDetailCache* details) {
  if (limit == 0) return Status::InvalidArgument("a page holds at least one message");
  auto text = PrepareTextSearch(db, filter);  // before the transaction: ATTACH cannot run inside one
  if (!text.ok()) return text.status();
  // A decision is not in the index row: rows are filtered here, so SQL cannot stop early.
  const bool limited = !filter.decision;
  SearchSql q = BuildSearch(filter, *text, after, limited);
  if (limited) q.values.emplace_back(static_cast<int64_t>(limit) + 1);

  Transaction tx(db, Transaction::Kind::kDeferred);  // one snapshot for the rows and their details
  if (!tx.status().ok()) return tx.status();
  Deadline deadline(db, time_limit);  // removed before the transaction ends, so that cannot be interrupted
  const std::string too_long = "the search ran longer than " + std::to_string(time_limit.count()) + " ms";
  // An interrupted statement fails with SQLite's "interrupted": report the time limit.
  auto failed = [&](const Status& s) { return deadline.Passed() ? Status::LimitExceeded(too_long) : s; };
  SearchPage page;
  double last_score = 0;  // of the last message on the page (relevance cursors)
  {
    Statement st = db.PrepareShaped(q.sql);
    BindAll(st, q.values);
    while (st.Step()) {
      MessageSummary m;
      m.id = RecordId::FromBytes(st.Blob(0));
      m.seq = static_cast<uint64_t>(st.Int(1));
      m.received_us = st.Int(2);
      if (filter.decision) {  // row by row: the page's details are read once it is complete
        auto decision = ReadRecordedDecision(db, m.seq);
        if (decision.ok())
          m.decision = decision->action;
        else if (decision.status().code() != Status::Code::kNotFound)
          return failed(decision.status());
        if (m.decision != *filter.decision) {
          if (deadline.Passed()) return Status::LimitExceeded(too_long);
          continue;
        }
      }
      if (page.messages.size() == limit) {
        const MessageSummary& last = page.messages.back();
        page.next = SearchPosition{last.received_us, last.seq, last_score};
        break;
      }
      m.mail_from = st.Text(3);
      m.raw_sha256 = Hash32FromBytes(st.Blob(4));
      m.raw_length = static_cast<uint64_t>(st.Int(5));
      m.flags = static_cast<uint32_t>(st.Int(6));
      m.message_id = st.Text(7);
      if (!st.IsNull(8)) m.date_us = st.Int(8);
      m.from_header = st.Text(9);
      m.to_header = st.Text(10);
      m.cc_header = st.Text(11);
      m.subject = st.Text(12);
      if (text->match) {
        m.snippet = ParseSnippet(st.Text(kSnippetColumn));
        last_score = st.Double(kScoreColumn);
      }
      page.messages.push_back(std::move(m));
    }
    if (!st.status().ok()) return failed(st.status());
  }
  // Leaf hashes, recipients, decisions and labels: one statement each for the page.
  if (Status s = AddMessageDetails(db, page.messages, details); !s.ok()) return failed(s);
  if (text->attached) {
    auto lag = ReadFulltextLag(db);
    if (!lag.ok()) return failed(lag.status());
    page.fulltext = *lag;
  }
  return page;
}

Result<std::vector<std::string>> ExplainSearch(Database& db, const MessageFilter& filter, bool with_position) {
  auto text = PrepareTextSearch(db, filter);
  if (!text.ok()) return text.status();
  std::optional<SearchPosition> after;
  if (with_position) after = SearchPosition{};
  SearchSql q = BuildSearch(filter, *text, after, !filter.decision);
  Statement st = db.PrepareShaped("EXPLAIN QUERY PLAN " + q.sql);
  std::vector<std::string> out;
  while (st.Step()) out.emplace_back(st.Text(3));
  if (!st.status().ok()) return st.status();
  return out;
}

std::string EncodeSearchCursor(const MessageFilter& filter, const SearchPosition& position) {
  const bool relevance = filter.text && filter.by_relevance;
  Bytes body;
  AppendU8(body, relevance ? kRelevanceCursorVersion : kCursorVersion);
  AppendU64(body, static_cast<uint64_t>(position.received_us));
  AppendU64(body, position.seq);
  if (relevance) {
    uint64_t bits;
    std::memcpy(&bits, &position.score, sizeof(bits));
    AppendU64(body, bits);
  }
  return Base64UrlNoPad(body + CursorCheck(body, filter));
}

Result<SearchPosition> DecodeSearchCursor(const MessageFilter& filter, std::string_view cursor) {
  const Status bad = Status::InvalidArgument("not a cursor of this search (it is altered, or the filters changed)");
  std::string std64;
  for (char c : cursor) {
    if (c == '+' || c == '/' || c == '=') return bad;
    std64 += c == '-' ? '+' : c == '_' ? '/' : c;
  }
  while (std64.size() % 4 != 0) std64 += '=';
  auto raw = DecodeCanonicalBase64(std64);
  const bool relevance = filter.text && filter.by_relevance;
  const size_t size = relevance ? kRelevanceCursorBytes : kCursorBytes;
  if (!raw || raw->size() != size) return bad;
  const std::string_view all = *raw;
  const std::string_view body = all.substr(0, size - kCursorCheckBytes);
  const auto* bytes = reinterpret_cast<const unsigned char*>(all.data());
  if (bytes[0] != (relevance ? kRelevanceCursorVersion : kCursorVersion) ||
      all.substr(body.size()) != CursorCheck(body, filter))
    return bad;
  SearchPosition p;
  p.received_us = static_cast<int64_t>(ReadU64(bytes + 1));
  p.seq = ReadU64(bytes + 9);
  if (relevance) {
    const uint64_t bits = ReadU64(bytes + 17);
    std::memcpy(&p.score, &bits, sizeof(bits));
  }
  return p;
}

Result<RecordedDecision> ReadRecordedDecision(Database& db, uint64_t message_seq) {
  auto found = ReadRecordedDecisions(db, {message_seq});
  if (!found.ok()) return found.status();
  if (found->empty()) return Status::NotFound("no policy decision for message " + std::to_string(message_seq));
  return std::move(found->begin()->second);
}

Result<std::vector<MessageLabel>> ReadMessageLabels(Database& db, uint64_t message_seq) {
  Statement st =
      db.Prepare("SELECT label, added_us, added_by FROM message_labels WHERE message_seq = ? ORDER BY label");
  st.Bind(1, static_cast<int64_t>(message_seq));
  std::vector<MessageLabel> out;
  while (st.Step()) out.push_back({std::string(st.Text(0)), st.Int(1), std::string(st.Text(2))});
  if (!st.status().ok()) return st.status();
  return out;
}

}  // namespace chainmail
