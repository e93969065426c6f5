// HtmlToText: readable, searchable text from HTML parts, and nothing from inside tags.
#include "archive/mime/html_text.h"

#include <gtest/gtest.h>

#include <random>

#include "archive/format/utf8.h"

namespace chainmail {
namespace {

constexpr size_t kNoCap = 1 << 24;

std::string Text(std::string_view html, size_t max_out = kNoCap) { return HtmlToText(html, max_out); }

TEST(HtmlTextTest, TagsAreRemovedAndInlineTextJoins) {
  EXPECT_EQ(Text("<b>Hel</b>lo <i>world</i><span>!</span>"), "Hello world!");
  EXPECT_EQ(Text("plain text, no tags"), "plain text, no tags");
  EXPECT_EQ(Text(""), "");
}

TEST(HtmlTextTest, ScriptContentNeverReachesText) {
  EXPECT_EQ(Text("a<script>var secret = '<p>x</p>'; if (a<b) {}</script>b"), "ab");
  EXPECT_EQ(Text("a<SCRIPT type=text/javascript>secret</ScRiPt >b"), "ab");
  EXPECT_EQ(Text("a<script>x</scriptfoo>secret</script>b"), "ab");  // not its end tag
}

TEST(HtmlTextTest, UnclosedScriptSwallowsTheRest) {
  EXPECT_EQ(Text("visible<script>secret <b>more secret</b>"), "visible");
}

TEST(HtmlTextTest, StyleAndTemplateContentNeverReachText) {
  EXPECT_EQ(Text("<style>p { color: secret }</style><p>shown</p><template>secret</template>"),
            "shown");
  EXPECT_EQ(Text("<head><title>Subject line</title><style>.x{}</style></head><body>hi</body>"),
            "Subject line\nhi");
}

TEST(HtmlTextTest, AttributeValueNeverReachesText) {
  const std::string text = Text(
      "<a href=\"http://secretword.example/\" title='secretword'>link</a> "
      "<img src=x alt=\"secretword\" onerror=\"secretword()\"> "
      "<div style=\"font-family: secretword\" data-x=secretword>body</div>");
  EXPECT_EQ(text.find("secretword"), std::string::npos) << text;
  EXPECT_EQ(text, "link\nbody");
}

TEST(HtmlTextTest, GreaterThanInsideQuotedAttributeDoesNotEndTheTag) {
  EXPECT_EQ(Text("<a title=\"a > secret\" href='b>c'>text</a>"), "text");
  EXPECT_EQ(Text("<p class = \"x>y\">text"), "text");
}

TEST(HtmlTextTest, UnclosedAttributeQuoteRunsToTheEnd) {
  EXPECT_EQ(Text("before<a title=\"secret>after"), "before");
}

TEST(HtmlTextTest, CommentsAndConditionalCommentsAreDropped) {
  EXPECT_EQ(Text("a<!-- secret -->b<!--[if mso]><p>secret</p><![endif]-->c"), "abc");
  EXPECT_EQ(Text("a<!-->b<!--->c"), "abc");
  EXPECT_EQ(Text("a<!-- never closed secret"), "a");
  EXPECT_EQ(Text("<![if !mso]>shown<![endif]>"), "shown");
}

TEST(HtmlTextTest, DoctypeCdataAndProcessingInstructionsAreDropped) {
  EXPECT_EQ(Text("<!DOCTYPE html><?xml version=\"1.0\"?><![CDATA[x]]>text</>"), "text");
}

TEST(HtmlTextTest, BlockElementsBecomeLineBreaks) {
  EXPECT_EQ(Text("<p>one</p><p>two</p>"), "one\n\ntwo");
  EXPECT_EQ(Text("<div>a</div><div>b</div>c"), "a\nb\nc");
  EXPECT_EQ(Text("line1<br>line2<br/>line3<BR />"), "line1\nline2\nline3");
  EXPECT_EQ(Text("<ul><li>x</li><li>y</li></ul>"), "x\ny");
  EXPECT_EQ(Text("<h1>Title</h1>text<hr>end"), "Title\n\ntext\n\nend");
  EXPECT_EQ(Text("a<br><br><br><br>b"), "a\n\nb");  // at most one blank line
}

TEST(HtmlTextTest, TableCellsAreSeparatedByTabs) {
  EXPECT_EQ(Text("<table><tr><td>a</td><td>b</td></tr><tr><th>c</th><td>d</td></tr></table>"),
            "a\tb\nc\td");
}

TEST(HtmlTextTest, WhitespaceCollapsesAndDoesNotLeadOrTrail) {
  EXPECT_EQ(Text("  \r\n <p>  many \t\n spaces  </p>\n "), "many spaces");
}

TEST(HtmlTextTest, PreformattedTextKeepsItsWhitespace) {
  EXPECT_EQ(Text("x<pre>a  b\n  c</pre>y"), "x\n\na  b\n  c\n\ny");
  EXPECT_EQ(Text("<pre>\n  indented</pre>"), "indented");  // nothing leads the text
}

TEST(HtmlTextTest, NamedReferencesDecode) {
  EXPECT_EQ(Text("&lt;tag&gt; &amp; &quot;q&quot; &apos;s &eacute;t&eacute; &euro;5 &hellip;"),
            "<tag> & \"q\" 's été €5 …");
  EXPECT_EQ(Text("&Eacute;&eacute;"), "Éé");
}

TEST(HtmlTextTest, NbspSeparatesWordsLikeASpace) {
  EXPECT_EQ(Text("one&nbsp;two&nbsp;&nbsp;three"), "one two three");
}

TEST(HtmlTextTest, NumericReferencesDecode) {
  EXPECT_EQ(Text("&#65;&#x42;&#X43;&#233;&#x1F600;"), "ABCé😀");
  EXPECT_EQ(Text("&#65 &#x42"), "A B");  // ';' optional
  EXPECT_EQ(Text("&#150; &#x80;"), "– €");  // Windows-1252 range
}

TEST(HtmlTextTest, InvalidCodePointsBecomeReplacementCharacter) {
  EXPECT_EQ(Text("&#0;&#xD800;&#x110000;&#99999999999999999999;"), "\uFFFD\uFFFD\uFFFD\uFFFD");
}

TEST(HtmlTextTest, UnknownOrIncompleteReferencesStayAsWritten) {
  EXPECT_EQ(Text("AT&T &bogus; &# &#x; a&b &amp"), "AT&T &bogus; &# &#x; a&b &");
  EXPECT_EQ(Text("&copy2024"), "&copy2024");
}

TEST(HtmlTextTest, LessThanThatStartsNoTagIsText) {
  EXPECT_EQ(Text("if a < b and 3<4 then <"), "if a < b and 3<4 then <");
}

TEST(HtmlTextTest, EntityEncodedMarkupIsTextNotTags) {
  EXPECT_EQ(Text("&lt;script&gt;alert(1)&lt;/script&gt;"), "<script>alert(1)</script>");
}

TEST(HtmlTextTest, InvalidUtf8InputIsRepaired) {
  const std::string text = Text("caf\xE9 <b>ok</b>");
  EXPECT_TRUE(IsValidUtf8(text));
  EXPECT_EQ(text, "caf\uFFFD ok");
}

TEST(HtmlTextTest, OutputIsCappedOnACharacterBoundary) {
  EXPECT_EQ(Text("<p>ab€cd</p>", 4), "ab");
  EXPECT_EQ(Text("<p>abc</p><p>def</p>", 4), "abc");  // no dangling separator
  EXPECT_EQ(Text("<p>abc</p><p>def</p>", 6), "abc\n\nd");
  EXPECT_EQ(Text("abc", 0), "");
}

TEST(HtmlTextTest, HostileMarkupStaysLinear) {
  // Each construct would be quadratic with a naive "search for the end again" scan.
  const std::string lt(1 << 20, '<');
  EXPECT_EQ(Text(lt), lt);
  std::string scripts;
  for (int i = 0; i < 100000; ++i) scripts += "</scrip";
  EXPECT_EQ(Text("<script>" + scripts), "");
  std::string amps;
  for (int i = 0; i < 100000; ++i) amps += "&#99999999999";
  EXPECT_EQ(Text(amps).size(), 100000u * 3);
}

TEST(HtmlTextTest, RandomBytesGiveValidUtf8) {
  std::mt19937 rng(7);
  const std::string_view alphabet = "<>/&#;=\"' abcxyzp!-?\n\xC3\xA9\xFF";
  for (int round = 0; round < 2000; ++round) {
    std::string html;
    const size_t length = rng() % 200;
    for (size_t i = 0; i < length; ++i) html.push_back(alphabet[rng() % alphabet.size()]);
    const std::string text = Text(html, rng() % 64);
    ASSERT_TRUE(IsValidUtf8(text)) << html;
  }
}

}  // namespace
}  // namespace chainmail
