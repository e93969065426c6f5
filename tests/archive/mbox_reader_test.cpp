#include "archive/mbox_reader.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace chainmail {
namespace {

using namespace std::string_literals;

using Messages = std::vector<std::pair<std::string, std::string>>;  // (sender, bytes)

Messages Split(const std::string& mbox, size_t* largest_write = nullptr) {
  std::FILE* f = fmemopen(const_cast<char*>(mbox.data()), mbox.size(), "rb");
  Messages out;
  Status s = ReadMbox(
      f, [&](const MboxMessageStart& m) { out.push_back({MboxSender(m.from_line), ""}); return Status::Ok(); },
      [&](std::string_view b) {
        out.back().second.append(b);
        if (largest_write) *largest_write = std::max(*largest_write, b.size());
      },
      [] { return Status::Ok(); });
  std::fclose(f);
  EXPECT_TRUE(s.ok());
  return out;
}

// The same mailbox fed `step` bytes at a time.
Messages SplitInSteps(const std::string& mbox, size_t step) {
  Messages out;
  MboxReader reader([&](const MboxMessageStart& m) { out.push_back({MboxSender(m.from_line), ""}); return Status::Ok(); },
                    [&](std::string_view b) { out.back().second.append(b); }, [] { return Status::Ok(); });
  for (size_t i = 0; i < mbox.size(); i += step) EXPECT_TRUE(reader.Feed(std::string_view(mbox).substr(i, step)).ok());
  EXPECT_TRUE(reader.Finish().ok());
  return out;
}

TEST(MboxReader, SplitsMessagesAndDropsSeparators) {
  auto m = Split("From a@x Thu Nov 26 10:00:00 2026\nSubject: 1\n\nbody one\n\n"
                 "From b@y Thu Nov 26 10:00:01 2026\nSubject: 2\n\nbody two\n");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].first, "a@x");
  EXPECT_EQ(m[0].second, "Subject: 1\n\nbody one\n");
  EXPECT_EQ(m[1].first, "b@y");
  EXPECT_EQ(m[1].second, "Subject: 2\n\nbody two\n");
}

TEST(MboxReader, QuotedFromLinesAreUnquotedOneLevel) {
  auto m = Split("From a@x date\n\n>From here\n>>From there\nFrom inside without blank line\n");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].second, "\nFrom here\n>From there\nFrom inside without blank line\n");
}

TEST(MboxReader, CrlfLinesArePassedThrough) {
  auto m = Split("From a@x date\r\nSubject: c\r\n\r\nbody\r\n\r\nFrom b@y date\r\nX: y\r\n");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].second, "Subject: c\r\n\r\nbody\r\n");
  EXPECT_EQ(m[1].second, "X: y\r\n");
}

TEST(MboxReader, LastLineWithoutLineEndAndNulsAreKeptExactly) {
  const std::string body("X: \0y\n\n\0\r\r\n>\n>>\n>Fro\n\r", 23);
  auto m = Split("From a@x date\n" + body);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].second, body);
}

TEST(MboxReader, ExtraEmptyLinesBeforeFromStayInTheMessageButTheLastOne) {
  auto m = Split("From a@x d\nA: 1\n\n\n\r\n\nFrom b@y d\nB: 2\n\n\n");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].second, "A: 1\n\n\n\r\n");
  EXPECT_EQ(m[1].second, "B: 2\n\n");
}

TEST(MboxReader, LoneFromLineIsAnEmptyMessage) {
  auto m = Split("From a@x Thu Nov 26 10:00:00 2026\n");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].first, "a@x");
  EXPECT_EQ(m[0].second, "");
}

TEST(MboxReader, AnySplitOfTheInputGivesTheSameMessages) {
  const std::string mbox =
      "\xEF\xBB\xBF" "From a@x d\r\nSubject: 1\r\n\r\n>From q\r\n>>>From qq\r\n>Fro\r\n\r\r\nFrom no\r\n\r\n"
      "\r\nFrom b@y d\nX: 2\n\n>\n>>\n>From\n\nFrom c@z d\n\0NUL\n\nFrom d@w d"s;
  const Messages whole = Split(mbox);
  ASSERT_EQ(whole.size(), 4u);
  EXPECT_EQ(whole[0].first, "a@x");
  EXPECT_EQ(whole[0].second, "Subject: 1\r\n\r\nFrom q\r\n>>From qq\r\n>Fro\r\n\r\r\nFrom no\r\n\r\n");
  EXPECT_EQ(whole[1].second, "X: 2\n\n>\n>>\n>From\n");
  EXPECT_EQ(whole[2].second, std::string("\0NUL\n", 5));
  EXPECT_EQ(whole[3].first, "d@w");
  EXPECT_EQ(whole[3].second, "");
  for (size_t step : {1, 2, 3, 5, 7, 64})
    EXPECT_EQ(SplitInSteps(mbox, step), whole) << "fed " << step << " bytes at a time";
}

TEST(MboxReader, LongLineReachesWriteInBoundedPieces) {
  // A line far longer than any buffer, with a quoted From_ and an empty line after it.
  const std::string line = std::string(3 << 20, 'x') + "\n";
  size_t largest_write = 0;
  auto m = Split("From a@x d\nSubject: long\n\n" + line + ">From y\n\n" + line + "\nFrom b@y d\n" + line,
                 &largest_write);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].second, "Subject: long\n\n" + line + "From y\n\n" + line);
  EXPECT_EQ(m[1].second, line);
  EXPECT_LE(largest_write, 64u * 1024);
}

TEST(MboxReader, ByteOrderMarkBeforeTheFirstFromLineIsSkipped) {
  auto m = Split("\xEF\xBB\xBF" "From a@x d\nA: 1\n\nFrom b@y d\nB: 2\n");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].first, "a@x");
  EXPECT_EQ(m[0].second, "A: 1\n");
  EXPECT_EQ(m[1].second, "B: 2\n");
}

TEST(MboxReader, RecognisesMboxByItsFirstLine) {
  EXPECT_TRUE(LooksLikeMbox("From a@b"));
  EXPECT_FALSE(LooksLikeMbox("From: a@b"));
  EXPECT_FALSE(LooksLikeMbox(""));
  EXPECT_FALSE(LooksLikeMbox("\n\n"));
  EXPECT_FALSE(LooksLikeMbox("Subject: x\n\nFrom a@b"));
  EXPECT_FALSE(LooksLikeMbox(" From a@b"));
}

TEST(MboxReader, RecognisesMboxAfterByteOrderMarkAndEmptyLines) {
  EXPECT_TRUE(LooksLikeMbox("\nFrom a@b Thu Nov 27 10:00:00 2026\n"));
  EXPECT_TRUE(LooksLikeMbox("\r\n\n\r\nFrom a@b"));
  EXPECT_TRUE(LooksLikeMbox("\xEF\xBB\xBF" "From a@b"));
  EXPECT_TRUE(LooksLikeMbox("\xEF\xBB\xBF\nFrom a@b"));
}

}  // namespace
}  // namespace chainmail
