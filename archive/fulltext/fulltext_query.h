// The search language of q= and its translation to an FTS5 MATCH expression.
//
// What a user may write:
//   invoice payment        both words (implicit AND)
//   "quarterly report"     a phrase: the words next to each other, in this order
//   pay*   "annual rep"*   a prefix (of the word, or of the phrase's last word)
//   a AND b   a OR b   a NOT b   a AND NOT b      (operators in upper case only;
//                          lower-case and/or/not are words)
//   (a OR b) c             parentheses group
//   subject:x  body:x  attachment:x  address:x     one field only; also before a phrase
//                          or a group: subject:"annual report", address:(alice OR bob)
// Precedence: NOT binds to the term after it, then AND (written or implied), then OR.
// A field prefix that is not one of the four ("re:", "http:") is part of the word.
// Words are matched after the tokenizer's folding (cjk_tokenizer.h): case and diacritics
// do not matter; CJK text is matched by bigrams, and a one-character CJK term is a
// prefix query so that it finds the words that start with it.
//
// Safety: user text never reaches FTS5 as syntax. Every word and phrase becomes an FTS5
// string in double quotes (a '"' inside doubled), so '*', '^', ':', '-', '+', NEAR(,
// column names and quotes are only ever text; the operators, parentheses, column filters
// and prefix stars in the output are written by the translator. Control characters
// (NUL included) are treated as spaces.
//
// Refused with InvalidArgument, with a message naming the problem: an empty query, more
// than kMaxQueryBytes bytes, more than kMaxQueryTerms terms, invalid UTF-8, an unclosed
// quote, unbalanced parentheses, parentheses nested deeper than kMaxQueryDepth, an empty
// phrase or group, an operator without a term on each side, NOT without a term to
// subtract from ("NOT a" alone: FTS5 cannot list what lacks a word), a term with no
// letter or digit ("-", "***").
//
// Pure function; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "archive/format/status.h"

namespace chainmail {

inline constexpr size_t kMaxQueryBytes = 1000;
inline constexpr size_t kMaxQueryTerms = 32;
inline constexpr size_t kMaxQueryDepth = 8;

// The MATCH expression for `query`, fully parenthesised, with field prefixes as FTS5
// column filters on the index's columns (fulltext_schema.h: subject, body, attachments,
// addresses), e.g.
//   ab "c d"* OR subject:x   ->   (("ab" AND "c d" *) OR subject : ("x"))
Result<std::string> TranslateFulltextQuery(std::string_view query);

}  // namespace chainmail
