// chainmail_snippet through real FTS5 tables with the chainmail_cjk tokenizer: which
// passage it picks, that its marks cover exactly the matched bytes (far into a large text,
// in CJK bigrams, across a phrase), that it stops at kSnippetScanBytes, and that on short
// texts it says what FTS5's own snippet() says.
#include "archive/fulltext/fulltext_snippet.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <random>
#include <string>
#include <vector>

#include "archive/fulltext/cjk_tokenizer.h"

namespace chainmail {
namespace {

class Fts {
 public:
  explicit Fts(const std::string& columns = "body") {
    EXPECT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    EXPECT_TRUE(RegisterFulltextTokenizer(db_).ok());
    EXPECT_TRUE(RegisterFulltextSnippet(db_).ok());
    Exec("CREATE VIRTUAL TABLE t USING fts5(" + columns + ", tokenize = 'chainmail_cjk')");
  }
  ~Fts() { sqlite3_close(db_); }

  void Exec(const std::string& sql) {
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "") << "\n" << sql;
    sqlite3_free(err);
  }
  void Add(const std::vector<std::string>& values) {
    std::string sql = "INSERT INTO t VALUES (?";
    for (size_t i = 1; i < values.size(); ++i) sql += ", ?";
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db_, (sql + ")").c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db_);
    for (size_t i = 0; i < values.size(); ++i)
      sqlite3_bind_text(st, static_cast<int>(i + 1), values[i].data(), static_cast<int>(values[i].size()),
                        SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(st), SQLITE_DONE) << sqlite3_errmsg(db_);
    sqlite3_finalize(st);
  }
  void Add(const std::string& body) { Add(std::vector<std::string>{body}); }

  // The snippets of the rows `expr` matches, by rowid, kSnippetOpen/Close shown as [ and
  // ]; with `fts5`, FTS5's own snippet() with the same markers and length instead.
  std::vector<std::string> All(const std::string& expr, bool fts5 = false) {
    const std::string call = fts5 ? "snippet(t, -1, char(1), char(2), '…', " + std::to_string(kSnippetTokens) + ")"
                                  : std::string(kSnippetFunction) + "(t)";
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, ("SELECT " + call + " FROM t WHERE t MATCH ? ORDER BY rowid").c_str(), -1, &st,
                                 nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db_);
    sqlite3_bind_text(st, 1, expr.c_str(), -1, SQLITE_TRANSIENT);
    std::vector<std::string> out;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      std::string s = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      for (char& c : s) c = c == '\x01' ? '[' : c == '\x02' ? ']' : c;
      out.push_back(std::move(s));
    }
    EXPECT_EQ(rc, SQLITE_DONE) << sqlite3_errmsg(db_) << " for " << expr;
    sqlite3_finalize(st);
    return out;
  }
  // The snippet of the only row `expr` matches.
  std::string Snippet(const std::string& expr) {
    const std::vector<std::string> all = All(expr);
    EXPECT_EQ(all.size(), 1u) << expr;
    return all.empty() ? "(no match)" : all[0];
  }

 private:
  sqlite3* db_ = nullptr;
};

// n words "w0 w1 ...", from `first`.
std::string Words(int first, int n) {
  std::string out;
  for (int i = first; i < first + n; ++i) out += (i > first ? " w" : "w") + std::to_string(i);
  return out;
}

TEST(FulltextSnippet, ShortTextIsShownWholeWithEveryMatchMarked) {
  Fts f;
  f.Add("The quick brown Fox jumps over the lazy dog, and the fox rests.");
  EXPECT_EQ(f.Snippet("fox"), "The quick brown [Fox] jumps over the lazy dog, and the [fox] rests.");
}

TEST(FulltextSnippet, LongTextIsCutAroundTheMatchWithEllipses) {
  Fts f;
  f.Add(Words(0, 100) + " heron " + Words(100, 100));
  const std::string s = f.Snippet("heron");
  // 24 tokens centred on the match: 11 before it, 12 after.
  EXPECT_EQ(s, "…" + Words(89, 11) + " [heron] " + Words(100, 12) + "…");
}

TEST(FulltextSnippet, MatchAtTheEndShowsTheTextsEnd) {
  Fts f;
  f.Add(Words(0, 100) + " heron.");
  EXPECT_EQ(f.Snippet("heron"), "…" + Words(77, 23) + " [heron].");
}

TEST(FulltextSnippet, PhraseIsOneMark) {
  Fts f;
  f.Add("a note on the quick brown fox and a quick fox");
  EXPECT_EQ(f.Snippet("\"quick brown\""), "a note on the [quick brown] fox and a quick fox");
}

TEST(FulltextSnippet, WindowWithTheMostDistinctWordsWins) {
  Fts f;
  // "alpha" alone early; "alpha" and "beta" together later.
  f.Add("alpha " + Words(0, 60) + " alpha beta " + Words(60, 60));
  const std::string s = f.Snippet("alpha beta");
  EXPECT_NE(s.find("[alpha] [beta]"), std::string::npos) << s;
  EXPECT_EQ(s.find("w0 "), std::string::npos) << s;
}

TEST(FulltextSnippet, CjkBigramsOfAWordAreOneMarkOnItsExactBytes) {
  Fts f;
  f.Add("来週の会議について、資料を準備してください。");
  EXPECT_EQ(f.Snippet("\"会議について\""), "来週の[会議について]、資料を準備してください。");
  EXPECT_EQ(f.Snippet("\"資料\""), "来週の会議について、[資料]を準備してください。");
}

TEST(FulltextSnippet, OverlappingCjkMatchesAreJoined) {
  Fts f;
  f.Add("来週の会議について");
  // 会議 and 議に overlap by a character: one mark over 会議に, never a mark inside another.
  EXPECT_EQ(f.Snippet("\"会議\" \"議に\""), "来週の[会議に]ついて");
}

TEST(FulltextSnippet, SubjectWinsATieWithTheBody) {
  Fts f("subject, body");
  f.Add(std::vector<std::string>{"Heron sighting", "We saw a heron by the lake."});
  EXPECT_EQ(f.Snippet("heron"), "[Heron] sighting");
  // Both words only in the body: the body's passage covers more of the query.
  EXPECT_EQ(f.Snippet("heron lake"), "We saw a [heron] by the [lake].");
}

TEST(FulltextSnippet, MatchFarIntoALargeTextIsMarkedOnItsBytes) {
  Fts f;
  // ~42 KB of words before the match: far, but within kSnippetScanBytes.
  std::string before = Words(0, 7000);
  ASSERT_LT(before.size() + 100, kSnippetScanBytes);
  ASSERT_GT(before.size(), 40000u);
  f.Add(before + " Zebra " + Words(7000, 3000));
  EXPECT_EQ(f.Snippet("zebra"), "…" + Words(6989, 11) + " [Zebra] " + Words(7000, 12) + "…");
}

TEST(FulltextSnippet, MatchBeyondTheScanBoundIsNotShown) {
  Fts f;
  // 100 KiB of words, then the only match: the passage is the text's opening, unmarked.
  const std::string before = Words(0, 12000);
  ASSERT_GT(before.size(), kSnippetScanBytes);
  f.Add(before + " zebra");
  EXPECT_EQ(f.Snippet("zebra"), Words(0, kSnippetTokens) + "…");
}

TEST(FulltextSnippet, BestPassageWithinTheScanBoundIsShownWhenTheBestIsBeyond) {
  Fts f;
  // The best window (both words) lies beyond the bound; one word early is within it.
  f.Add("yak " + Words(0, 12000) + " zebra yak");
  EXPECT_EQ(f.Snippet("zebra yak"), "[yak] " + Words(0, kSnippetTokens - 1) + "…");
}

TEST(FulltextSnippet, AnotherColumnIsShownWhenTheBestColumnsMatchIsBeyondTheBound) {
  Fts f("subject, body");
  // The body has both words (the better window) but beyond the bound; the subject one.
  f.Add(std::vector<std::string>{"about the yak", Words(0, 12000) + " zebra yak"});
  EXPECT_EQ(f.Snippet("zebra OR yak"), "about the [yak]");
}

TEST(FulltextSnippet, CutInsideAMultibyteCharacterAtTheBoundIsHarmless) {
  Fts f;
  // Three-byte characters across the bound: the scan must end on a whole character.
  std::string text;
  while (text.size() < kSnippetScanBytes + 10) text += "会議 ";
  f.Add(text + "zebra");
  const std::string s = f.Snippet("zebra");
  EXPECT_EQ(s.find('['), std::string::npos) << s.substr(0, 200);
  EXPECT_EQ(s.substr(s.size() - 3), "…");
}

// On texts shorter than the passage, both functions show the whole text with the same
// marks: a cross-check of the marks' bytes against FTS5's own snippet().
TEST(FulltextSnippet, AgreesWithFts5SnippetOnShortTexts) {
  const std::vector<std::string> words = {"alpha", "Beta", "gamma", "会議", "来週の", "资料", "Ñandú", "café",
                                          "x-ray", "q3会議", "Сводка", "отчёт", "ka", "po", "の会議について"};
  // One phrase, or Latin words: FTS5's snippet() misplaces marks of two different
  // phrases on overlapping bigrams, which OverlappingCjkMatchesAreJoined covers instead.
  const std::vector<std::string> queries = {"alpha", "beta", "\"会議\"", "café", "сводка", "\"ka po\"", "ka",
                                            "alpha gamma", "\"会議について\"", "q3", "отч*", "nandu OR ray"};
  Fts f;
  std::mt19937 rng(11);
  for (int doc = 0; doc < 300; ++doc) {
    std::string text;
    for (int i = 0, n = 1 + static_cast<int>(rng() % 4); i < n; ++i)  // at most 24 tokens
      text += (i ? (rng() % 4 == 0 ? ", " : " ") : "") + words[rng() % words.size()];
    f.Add(text);
  }
  size_t compared = 0;
  for (const std::string& q : queries) {
    const auto ours = f.All(q, false), theirs = f.All(q, true);
    ASSERT_EQ(ours.size(), theirs.size()) << q;
    for (size_t i = 0; i < ours.size(); ++i) EXPECT_EQ(ours[i], theirs[i]) << q;
    compared += ours.size();
  }
  EXPECT_GT(compared, 300u);
}

}  // namespace
}  // namespace chainmail
