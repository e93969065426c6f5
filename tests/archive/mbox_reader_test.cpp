#include "archive/mbox_reader.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace chainmail {
namespace {

std::vector<std::pair<std::string, std::string>> Split(const std::string& mbox) {
  std::FILE* f = fmemopen(const_cast<char*>(mbox.data()), mbox.size(), "rb");
  std::vector<std::pair<std::string, std::string>> out;
  Status s = ReadMbox(
      f, [&](const MboxMessageStart& m) { out.push_back({MboxSender(m.from_line), ""}); return Status::Ok(); },
      [&](std::string_view b) { out.back().second.append(b); }, [] { return Status::Ok(); });
  std::fclose(f);
  EXPECT_TRUE(s.ok());
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

TEST(MboxReader, RecognisesMboxByItsFirstLine) {
  EXPECT_TRUE(LooksLikeMbox("From a@b"));
  EXPECT_FALSE(LooksLikeMbox("From: a@b"));
  EXPECT_FALSE(LooksLikeMbox(""));
}

}  // namespace
}  // namespace chainmail
