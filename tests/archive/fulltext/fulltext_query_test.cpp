// The q= language: what each form becomes in FTS5, which inputs are refused and why, and
// that no input — however hostile — reaches FTS5 as syntax of its own.
#include "archive/fulltext/fulltext_query.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <random>
#include <string>
#include <vector>

#include "archive/fulltext/cjk_tokenizer.h"

namespace chainmail {
namespace {

std::string Match(std::string_view q) {
  auto r = TranslateFulltextQuery(q);
  EXPECT_TRUE(r.ok()) << q << ": " << r.status().message();
  return r.ok() ? *r : "";
}

// The refusal's message, or "" when `q` was accepted.
std::string Refusal(std::string_view q) {
  auto r = TranslateFulltextQuery(q);
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  return r.status().message();
}

TEST(FulltextQuery, WordsAreQuotedAndImplicitlyAnded) {
  EXPECT_EQ(Match("invoice"), "\"invoice\"");
  EXPECT_EQ(Match("invoice  payment"), "(\"invoice\" AND \"payment\")");
  EXPECT_EQ(Match("and or not"), "(\"and\" AND \"or\" AND \"not\")");  // lower case: words
}

TEST(FulltextQuery, PhrasesAndPrefixes) {
  EXPECT_EQ(Match("\"quarterly report\""), "\"quarterly report\"");
  EXPECT_EQ(Match("pay*"), "\"pay\" *");
  EXPECT_EQ(Match("\"annual rep\"*"), "\"annual rep\" *");
  EXPECT_EQ(Match("a*b"), "\"a*b\"");  // a star inside a word is text
}

TEST(FulltextQuery, OperatorsWithPrecedence) {
  EXPECT_EQ(Match("a OR b"), "(\"a\" OR \"b\")");
  EXPECT_EQ(Match("a AND b OR c"), "((\"a\" AND \"b\") OR \"c\")");
  EXPECT_EQ(Match("a OR b c"), "(\"a\" OR (\"b\" AND \"c\"))");
  EXPECT_EQ(Match("a NOT b"), "(\"a\" NOT \"b\")");
  EXPECT_EQ(Match("a AND NOT b c"), "((\"a\" AND \"c\") NOT \"b\")");
  EXPECT_EQ(Match("(a OR b) c"), "((\"a\" OR \"b\") AND \"c\")");
  EXPECT_EQ(Match("((a))"), "\"a\"");
  EXPECT_EQ(Match("ab \"c d\"* OR subject:x"), "((\"ab\" AND \"c d\" *) OR subject : (\"x\"))");  // the header's example
}

TEST(FulltextQuery, FieldPrefixesSelectColumns) {
  EXPECT_EQ(Match("subject:x"), "subject : (\"x\")");
  EXPECT_EQ(Match("Body:x"), "body : (\"x\")");
  EXPECT_EQ(Match("attachment:\"q3 plan\""), "attachments : (\"q3 plan\")");
  EXPECT_EQ(Match("address:(alice OR bob)"), "addresses : (\"alice\" OR \"bob\")");
  EXPECT_EQ(Match("subject:x:y"), "subject : (\"x:y\")");
  EXPECT_EQ(Match("a NOT subject:b"), "(\"a\" NOT subject : (\"b\"))");
}

TEST(FulltextQuery, UnknownFieldIsPartOfTheWord) {
  EXPECT_EQ(Match("re:meeting"), "\"re:meeting\"");
  EXPECT_EQ(Match("col:x"), "\"col:x\"");
  EXPECT_EQ(Match("{subject}:x"), "\"{subject}:x\"");
}

TEST(FulltextQuery, OneCjkCharacterIsAPrefix) {
  EXPECT_EQ(Match("会"), "\"会\" *");
  EXPECT_EQ(Match("会議"), "\"会議\"");
}

TEST(FulltextQuery, HostileTextStaysInsideQuotes) {
  EXPECT_EQ(Match("NEAR(a b)"), "(\"NEAR\" AND (\"a\" AND \"b\"))");
  EXPECT_EQ(Match("^foo"), "\"^foo\"");
  EXPECT_EQ(Match("it's"), "\"it's\"");
  EXPECT_EQ(Match("-x +y"), "(\"-x\" AND \"+y\")");
  EXPECT_EQ(Match("\"a\"\"b\""), "(\"a\" AND \"b\")");
  EXPECT_EQ(Match(std::string("foo\0bar", 7)), "(\"foo\" AND \"bar\")");
  EXPECT_EQ(Match(std::string("\"foo\0bar\"", 9)), "\"foo bar\"");
  EXPECT_EQ(Match("x\x1b[31m"), "(\"x\" AND \"[31m\")");  // a control character is a space
}

TEST(FulltextQuery, RefusalsNameTheProblem) {
  EXPECT_NE(Refusal("").find("empty"), std::string::npos);
  EXPECT_NE(Refusal("   \t ").find("empty"), std::string::npos);
  EXPECT_NE(Refusal(std::string(1, '\0')).find("empty"), std::string::npos);
  EXPECT_NE(Refusal(std::string(1001, 'a')).find("longer than 1000 bytes"), std::string::npos);
  EXPECT_EQ(Refusal(std::string(1000, 'a')), "");
  std::string many;
  for (int i = 0; i < 33; ++i) many += "w" + std::to_string(i) + " ";
  EXPECT_NE(Refusal(many).find("more than 32 terms"), std::string::npos);
  EXPECT_NE(Refusal("caf\xE9").find("UTF-8"), std::string::npos);
  EXPECT_NE(Refusal("\"abc").find("not closed"), std::string::npos);
  EXPECT_NE(Refusal("a\"b").find("not closed"), std::string::npos);
  EXPECT_NE(Refusal("(a").find("'(' is not closed"), std::string::npos);
  EXPECT_NE(Refusal("a)").find("no matching '('"), std::string::npos);
  EXPECT_NE(Refusal("()").find("empty parentheses"), std::string::npos);
  EXPECT_NE(Refusal("\"\"").find("empty quoted phrase"), std::string::npos);
  EXPECT_NE(Refusal("a OR").find("OR needs a term on each side"), std::string::npos);
  EXPECT_NE(Refusal("OR a").find("OR needs a term on each side"), std::string::npos);
  EXPECT_NE(Refusal("AND a").find("AND needs a term on each side"), std::string::npos);
  EXPECT_NE(Refusal("a AND").find("AND needs a term on each side"), std::string::npos);
  EXPECT_NE(Refusal("NOT a").find("NOT needs a term before it"), std::string::npos);
  EXPECT_NE(Refusal("a OR NOT b").find("NOT needs a term before it"), std::string::npos);
  EXPECT_NE(Refusal("a NOT").find("NOT needs a term after it"), std::string::npos);
  EXPECT_NE(Refusal("a NOT NOT b").find("NOT needs a term after it"), std::string::npos);
  EXPECT_NE(Refusal("subject:").find("needs a word"), std::string::npos);
  EXPECT_NE(Refusal("*").find("no letter or digit"), std::string::npos);
  EXPECT_NE(Refusal("'").find("no letter or digit"), std::string::npos);
  EXPECT_NE(Refusal("a \"-\"").find("no letter or digit"), std::string::npos);
  EXPECT_NE(Refusal("((((((((( a )))))))))").find("nested deeper than 8"), std::string::npos);
  EXPECT_EQ(Refusal("(((((((( a ))))))))"), "");
}

// Every accepted query runs in FTS5 without a syntax error, whatever it was made of.
TEST(FulltextQuery, EveryAcceptedQueryIsValidFts5) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  ASSERT_TRUE(RegisterFulltextTokenizer(db).ok());
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE VIRTUAL TABLE fulltext_index USING fts5(subject, body, attachments, addresses, "
                         "tokenize='chainmail_cjk'); INSERT INTO fulltext_index VALUES "
                         "('near a b', 'col x subject', 'a.pdf', 'a@b.example');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM fulltext_index WHERE fulltext_index MATCH ?", -1, &st, nullptr),
            SQLITE_OK);
  auto run = [&](const std::string& q) {
    auto match = TranslateFulltextQuery(q);
    if (!match.ok()) return -1;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, match->c_str(), -1, SQLITE_TRANSIENT);
    const int rc = sqlite3_step(st);
    EXPECT_EQ(rc, SQLITE_ROW) << "query " << q << " -> " << *match << ": " << sqlite3_errmsg(db);
    return rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
  };
  // Hostile inputs are text: NEAR( finds the words "near a b", col:x the text "col x".
  EXPECT_EQ(run("NEAR(a b)"), 1);
  EXPECT_EQ(run("col:x"), 1);
  EXPECT_EQ(run("subject:near"), 1);
  EXPECT_EQ(run("body:near"), 0);
  EXPECT_EQ(run("rank:x"), 0);

  const std::vector<std::string> pieces = {"a", "b", "会", "議", "\"", "(", ")", "*", ":", "^", "-", "+", "'",
                                           " ", std::string(1, '\0'), "AND", "OR", "NOT", "NEAR", "subject:",
                                           "body:", "{", "}", ",", "\\", "é", "col", "rowid", "\x01", "\xE2\x80\xA6"};
  std::mt19937 rng(20261127);
  int accepted = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string q;
    const int n = 1 + static_cast<int>(rng() % 12);
    for (int j = 0; j < n; ++j) q += pieces[rng() % pieces.size()];
    if (run(q) >= 0) ++accepted;
  }
  EXPECT_GT(accepted, 500);  // the mix is not refused wholesale
  sqlite3_finalize(st);
  sqlite3_close(db);
}

}  // namespace
}  // namespace chainmail
