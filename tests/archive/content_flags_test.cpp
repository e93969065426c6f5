#include "archive/content_flags.h"

#include <gtest/gtest.h>

#include "archive/format/payload_tags.h"

namespace chainmail {
namespace {

using namespace msgflag;

TEST(ContentFlags, CleanMessageHasNone) {
  EXPECT_EQ(ComputeContentFlags("Subject: x\r\n\r\nbody\r\n"), 0u);
}

TEST(ContentFlags, EachOddityIsFlagged) {
  EXPECT_EQ(ComputeContentFlags("A: b\r\n\r\nx\ry\r\n"), kBareCr);
  EXPECT_EQ(ComputeContentFlags("A: b\r\n\r\nx\ny\r\n"), kBareLf);
  EXPECT_EQ(ComputeContentFlags(std::string("A: b\r\n\r\nx\0y\r\n", 13)), kNul);
  EXPECT_EQ(ComputeContentFlags("A: b\r\n\r\n\xc3\xa9\r\n"), kEightBit);
  EXPECT_EQ(ComputeContentFlags("A: b\r\n\r\n" + std::string(999, 'x') + "\r\n"), kLongLine);
  EXPECT_EQ(ComputeContentFlags("A: b\r\n\r\n" + std::string(998, 'x') + "\r\n"), 0u);
  EXPECT_EQ(ComputeContentFlags("A: b\r\n"), kNoHeaderEnd);
}

TEST(ContentFlags, CrAtEndOfInputIsBare) {
  EXPECT_EQ(ComputeContentFlags("A: b\r\n\r\nx\r"), kBareCr);
}

TEST(ContentFlags, SplitAnywhereGivesTheSameFlags) {
  const std::string m = "A: b\n\r\nx\r\ry\r\n" + std::string(1200, 'z') + "\r\n\xff";
  const uint32_t whole = ComputeContentFlags(m);
  for (size_t cut = 0; cut <= m.size(); ++cut) {
    ContentFlagScanner s;
    s.Update(std::string_view(m).substr(0, cut));
    s.Update(std::string_view(m).substr(cut));
    ASSERT_EQ(s.Finish(), whole) << cut;
  }
}

}  // namespace
}  // namespace chainmail
