// The snippet of a full-text match: chainmail_snippet(fulltext_index), an FTS5 auxiliary
// function the message search selects for each result (archive/message_search.cpp). It
// returns a passage of kSnippetTokens tokens of one column, "…" where it was cut, with
// each matched phrase between kSnippetOpen and kSnippetClose (fulltext_schema.h).
//
// Why not FTS5's snippet(): it tokenizes every column of the row in full to find sentence
// starts, scores every match against every other (quadratic in the matches of a row), and
// tokenizes the chosen column in full again to place its marks. For a page of 50 results
// of a common word, or of CJK text (a token per character), that was most of the search.
// Here the work per row is bounded:
//   - the passage is chosen from the match positions FTS5 already has (xInst): per column
//     the window that covers the most distinct phrases of the query (then the most
//     matches), among the column's first kSnippetCandidates matches, centred on them as
//     snippet() centres; the column with the best window wins, the earlier on a tie
//     (subject, body, attachments, addresses);
//   - only that column is tokenized, and only up to the window's last token (one more, to
//     know whether text follows), and never past its first kSnippetScanBytes bytes.
// A match that lies only beyond kSnippetScanBytes of its column is not shown: the
// passage is the best one within the bound (another column's if need be); when there is
// none, it is the column's opening, without marks. Marks are placed by the table's own
// tokenizer, so they cover exactly the matched bytes (CJK bigrams included: overlapping
// matches are joined into one mark).
//
// Thread safety: as SQLite's; the function has no state of its own.
#pragma once

#include <sqlite3.h>

#include <cstddef>

#include "archive/format/status.h"

namespace chainmail {

inline constexpr char kSnippetFunction[] = "chainmail_snippet";
inline constexpr int kSnippetTokens = 24;             // the passage's length in tokens
inline constexpr size_t kSnippetScanBytes = 64 << 10;  // of a column, at most, are tokenized
inline constexpr size_t kSnippetCandidates = 64;      // a column's first matches considered

// Registers chainmail_snippet with the FTS5 of connection `db`. Registering again on the
// same connection is harmless.
Status RegisterFulltextSnippet(sqlite3* db);

}  // namespace chainmail
