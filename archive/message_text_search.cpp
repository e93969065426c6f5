#include "archive/message_text_search.h"

#include "archive/fulltext/fulltext_query.h"
#include "archive/fulltext/fulltext_schema.h"
#include "archive/log_head.h"

namespace chainmail {

Result<TextSearch> PrepareTextSearch(Database& db, const MessageFilter& f) {
  TextSearch text;
  if (f.text) {
    auto match = TranslateFulltextQuery(*f.text);
    if (!match.ok()) return match.status();
    text.match = std::move(*match);
  }
  if (!f.text && !f.rcpt_to) return text;
  Status s = AttachFulltext(db.handle(), db.directory());
  text.attached = s.ok();
  if (!s.ok() && f.text) return Status::Unavailable("full-text search is not available: " + s.message());
  return text;
}

Result<FulltextLag> ReadFulltextLag(Database& db) {
  FulltextLag lag;
  Statement through = db.Prepare("SELECT value FROM fulltext.fulltext_state WHERE key = 'indexed_through_seq'");
  if (through.Step()) lag.indexed_through_seq = through.Int(0);
  if (!through.status().ok()) return through.status();
  auto head = ReadLogHead(db, LogName::kMessages);
  if (!head.ok()) return head.status();
  lag.committed_seq = static_cast<int64_t>(head->size) - 1;
  if (lag.committed_seq <= lag.indexed_through_seq) return lag;
  lag.lag_messages = static_cast<uint64_t>(lag.committed_seq - lag.indexed_through_seq);
  Statement oldest = db.Prepare("SELECT received_us FROM messages WHERE seq > ? ORDER BY seq LIMIT 1");
  oldest.Bind(1, lag.indexed_through_seq);
  if (oldest.Step()) lag.oldest_unindexed_received_us = oldest.Int(0);
  if (!oldest.status().ok()) return oldest.status();
  return lag;
}

SearchSnippet ParseSnippet(std::string_view marked) {
  SearchSnippet out;
  std::optional<size_t> open;
  for (char c : marked) {
    if (c == kSnippetOpen) {
      open = out.text.size();
    } else if (c == kSnippetClose) {
      if (open && out.text.size() > *open)
        out.highlights.emplace_back(static_cast<uint32_t>(*open), static_cast<uint32_t>(out.text.size() - *open));
      open.reset();
    } else {
      out.text += c;
    }
  }
  return out;
}

}  // namespace chainmail
