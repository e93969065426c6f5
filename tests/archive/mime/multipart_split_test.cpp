// SplitMultipart and GuessBoundary: delimiter lines, the line break that belongs to the
// delimiter, preamble/epilogue, missing close delimiters, the part bound.
#include "archive/mime/multipart_split.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chainmail {
namespace {

std::vector<std::string> Parts(std::string_view body, const MultipartSplit& split) {
  std::vector<std::string> parts;
  for (const ByteRange& r : split.parts) parts.emplace_back(body.substr(r.begin, r.end - r.begin));
  return parts;
}

using Strings = std::vector<std::string>;

TEST(MultipartSplitTest, PreambleAndEpilogueAreNotParts) {
  const std::string body = "preamble\r\n--b\r\none\r\n--b\r\ntwo\r\n--b--\r\nepilogue\r\n";
  const MultipartSplit split = SplitMultipart(body, "b", 100);
  EXPECT_EQ(Parts(body, split), (Strings{"one", "two"}));
  EXPECT_TRUE(split.closed);
  EXPECT_EQ(split.delimiters, 3u);
}

TEST(MultipartSplitTest, LineBreakBeforeDelimiterBelongsToIt) {
  const std::string body = "--b\r\none\r\n\r\n--b\ntwo\n--b\rthree\r--b--";
  EXPECT_EQ(Parts(body, SplitMultipart(body, "b", 100)), (Strings{"one\r\n", "two", "three"}));
}

TEST(MultipartSplitTest, TrailingWhitespaceAfterDelimiterIsAllowed) {
  const std::string body = "--b \t\r\none\r\n--b--  \r\n";
  const MultipartSplit split = SplitMultipart(body, "b", 100);
  EXPECT_EQ(Parts(body, split), Strings{"one"});
  EXPECT_TRUE(split.closed);
}

TEST(MultipartSplitTest, LongerBoundaryOrTextAfterItIsNotADelimiter) {
  const std::string body = "--b\r\n--bc\r\n--b x\r\n --b\r\n--b---\r\n--b--\r\n";
  EXPECT_EQ(Parts(body, SplitMultipart(body, "b", 100)),
            Strings{"--bc\r\n--b x\r\n --b\r\n--b---"});
}

TEST(MultipartSplitTest, MissingCloseDelimiterRunsToTheEnd) {
  const std::string body = "--b\r\none\r\n--b\r\ntwo\r\n";
  const MultipartSplit split = SplitMultipart(body, "b", 100);
  EXPECT_EQ(Parts(body, split), (Strings{"one", "two\r\n"}));
  EXPECT_FALSE(split.closed);
}

TEST(MultipartSplitTest, EmptyPartsAndDelimiterAtEndOfData) {
  const std::string body = "--b\r\n--b\r\n\r\n--b";
  EXPECT_EQ(Parts(body, SplitMultipart(body, "b", 100)), (Strings{"", "", ""}));
}

TEST(MultipartSplitTest, NoDelimiterMeansNoParts) {
  const MultipartSplit split = SplitMultipart("just text\r\n-- b\r\n", "b", 100);
  EXPECT_TRUE(split.parts.empty());
  EXPECT_EQ(split.delimiters, 0u);
}

TEST(MultipartSplitTest, StopsAfterMaxParts) {
  const std::string body = "--b\r\n1\r\n--b\r\n2\r\n--b\r\n3\r\n--b--\r\n";
  const MultipartSplit split = SplitMultipart(body, "b", 2);
  EXPECT_EQ(Parts(body, split), (Strings{"1", "2"}));
  EXPECT_TRUE(split.more_parts);
}

TEST(MultipartSplitTest, BoundaryWithRegexAndSpaceCharacters) {
  const std::string body = "--(a+b)? c\r\nx\r\n--(a+b)? c--\r\n";
  EXPECT_EQ(Parts(body, SplitMultipart(body, "(a+b)? c", 10)), Strings{"x"});
}

TEST(MultipartSplitTest, GuessBoundaryTakesTheFirstDashLineThatRepeats) {
  EXPECT_EQ(GuessBoundary("intro\r\n--real\r\nx\r\n--real--\r\n"), "real");
  EXPECT_EQ(GuessBoundary("--real  \r\nx\r\n--real\r\ny\r\n"), "real");
  EXPECT_EQ(GuessBoundary("text\r\n-- \r\nsignature\r\n"), "");        // a signature separator
  EXPECT_EQ(GuessBoundary("---- Forwarded ----\r\nFrom: x\r\n"), "");  // once only
  EXPECT_EQ(GuessBoundary("--only--\r\n--only--\r\n"), "");            // a close first
  EXPECT_EQ(GuessBoundary(""), "");
}

TEST(MultipartSplitTest, LinearOnManyLinesAndLongBoundary) {
  // 4 MB of dash lines against a 70-character boundary that almost matches each line.
  const std::string boundary(70, '-');
  std::string body;
  while (body.size() < (4u << 20)) body += std::string(71, '-') + "x\r\n";
  const MultipartSplit split = SplitMultipart(body, boundary, 1000);
  EXPECT_EQ(split.delimiters, 0u);
}

}  // namespace
}  // namespace chainmail
