// Full-text search through a real Archive: messages ingested as SMTP would, indexed by the
// background indexer, found by SearchMessages with q= — in every encoding a body or a
// subject comes in, never inside markup or transfer encodings, combined with the other
// filters, paged with a cursor while mail keeps arriving.
#include <gtest/gtest.h>

#include <ctime>
#include <set>
#include <thread>

#include "archive/fulltext/fulltext_store.h"
#include "tests/archive/fulltext/fulltext_test_util.h"

namespace chainmail::testing {
namespace {

const char kHead[] = "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nMessage-ID: <x@example.com>\r\n"
                     "Date: Fri, 27 Nov 2026 11:48:30 +0000\r\nMIME-Version: 1.0\r\n";

const std::string kBase64Body = std::string(kHead) +
    "Subject: numbers\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "VGhlIHplcGh5cmluZSBxdWFydGVybHkgbnVtYmVycyBhcmUgYXR0YWNoZWQuCg==\r\n";

const std::string kQuotedPrintableLatin1 = std::string(kHead) +
    "Subject: compte rendu\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    "Le r=E9sum=E9 de la r=E9union est pr=EAt pour le d=E9jeuner.\r\n";

const std::string kHtmlOnly = std::string(kHead) +
    "Subject: weekly\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    "<html><head><style>.kelpie { color: red }</style><script>var xylograph = 1;</script></head>\r\n"
    "<body><p class=\"marmoset\" data-note=\"tamarin\">The <b>ocelot</b> report &amp; the gr&eacute;be</p>"
    "<!-- jaguarundi --></body></html>\r\n";

// Subject 会議の件, body 来週の会議について、資料を準備してください。
const std::string kIso2022Jp = std::string(kHead) +
    "Subject: =?ISO-2022-JP?B?GyRCMnE1RCRON28bKEI=?=\r\n"
    "Content-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
    "\x1b$BMh=5$N2q5D$K$D$$$F!\";qNA$r=`Hw$7$F$/$@$5$$!#\x1b(B\r\n";

const std::string kAttachments = std::string(kHead) +
    "Subject: files\r\nContent-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n"
    "--XYZ\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
    "--XYZ\r\nContent-Type: application/vnd.ms-excel; name=\"Budget_Forecast_2027.xlsx\"\r\n"
    "Content-Disposition: attachment; filename=\"Budget_Forecast_2027.xlsx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "UEsDBBQABgAIAAAAIQBi7p1oXgEAAJAEAAATAAgCW0NvbnRlbnRfVHlwZXNdLnhtbCCiBAIooAAC\r\n"
    "--XYZ\r\nContent-Type: application/pdf\r\n"
    "Content-Disposition: attachment; filename*=UTF-8''%E4%BC%9A%E8%AD%B0%E8%B3%87%E6%96%99.pdf\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--XYZ--\r\n";

const std::string kJournalReport =
    "From: Exchange <journal@corp.example>\r\nTo: j@archive.test\r\nSubject: journal report\r\n"
    "X-MS-Journal-Report:\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"J1\"\r\n\r\n"
    "--J1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
    "Sender: ceo@corp.example\r\nSubject: Merger talks\r\nMessage-Id: <m1@corp.example>\r\n"
    "To: lawyer@outside.example\r\nCc: team@corp.example, Expanded: all@corp.example\r\n\r\n"
    "--J1\r\nContent-Type: message/rfc822\r\n\r\n"
    "From: ceo@corp.example\r\nTo: lawyer@outside.example\r\nSubject: Merger talks\r\n"
    "Message-ID: <m1@corp.example>\r\n\r\nThe ostrich plan is confidential.\r\n--J1--\r\n";

const std::string kGmailCopy =
    "X-Gm-Original-To: hidden@corp.example\r\nFrom: a@corp.example\r\nTo: b@corp.example\r\n"
    "Subject: gm copy\r\n\r\nThe heron flies.\r\n";

std::string Plain(const std::string& subject, const std::string& body, const std::string& date = "") {
  return "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: " + subject + "\r\nDate: " +
         (date.empty() ? "Fri, 27 Nov 2026 11:48:30 +0000" : date) + "\r\n\r\n" + body + "\r\n";
}

int64_t Utc(int y, int mo, int d) {
  std::tm t{};
  t.tm_year = y - 1900;
  t.tm_mon = mo - 1;
  t.tm_mday = d;
  return static_cast<int64_t>(timegm(&t)) * 1000000;
}

std::vector<uint64_t> Seqs(const SearchPage& page) {
  std::vector<uint64_t> out;
  for (const MessageSummary& m : page.messages) out.push_back(m.seq);
  return out;
}

using V = std::vector<uint64_t>;

TEST(FulltextSearch, FindsAWordInABase64BodyButNeverTheBase64Text) {
  FulltextArchive a;
  const uint64_t seq = a.Ingest(kBase64Body);
  a.WaitIndexed();
  EXPECT_EQ(a.Find("zephyrine"), V{seq});
  EXPECT_EQ(a.Find("\"quarterly numbers\""), V{seq});
  EXPECT_TRUE(a.Find("VGhlIHplcGh5cmluZSBxdWFydGVybHkgbnVtYmVycyBhcmUgYXR0YWNoZWQuCg").empty());
  EXPECT_TRUE(a.Find("VGhlIHplcGh5*").empty());
}

TEST(FulltextSearch, FindsAWordInAQuotedPrintableLatin1Body) {
  FulltextArchive a;
  const uint64_t seq = a.Ingest(kQuotedPrintableLatin1);
  a.WaitIndexed();
  EXPECT_EQ(a.Find("résumé"), V{seq});
  EXPECT_EQ(a.Find("resume"), V{seq});  // diacritics do not matter
  EXPECT_EQ(a.Find("\"réunion est prêt\""), V{seq});
  EXPECT_EQ(a.Find("DÉJEUNER"), V{seq});
  EXPECT_TRUE(a.Find("E9sum").empty());  // the encoded form is not text
  EXPECT_TRUE(a.Find("E9union").empty());
}

TEST(FulltextSearch, FindsAWordInAnHtmlOnlyBodyButNeverInsideTags) {
  FulltextArchive a;
  const uint64_t seq = a.Ingest(kHtmlOnly);
  a.WaitIndexed();
  EXPECT_EQ(a.Find("ocelot"), V{seq});
  EXPECT_EQ(a.Find("grebe"), V{seq});  // &eacute; decoded
  for (const char* hidden : {"kelpie", "xylograph", "marmoset", "tamarin", "jaguarundi", "class", "html", "eacute"})
    EXPECT_TRUE(a.Find(hidden).empty()) << hidden;
}

TEST(FulltextSearch, FindsJapaneseInAnIso2022JpSubjectAndBody) {
  FulltextArchive a;
  a.Ingest(Plain("会社の方針", "議事録は別途"));  // 会 and 議, but never 会議
  const uint64_t seq = a.Ingest(kIso2022Jp);
  a.WaitIndexed();
  EXPECT_EQ(a.Find("会議"), V{seq});
  EXPECT_EQ(a.Find("subject:会議"), V{seq});
  EXPECT_EQ(a.Find("subject:\"会議の件\""), V{seq});
  EXPECT_EQ(a.Find("資料"), V{seq});
  EXPECT_EQ(a.Find("body:準備"), V{seq});
  EXPECT_EQ(a.Find("\"会議について\""), V{seq});
  EXPECT_TRUE(a.Find("subject:資料").empty());
  MessageFilter f;
  f.text = "資料";
  auto page = a.Search(f);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->messages.size(), 1u);
  EXPECT_EQ(page->messages[0].subject, "会議の件");
  const SearchSnippet& snippet = *page->messages[0].snippet;
  ASSERT_EQ(snippet.highlights.size(), 1u);
  EXPECT_EQ(snippet.text.substr(snippet.highlights[0].first, snippet.highlights[0].second), "資料");
}

TEST(FulltextSearch, FindsAnAttachmentNameButNotItsContent) {
  FulltextArchive a;
  const uint64_t seq = a.Ingest(kAttachments);
  a.WaitIndexed();
  EXPECT_EQ(a.Find("attachment:forecast"), V{seq});
  EXPECT_EQ(a.Find("\"Budget Forecast 2027\""), V{seq});
  EXPECT_EQ(a.Find("attachment:資料"), V{seq});  // RFC 2231 name 会議資料.pdf
  EXPECT_EQ(a.Find("xlsx"), V{seq});
  EXPECT_TRUE(a.Find("body:forecast").empty());
  EXPECT_TRUE(a.Find("UEsDBBQABgAIAAAAIQBi7p1oXgEAAJAEAAATAAgCW0NvbnRlbnRfVHlwZXNdLnhtbCCiBAIooAAC").empty());
  EXPECT_TRUE(a.Find("JVBERi0xLjQK").empty());
}

TEST(FulltextSearch, AddressesOfEnvelopeHeadersAndRecordAreSearchable) {
  FulltextArchive a;
  const uint64_t journal = a.Ingest(kJournalReport, "<journal@corp.example>");
  const uint64_t plain = a.Ingest(Plain("hello", "nothing"), "<erin@envelope.example>", {"<frank@envelope.example>"});
  a.WaitIndexed();
  EXPECT_EQ(a.Find("address:lawyer@outside.example"), V{journal});
  EXPECT_EQ(a.Find("address:all@corp.example"), V{journal});  // the list a recipient was expanded from
  EXPECT_EQ(a.Find("address:erin@envelope.example"), V{plain});
  EXPECT_EQ(a.Find("address:frank@envelope.example"), V{plain});
  EXPECT_EQ(a.Find("address:bob@example.net"), V{plain});
  // The shown message of a journal report is the attached original.
  EXPECT_EQ(a.Find("subject:merger ostrich"), V{journal});
  EXPECT_TRUE(a.Find("subject:journal").empty());
}

TEST(FulltextSearch, RecipientsOfRecordMatchTheRecipientFilterWithAndWithoutText) {
  FulltextArchive a;
  const uint64_t journal = a.Ingest(kJournalReport, "<journal@corp.example>");
  const uint64_t gmail = a.Ingest(kGmailCopy);
  a.Ingest(Plain("other", "ostrich heron"));
  a.WaitIndexed();
  auto rcpt = [&](const std::string& address, std::optional<std::string> text) {
    MessageFilter f;
    f.rcpt_to = address;
    f.text = std::move(text);
    auto page = a.Search(f);
    EXPECT_TRUE(page.ok()) << page.status().message();
    return page.ok() ? Seqs(*page) : V{};
  };
  EXPECT_EQ(rcpt("lawyer@outside.example", std::nullopt), V{journal});
  EXPECT_EQ(rcpt("LAWYER@outside.example", "ostrich"), V{journal});
  EXPECT_EQ(rcpt("team@corp.example", std::nullopt), V{journal});
  EXPECT_EQ(rcpt("hidden@corp.example", std::nullopt), V{gmail});
  EXPECT_EQ(rcpt("hidden@corp.example", "heron"), V{gmail});
  EXPECT_TRUE(rcpt("hidden@corp.example", "ostrich").empty());
  EXPECT_EQ(rcpt("j@archive.test", "ostrich").size(), 2u);  // the envelope recipient, as before
}

TEST(FulltextSearch, CombinesWithSenderAndDateFilters) {
  FulltextArchive a;
  const uint64_t jan = a.Ingest(Plain("m", "manatee", "Sat, 10 Jan 2026 10:00:00 +0000"), "<a@x.example>");
  a.Ingest(Plain("m", "manatee", "Tue, 10 Mar 2026 10:00:00 +0000"), "<b@x.example>");
  const uint64_t may = a.Ingest(Plain("m", "manatee", "Sun, 10 May 2026 10:00:00 +0000"), "<a@x.example>");
  a.Ingest(Plain("m", "dolphin", "Sun, 10 May 2026 10:00:00 +0000"), "<a@x.example>");
  a.WaitIndexed();
  MessageFilter f;
  f.text = "manatee";
  f.mail_from = "a@x.example";
  auto page = a.Search(f);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Seqs(*page), (V{may, jan}));
  f.date_since = Utc(2026, 4, 1);
  page = a.Search(f);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Seqs(*page), V{may});
  f.date_since.reset();
  f.date_before = Utc(2026, 2, 1);
  f.subject = "m";
  page = a.Search(f);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Seqs(*page), V{jan});
}

TEST(FulltextSearch, SnippetMarksTheMatchedWordsByByteRange) {
  FulltextArchive a;
  a.Ingest(Plain("fox", "The quick brown Fox jumps over the lazy dog near the riverbank, and the fox rests."));
  a.WaitIndexed();
  MessageFilter f;
  f.text = "body:fox";
  auto page = a.Search(f);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->messages.size(), 1u);
  ASSERT_TRUE(page->messages[0].snippet);
  const SearchSnippet& s = *page->messages[0].snippet;
  ASSERT_EQ(s.highlights.size(), 2u) << s.text;
  EXPECT_EQ(s.text.substr(s.highlights[0].first, s.highlights[0].second), "Fox");
  EXPECT_EQ(s.text.substr(s.highlights[1].first, s.highlights[1].second), "fox");
  EXPECT_EQ(s.text.find('\x01'), std::string::npos);
  EXPECT_EQ(s.text.find('\x02'), std::string::npos);
  // Without text, no snippet.
  auto plain = a.Search(MessageFilter{});
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->messages[0].snippet);
}

TEST(FulltextSearch, RelevanceOrderPutsTheBestMatchFirstAndPagesByScore) {
  FulltextArchive a;
  std::string filler;
  for (int i = 0; i < 200; ++i) filler += "word" + std::to_string(i) + " ";
  const uint64_t weak = a.Ingest(Plain("a", filler + "heron " + filler));
  const uint64_t strong = a.Ingest(Plain("b", "heron heron heron"));
  const uint64_t weak2 = a.Ingest(Plain("c", filler + " heron"));
  a.WaitIndexed();
  MessageFilter f;
  f.text = "heron";
  auto newest = a.Search(f);
  ASSERT_TRUE(newest.ok());
  EXPECT_EQ(Seqs(*newest), (V{weak2, strong, weak}));
  f.by_relevance = true;
  auto best = a.Search(f);
  ASSERT_TRUE(best.ok());
  ASSERT_EQ(best->messages.size(), 3u);
  EXPECT_EQ(best->messages[0].seq, strong);
  // Page by page (one message each), through encoded cursors: each once.
  std::set<uint64_t> seen;
  std::optional<SearchPosition> after;
  for (int i = 0; i < 3; ++i) {
    auto page = a.Search(f, after, 1);
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->messages.size(), 1u);
    seen.insert(page->messages[0].seq);
    if (i < 2) {
      ASSERT_TRUE(page->next);
      auto decoded = DecodeSearchCursor(f, EncodeSearchCursor(f, *page->next));
      ASSERT_TRUE(decoded.ok());
      after = *decoded;
    } else {
      EXPECT_FALSE(page->next);
    }
  }
  EXPECT_EQ(seen, (std::set<uint64_t>{weak, strong, weak2}));
  // A relevance cursor is not a cursor of the newest-first search, nor the reverse.
  MessageFilter newest_filter = f;
  newest_filter.by_relevance = false;
  EXPECT_FALSE(DecodeSearchCursor(newest_filter, EncodeSearchCursor(f, SearchPosition{1, 2, -0.5})).ok());
  EXPECT_FALSE(DecodeSearchCursor(f, EncodeSearchCursor(newest_filter, SearchPosition{1, 2, 0})).ok());
}

TEST(FulltextSearch, CursorPagingIsStableUnderConcurrentIngest) {
  FulltextArchive a;
  for (int i = 0; i < 30; ++i) a.Ingest(Plain("p", "pagination " + std::to_string(i)));
  a.WaitIndexed();
  std::thread more([&] {
    for (int i = 30; i < 50; ++i) a.Ingest(Plain("p", "pagination " + std::to_string(i)));
  });
  MessageFilter f;
  f.text = "pagination";
  std::vector<uint64_t> all;
  std::optional<SearchPosition> after;
  for (int pages = 0; pages < 20; ++pages) {
    auto page = a.Search(f, after, 7);
    ASSERT_TRUE(page.ok()) << page.status().message();
    for (const MessageSummary& m : page->messages) all.push_back(m.seq);
    if (!page->next) break;
    auto decoded = DecodeSearchCursor(f, EncodeSearchCursor(f, *page->next));
    ASSERT_TRUE(decoded.ok());
    after = *decoded;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  more.join();
  for (size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i - 1], all[i]) << "not strictly newest first at " << i;
  const std::set<uint64_t> seen(all.begin(), all.end());
  EXPECT_EQ(seen.size(), all.size());
  for (uint64_t s = 0; s < 30; ++s) EXPECT_TRUE(seen.count(s)) << "seq " << s << " was skipped";
}

TEST(FulltextSearch, OldestFirstWalksUpFromTheCursor) {
  FulltextArchive a;
  for (int i = 0; i < 5; ++i) a.Ingest(Plain("p", "lemur"));
  a.WaitIndexed();
  MessageFilter f;
  f.text = "lemur";
  f.oldest_first = true;
  auto first = a.Search(f, std::nullopt, 2);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(Seqs(*first), (V{0, 1}));
  auto second = a.Search(f, first->next, 2);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(Seqs(*second), (V{2, 3}));
}

TEST(FulltextSearch, NewestFirstNeverSortsTheMatchSet) {
  FulltextArchive a;
  a.Ingest(Plain("p", "walrus report"));
  a.WaitIndexed();
  auto db = OpenDb(a.dir());
  for (const char* q : {"walrus", "walrus report"}) {
    for (bool with_position : {false, true}) {
      for (bool oldest : {false, true}) {
        MessageFilter f;
        f.text = q;
        f.oldest_first = oldest;
        auto plan = ExplainSearch(*db, f, with_position);
        ASSERT_TRUE(plan.ok()) << plan.status().message();
        std::string all;
        for (const std::string& l : *plan) all += l + "\n";
        EXPECT_EQ(plan->front().rfind("SCAN f VIRTUAL TABLE INDEX", 0), 0u) << all;  // FTS5 drives
        EXPECT_EQ(all.find("TEMP B-TREE"), std::string::npos) << "a sort:\n" << all;
        // Each match joined by its rowid: seq is the messages table's key (schema 008).
        EXPECT_NE(all.find("SEARCH m USING INTEGER PRIMARY KEY (rowid=?)"), std::string::npos) << all;
      }
    }
  }
  MessageFilter relevance;
  relevance.text = "walrus";
  relevance.by_relevance = true;
  auto plan = ExplainSearch(*db, relevance, false);
  ASSERT_TRUE(plan.ok());
  std::string all;
  for (const std::string& l : *plan) all += l + "\n";
  EXPECT_NE(all.find("TEMP B-TREE"), std::string::npos) << "relevance scores and sorts every match:\n" << all;
}

TEST(FulltextSearch, RecipientFilterReadsBothAddressIndexes) {
  FulltextArchive a;
  a.Ingest(kGmailCopy);
  a.WaitIndexed();
  auto db = OpenDb(a.dir());
  MessageFilter f;
  f.rcpt_to = "x@y";
  auto plan = ExplainSearch(*db, f, true);
  ASSERT_TRUE(plan.ok());
  std::string all;
  for (const std::string& l : *plan) all += l + "\n";
  EXPECT_NE(all.find("message_addresses_by_address"), std::string::npos) << all;
  EXPECT_NE(all.find("record_recipients_by_address"), std::string::npos) << all;
  EXPECT_EQ(all.find("SCAN m\n"), std::string::npos) << all;
}

TEST(FulltextSearch, BadQuerySyntaxIsInvalidArgumentNamingTheProblem) {
  FulltextArchive a;
  MessageFilter f;
  f.text = "(budget OR forecast";
  auto page = a.Search(f);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(page.status().message().find("'(' is not closed"), std::string::npos);
}

TEST(FulltextSearch, WithoutAnIndexTextSearchIsUnavailableAndFiltersStillWork) {
  FulltextArchive a({}, /*start_indexer=*/false, /*enabled=*/false);
  a.Ingest(kJournalReport);
  MessageFilter f;
  f.text = "ostrich";
  auto page = a.Search(f);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), Status::Code::kUnavailable);
  MessageFilter rcpt;
  rcpt.rcpt_to = "j@archive.test";
  page = a.Search(rcpt);
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_EQ(page->messages.size(), 1u);
  EXPECT_FALSE(page->fulltext);
}

TEST(FulltextSearch, APurgedMessageIsNoLongerFound) {
  FulltextArchive a;
  const uint64_t gone = a.Ingest(Plain("p", "narwhal secret"));
  const uint64_t kept = a.Ingest(Plain("p", "narwhal"));
  a.WaitIndexed();
  auto store = FulltextStore::Open(a.dir());  // a second writer connection, as a purge would use
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Remove(gone).ok());
  EXPECT_EQ(a.Find("narwhal"), V{kept});
  EXPECT_TRUE(a.Find("secret").empty());
}

TEST(FulltextSearch, PagesSayHowFarTheIndexLags) {
  FulltextArchive a;
  a.Ingest(Plain("p", "okapi"));
  a.WaitIndexed();
  MessageFilter f;
  f.text = "okapi";
  auto page = a.Search(f);
  ASSERT_TRUE(page.ok());
  ASSERT_TRUE(page->fulltext);
  EXPECT_EQ(page->fulltext->indexed_through_seq, 0);
  EXPECT_EQ(page->fulltext->committed_seq, 0);
  EXPECT_EQ(page->fulltext->lag_messages, 0u);
  EXPECT_FALSE(page->fulltext->oldest_unindexed_received_us);
  a.StopIndexer();
  const uint64_t first_unindexed = a.Ingest(Plain("p", "okapi"));
  a.Ingest(Plain("p", "okapi"));
  page = a.Search(f);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->messages.size(), 1u);
  EXPECT_EQ(page->fulltext->indexed_through_seq, 0);
  EXPECT_EQ(page->fulltext->committed_seq, 2);
  EXPECT_EQ(page->fulltext->lag_messages, 2u);
  MessageFilter all;
  all.oldest_first = true;
  auto listed = a.Search(all);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(page->fulltext->oldest_unindexed_received_us, listed->messages[first_unindexed].received_us);
}

TEST(FulltextSearch, TextIsPartOfTheCursorsFilter) {
  MessageFilter a, b;
  a.text = "x";
  b.text = "y";
  EXPECT_FALSE(DecodeSearchCursor(b, EncodeSearchCursor(a, SearchPosition{1, 2})).ok());
  MessageFilter none;
  EXPECT_EQ(none.Canonical().find("text"), std::string::npos);  // older cursors stay valid
}

}  // namespace
}  // namespace chainmail::testing
