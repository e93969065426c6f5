// CommandLineReader: line assembly across chunks, terminators, and the length bound.
#include "service/smtp/command_line_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace chainmail::smtp {
namespace {

using Event = CommandLineReader::Event;

TEST(CommandLineReaderTest, CrlfLineIsReturnedWithoutTerminator) {
  CommandLineReader r(512);
  size_t used = 0;
  EXPECT_EQ(r.Feed("NOOP\r\nQUIT\r\n", &used), Event::kLine);
  EXPECT_EQ(used, 6u);
  EXPECT_EQ(r.line(), "NOOP");
}

TEST(CommandLineReaderTest, BareLfEndsALine) {
  CommandLineReader r(512);
  size_t used = 0;
  EXPECT_EQ(r.Feed("NOOP\nx", &used), Event::kLine);
  EXPECT_EQ(used, 5u);
  EXPECT_EQ(r.line(), "NOOP");
}

TEST(CommandLineReaderTest, LineAssembledAcrossFeeds) {
  CommandLineReader r(512);
  size_t used = 0;
  EXPECT_EQ(r.Feed("MAIL FR", &used), Event::kNeedMore);
  EXPECT_EQ(used, 7u);
  EXPECT_EQ(r.Feed("OM:<a@b>\r", &used), Event::kNeedMore);
  EXPECT_EQ(r.Feed("\nNOOP\r\n", &used), Event::kLine);
  EXPECT_EQ(used, 1u);
  EXPECT_EQ(r.line(), "MAIL FROM:<a@b>");
  EXPECT_EQ(r.Feed("NOOP\r\n", &used), Event::kLine);
  EXPECT_EQ(r.line(), "NOOP");
}

TEST(CommandLineReaderTest, LengthBoundIncludesTerminator) {
  CommandLineReader r(10);
  size_t used = 0;
  EXPECT_EQ(r.Feed("12345678\r\n", &used), Event::kLine);
  EXPECT_EQ(r.Feed("123456789\r\n", &used), Event::kTooLong);
  EXPECT_EQ(used, 11u);
  EXPECT_EQ(r.Feed("123456789\n", &used), Event::kLine);
}

TEST(CommandLineReaderTest, OverlongLineInPiecesIsDiscardedUntilItsEnd) {
  CommandLineReader r(10);
  size_t used = 0;
  EXPECT_EQ(r.Feed("123456", &used), Event::kNeedMore);
  EXPECT_EQ(r.Feed("7890", &used), Event::kNeedMore);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(r.Feed("xxxxxxxxxxxxxxxxxxxx", &used), Event::kNeedMore);
  EXPECT_EQ(r.Feed("end\r\nNOOP\r\n", &used), Event::kTooLong);
  EXPECT_EQ(used, 5u);
  EXPECT_EQ(r.Feed("NOOP\r\n", &used), Event::kLine);
  EXPECT_EQ(r.line(), "NOOP");
}

TEST(CommandLineReaderTest, ClearDropsPartialLine) {
  CommandLineReader r(512);
  size_t used = 0;
  r.Feed("MAIL FR", &used);
  r.Clear();
  EXPECT_EQ(r.Feed("OM:<a@b>\r\n", &used), Event::kLine);
  EXPECT_EQ(r.line(), "OM:<a@b>");
}

}  // namespace
}  // namespace chainmail::smtp
