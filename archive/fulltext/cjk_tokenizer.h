// The full-text tokenizer "chainmail_cjk": SQLite's unicode61 tokenizer (case folded,
// diacritics removed: remove_diacritics 2), except that a token containing Chinese,
// Japanese or Korean characters is cut into overlapping bigrams of those characters.
//
// unicode61 sees "来週の会議について" as one token (every character is a letter), so a
// search for the word 会議 inside it would find nothing. Here the CJK run becomes the
// bigrams 来週 週の の会 会議 議に につ つい いて, each at its own position, and a query is
// cut the same way, so the two-character word 会議 is the token 会議 and a longer word is a
// phrase of consecutive bigrams. A lone CJK character (between non-CJK characters) stays
// a unigram. Latin (or other non-CJK) runs inside a mixed token ("Q3会議") are tokens of
// their own, folded by unicode61. Byte offsets always point into the original text, so
// snippet() and highlight() mark exactly the matched characters.
//
// CJK here: Han (CJK Unified Ideographs and extensions, compatibility ideographs, 々〆〇),
// Hiragana, Katakana (with the halfwidth forms and ー), Bopomofo, Hangul (syllables and
// jamo). CJK punctuation (、。「」…) is not: unicode61 already treats it as a separator.
//
// Known limit: a single CJK character is found as a unigram or as the first half of a
// bigram (the query language makes a one-character CJK term a prefix query), not as the
// last character of a run ("議" alone does not find "会議").
//
// The tokenizer is per connection: RegisterFulltextTokenizer must run on every connection
// that opens a table using it (the indexer's writer and each reader), before first use.
#pragma once

#include <sqlite3.h>

#include "archive/format/status.h"

namespace chainmail {

inline constexpr char kFulltextTokenizerName[] = "chainmail_cjk";

// Registers "chainmail_cjk" with the FTS5 of connection `db` (through fts5_api, fetched
// with SELECT fts5(?1)). Registering again on the same connection is harmless.
Status RegisterFulltextTokenizer(sqlite3* db);

// True for the code points the tokenizer cuts into bigrams (see above).
bool IsCjkCodePoint(char32_t c);

}  // namespace chainmail
