// The chainmail_cjk tokenizer, through real FTS5 tables: what it indexes (fts5vocab),
// what queries find, and where highlight() puts its marks (byte offsets).
#include "archive/fulltext/cjk_tokenizer.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <random>
#include <set>
#include <string>
#include <vector>

namespace chainmail {
namespace {

class Fts {
 public:
  Fts() {
    EXPECT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    EXPECT_TRUE(RegisterFulltextTokenizer(db_).ok());
    Exec("CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'chainmail_cjk')");
    Exec("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'row')");
  }
  ~Fts() { sqlite3_close(db_); }

  void Exec(const std::string& sql) {
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "") << "\n" << sql;
    sqlite3_free(err);
  }
  void Add(int64_t rowid, const std::string& text) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db_, "INSERT INTO t(rowid, body) VALUES (?, ?)", -1, &st, nullptr);
    sqlite3_bind_int64(st, 1, rowid);
    sqlite3_bind_text(st, 2, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(st), SQLITE_DONE) << sqlite3_errmsg(db_);
    sqlite3_finalize(st);
  }
  // The rowids MATCH `expr` finds, and the first match's highlight with [ ].
  std::vector<int64_t> Find(const std::string& expr, std::string* highlighted = nullptr) {
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, "SELECT rowid, highlight(t, 0, '[', ']') FROM t WHERE t MATCH ? ORDER BY rowid",
                                 -1, &st, nullptr),
              SQLITE_OK);
    sqlite3_bind_text(st, 1, expr.c_str(), -1, SQLITE_TRANSIENT);
    std::vector<int64_t> out;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      if (highlighted && out.empty()) *highlighted = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
      out.push_back(sqlite3_column_int64(st, 0));
    }
    EXPECT_EQ(rc, SQLITE_DONE) << sqlite3_errmsg(db_) << " for " << expr;
    sqlite3_finalize(st);
    return out;
  }
  std::set<std::string> Terms() {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db_, "SELECT term FROM v", -1, &st, nullptr);
    std::set<std::string> out;
    while (sqlite3_step(st) == SQLITE_ROW) out.insert(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

TEST(CjkTokenizer, JapaneseRunBecomesOverlappingBigrams) {
  Fts f;
  f.Add(1, "来週の会議について");
  EXPECT_EQ(f.Terms(), (std::set<std::string>{"来週", "週の", "の会", "会議", "議に", "につ", "つい", "いて"}));
}

TEST(CjkTokenizer, TwoCharacterWordIsFoundInsideASentence) {
  Fts f;
  f.Add(1, "来週の会議について");
  f.Add(2, "会社の議事録");  // 会 and 議 both occur, but not next to each other
  std::string marked;
  EXPECT_EQ(f.Find("\"会議\"", &marked), (std::vector<int64_t>{1}));
  EXPECT_EQ(marked, "来週の[会議]について");
}

TEST(CjkTokenizer, LongerWordIsAPhraseOfBigramsWithExactOffsets) {
  Fts f;
  f.Add(1, "来週の会議について");
  f.Add(2, "会議の来週");
  std::string marked;
  EXPECT_EQ(f.Find("\"の会議\"", &marked), (std::vector<int64_t>{1}));
  EXPECT_EQ(marked, "来週[の会議]について");
}

TEST(CjkTokenizer, LoneCjkCharacterStaysAUnigram) {
  Fts f;
  f.Add(1, "plan 会 done");
  EXPECT_EQ(f.Terms(), (std::set<std::string>{"plan", "会", "done"}));
  EXPECT_EQ(f.Find("\"会\""), (std::vector<int64_t>{1}));
}

TEST(CjkTokenizer, MixedTokenSplitsLatinFromCjkAndFoldsTheLatin) {
  Fts f;
  f.Add(1, "Q3会議Report");
  EXPECT_EQ(f.Terms(), (std::set<std::string>{"q3", "会議", "report"}));
  std::string marked;
  EXPECT_EQ(f.Find("\"report\"", &marked), (std::vector<int64_t>{1}));
  EXPECT_EQ(marked, "Q3会議[Report]");
}

TEST(CjkTokenizer, CjkPunctuationSeparatesRuns) {
  Fts f;
  f.Add(1, "会議、資料。「確認」");
  EXPECT_EQ(f.Terms(), (std::set<std::string>{"会議", "資料", "確認"}));
}

TEST(CjkTokenizer, HangulAndChineseAreBigramsToo) {
  Fts f;
  f.Add(1, "다음 회의는 월요일입니다");
  f.Add(2, "我们明天开会讨论预算");
  EXPECT_EQ(f.Find("\"회의\""), (std::vector<int64_t>{1}));
  EXPECT_EQ(f.Find("\"开会\""), (std::vector<int64_t>{2}));
  EXPECT_EQ(f.Find("\"讨论预算\""), (std::vector<int64_t>{2}));
  EXPECT_TRUE(f.Find("\"预讨\"").empty());
}

TEST(CjkTokenizer, LatinIsCaseAndDiacriticInsensitive) {
  Fts f;
  f.Add(1, "Crème BRÛLÉE at the Café");
  f.Add(2, "plain cafe");
  EXPECT_EQ(f.Find("\"creme brulee\""), (std::vector<int64_t>{1}));
  EXPECT_EQ(f.Find("\"CRÈME\""), (std::vector<int64_t>{1}));
  EXPECT_EQ(f.Find("\"café\""), (std::vector<int64_t>{1, 2}));
}

TEST(CjkTokenizer, PrefixOfABigramFindsWordsStartingWithIt) {
  Fts f;
  f.Add(1, "来週の会議について");
  f.Add(2, "会社");
  EXPECT_EQ(f.Find("\"会\" *"), (std::vector<int64_t>{1, 2}));
}

// Stored text is always valid UTF-8 (StorableText); the tokenizer must still survive
// anything, including a CJK character cut short at the end.
TEST(CjkTokenizer, InvalidUtf8IsIndexedWithoutCrashing) {
  Fts f;
  f.Add(1, "abc\xE4\xBC def \xFF\xFE 会\xE8");
  f.Add(2, "会議\xE4\xBC");
  EXPECT_EQ(f.Find("\"def\""), (std::vector<int64_t>{1}));
  EXPECT_EQ(f.Find("\"会議\""), (std::vector<int64_t>{2}));
}

TEST(CjkTokenizer, AnyBytesAreIndexedAndQueriedWithoutHarm) {
  Fts f;
  const std::vector<std::string> pieces = {"会", "議", "\xE4", "\xBC", "\x80", "a", "É", " ", "、", "\xF0\xA0\xAE",
                                           "\xF0\xA0\xAE\xB7", "-", "x1", "の", "ー", "한", "\xFF", "\xC3"};
  std::mt19937 rng(5);
  for (int i = 0; i < 500; ++i) {
    std::string text;
    for (int j = 0, n = 1 + static_cast<int>(rng() % 40); j < n; ++j) text += pieces[rng() % pieces.size()];
    f.Add(i + 1, text);
  }
  f.Find("\"会議\"");
  f.Find("\"a\" *");
  f.Exec("INSERT INTO t(t) VALUES ('integrity-check')");
}

TEST(CjkTokenizer, RegisteringTwiceOnOneConnectionIsHarmless) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  EXPECT_TRUE(RegisterFulltextTokenizer(db).ok());
  EXPECT_TRUE(RegisterFulltextTokenizer(db).ok());
  EXPECT_EQ(sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(b, tokenize='chainmail_cjk'); "
                             "INSERT INTO t VALUES ('会議');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
}

TEST(CjkTokenizer, ClassifiesScriptsNotPunctuation) {
  EXPECT_TRUE(IsCjkCodePoint(U'会'));
  EXPECT_TRUE(IsCjkCodePoint(U'の'));
  EXPECT_TRUE(IsCjkCodePoint(U'カ'));
  EXPECT_TRUE(IsCjkCodePoint(U'ー'));
  EXPECT_TRUE(IsCjkCodePoint(U'한'));
  EXPECT_TRUE(IsCjkCodePoint(U'々'));
  EXPECT_TRUE(IsCjkCodePoint(U'\U00020BB7'));  // 𠮷, extension B
  EXPECT_FALSE(IsCjkCodePoint(U'、'));
  EXPECT_FALSE(IsCjkCodePoint(U'。'));
  EXPECT_FALSE(IsCjkCodePoint(U'a'));
  EXPECT_FALSE(IsCjkCodePoint(U'é'));
  EXPECT_FALSE(IsCjkCodePoint(U'Ａ'));
}

}  // namespace
}  // namespace chainmail
