#include "archive/fulltext/fulltext_snippet.h"

#include <algorithm>
#include <climits>
#include <new>
#include <string>
#include <vector>

#include "archive/fulltext/fts5_api.h"
#include "archive/fulltext/fulltext_schema.h"

namespace chainmail {
namespace {

constexpr char kEllipsis[] = "…";
// Matches kept per column: the candidates and whatever their windows can hold. FTS5 hands
// them out in (column, position) order, so these are the earliest.
constexpr size_t kMatchesKept = kSnippetCandidates + 4 * kSnippetTokens;

// One match of a phrase of the query in a column: its first token and its length.
struct Match {
  int phrase;
  int position;
  int tokens;
};

// A passage of a column: kSnippetTokens tokens from `start`. Scored as snippet() scores
// it: 1000 per distinct phrase of the query in it, 1 per further match; -1: none.
struct Window {
  int column = -1;
  int start = 0;
  int score = -1;
};

// The best window over a column's `matches` (by position) that shows only matches
// ending within the column's first `reachable` tokens.
Window BestWindow(int column, const std::vector<Match>& matches, int phrases, int reachable) {
  Window best;
  std::vector<char> seen(static_cast<size_t>(phrases));
  const size_t candidates = std::min(matches.size(), kSnippetCandidates);
  for (size_t i = 0; i < candidates; ++i) {
    const Match& first = matches[i];
    if (first.position + first.tokens > reachable) break;
    std::fill(seen.begin(), seen.end(), 0);
    int score = 0, last = first.position + first.tokens;
    for (size_t j = i; j < matches.size() && matches[j].position < first.position + kSnippetTokens; ++j) {
      const Match& m = matches[j];
      if (m.position + m.tokens > reachable) break;
      score += seen[static_cast<size_t>(m.phrase)] ? 1 : 1000;
      seen[static_cast<size_t>(m.phrase)] = 1;
      last = std::max(last, m.position + m.tokens);
    }
    if (score > best.score) {
      // Centred on its matches, never starting after the first (a column's end is
      // dealt with once it is tokenized).
      const int centred = first.position - (kSnippetTokens - (last - first.position)) / 2;
      best = {column, std::clamp(centred, 0, first.position), score};
    }
  }
  return best;
}

// Byte range of a token in its column's text.
struct Span {
  int begin, end;
};

// A column tokenized from its start: stops once a token past `stop_after` tokens is seen.
struct Scan {
  const char* text = nullptr;
  int size = 0;
  std::vector<Span> tokens;
  size_t stop_after = 0;
  bool truncated = false;  // only the first kSnippetScanBytes were tokenized
};

int OnToken(void* p, int flags, const char*, int, int begin, int end) {
  auto* scan = static_cast<Scan*>(p);
  // Once stopped, stay stopped: a tokenizer may pass on only its own callback's refusals.
  if (scan->tokens.size() > scan->stop_after) return SQLITE_DONE;
  if ((flags & FTS5_TOKEN_COLOCATED) && !scan->tokens.empty()) {  // same position as the last
    Span& last = scan->tokens.back();
    last = {std::min(last.begin, begin), std::max(last.end, end)};
    return SQLITE_OK;
  }
  try {
    scan->tokens.push_back({begin, end});
  } catch (const std::bad_alloc&) {
    return SQLITE_NOMEM;
  }
  return scan->tokens.size() > scan->stop_after ? SQLITE_DONE : SQLITE_OK;
}

// Tokenizes column `column` of the row until token `stop_after` (0-based) is seen, or
// its text or kSnippetScanBytes ends. A token cut by that bound is dropped.
int ScanColumn(const Fts5ExtensionApi* api, Fts5Context* fts, int column, size_t stop_after, Scan* scan) {
  scan->stop_after = stop_after;
  if (int rc = api->xColumnText(fts, column, &scan->text, &scan->size); rc != SQLITE_OK) return rc;
  if (scan->text == nullptr) scan->size = 0;
  int scanned = scan->size;
  if (static_cast<size_t>(scanned) > kSnippetScanBytes) {
    scanned = static_cast<int>(kSnippetScanBytes);
    while (scanned > 0 && (static_cast<unsigned char>(scan->text[scanned]) & 0xC0) == 0x80) --scanned;  // whole characters
    scan->truncated = true;
  }
  scan->tokens.reserve(std::min<size_t>(stop_after + 2, 4096));
  const int rc = scanned > 0 ? api->xTokenize(fts, scan->text, scanned, scan, OnToken) : SQLITE_OK;
  if (rc != SQLITE_OK && rc != SQLITE_DONE) return rc;
  if (scan->truncated && scan->tokens.size() <= stop_after && !scan->tokens.empty() &&
      scan->tokens.back().end >= scanned)
    scan->tokens.pop_back();
  return SQLITE_OK;
}

// Appends tokens [start, end) of the scanned column to `out`, with the matches among
// `matches` that start there marked (cut at `end`; overlapping ones joined), "…" before
// when it does not start the text and after when text follows.
void Render(const Scan& scan, int start, int end, const std::vector<Match>& matches, std::string* out) {
  const std::vector<Span>& t = scan.tokens;
  const bool more = scan.truncated || static_cast<size_t>(end) < t.size();
  if (start > 0) *out += kEllipsis;
  int at = start > 0 ? t[static_cast<size_t>(start)].begin : 0;  // bytes of the text up to here are written
  int from = -1, to = -1;  // the mark being gathered: its first and last token
  const auto mark = [&] {
    if (from < 0) return;
    const int begin = std::max(at, t[static_cast<size_t>(from)].begin);
    const int stop = std::max(begin, t[static_cast<size_t>(to)].end);
    out->append(scan.text + at, static_cast<size_t>(begin - at));
    *out += kSnippetOpen;
    out->append(scan.text + begin, static_cast<size_t>(stop - begin));
    *out += kSnippetClose;
    at = stop;
    from = -1;
  };
  for (const Match& m : matches) {
    if (m.position < start) continue;
    if (m.position >= end) break;
    const int last = std::min(m.position + m.tokens, end) - 1;
    if (from >= 0 && (m.position <= to || t[static_cast<size_t>(m.position)].begin < t[static_cast<size_t>(to)].end)) {
      to = std::max(to, last);  // overlaps the mark (CJK bigrams overlap by a character)
      continue;
    }
    mark();
    from = m.position;
    to = last;
  }
  mark();
  const int stop = more && end > 0 ? t[static_cast<size_t>(end) - 1].end : more ? 0 : scan.size;
  if (stop > at) out->append(scan.text + at, static_cast<size_t>(stop - at));
  if (more) *out += kEllipsis;
}

int Snippet(const Fts5ExtensionApi* api, Fts5Context* fts, std::string* out) {
  const int columns = api->xColumnCount(fts);
  const int phrases = api->xPhraseCount(fts);
  int count = 0;
  if (int rc = api->xInstCount(fts, &count); rc != SQLITE_OK) return rc;
  std::vector<std::vector<Match>> by_column(static_cast<size_t>(std::max(columns, 0)));
  for (int i = 0; i < count; ++i) {
    int phrase = 0, column = 0, position = 0;
    if (int rc = api->xInst(fts, i, &phrase, &column, &position); rc != SQLITE_OK) return rc;
    if (column < 0 || column >= columns || phrase < 0 || phrase >= phrases || position < 0) continue;
    std::vector<Match>& kept = by_column[static_cast<size_t>(column)];
    if (kept.size() < kMatchesKept) kept.push_back({phrase, position, std::max(1, api->xPhraseSize(fts, phrase))});
  }
  std::vector<Window> windows;
  for (int c = 0; c < columns; ++c) {
    std::vector<Match>& m = by_column[static_cast<size_t>(c)];
    std::sort(m.begin(), m.end(), [](const Match& a, const Match& b) { return a.position < b.position; });
    if (!m.empty()) windows.push_back(BestWindow(c, m, phrases, INT_MAX));
  }
  std::stable_sort(windows.begin(), windows.end(), [](const Window& a, const Window& b) { return a.score > b.score; });

  std::string opening;  // the best column's first tokens, unmarked: when no match is within reach
  for (const Window& w : windows) {
    Scan scan;
    if (int rc = ScanColumn(api, fts, w.column, static_cast<size_t>(w.start + kSnippetTokens), &scan); rc != SQLITE_OK)
      return rc;
    const int known = static_cast<int>(std::min(scan.tokens.size(), scan.stop_after));
    const std::vector<Match>& matches = by_column[static_cast<size_t>(w.column)];
    Window chosen = w;
    if (scan.tokens.size() <= scan.stop_after) {
      // The text (or the scanned part of it) ended before the window did: a window that
      // fits what was seen, showing only matches seen.
      if (scan.truncated) chosen = BestWindow(w.column, matches, phrases, known);
      chosen.start = std::max(0, std::min(chosen.start, known - kSnippetTokens));
    }
    if (chosen.score >= 0) {
      Render(scan, chosen.start, std::min(chosen.start + kSnippetTokens, known), matches, out);
      return SQLITE_OK;
    }
    if (opening.empty()) Render(scan, 0, std::min(kSnippetTokens, known), {}, &opening);
  }
  if (windows.empty() && columns > 0) {  // a match without positions: the first column's opening
    Scan scan;
    if (int rc = ScanColumn(api, fts, 0, kSnippetTokens, &scan); rc != SQLITE_OK) return rc;
    Render(scan, 0, static_cast<int>(std::min<size_t>(scan.tokens.size(), kSnippetTokens)), {}, &opening);
  }
  *out = std::move(opening);
  return SQLITE_OK;
}

void SnippetFunction(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* ctx, int, sqlite3_value**) {
  try {
    std::string out;
    if (int rc = Snippet(api, fts, &out); rc != SQLITE_OK) {
      sqlite3_result_error_code(ctx, rc);
      return;
    }
    sqlite3_result_text(ctx, out.data(), static_cast<int>(out.size()), SQLITE_TRANSIENT);
  } catch (const std::bad_alloc&) {
    sqlite3_result_error_nomem(ctx);
  }
}

}  // namespace

Status RegisterFulltextSnippet(sqlite3* db) {
  auto api = FetchFts5Api(db);
  if (!api.ok()) return api.status();
  if ((*api)->xCreateFunction(*api, kSnippetFunction, nullptr, SnippetFunction, nullptr) != SQLITE_OK)
    return Status::IoError(std::string("cannot register the snippet function: ") + sqlite3_errmsg(db));
  return Status::Ok();
}

}  // namespace chainmail
