// DotUnstuffer on its own: what it consumes, what it emits and in how many slices.
#include "service/smtp/dot_unstuffer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chainmail::smtp {
namespace {

using namespace std::string_literals;

class RecordingSink : public ContentSink {
 public:
  void Append(std::string_view bytes) override {
    slices.emplace_back(bytes);
    content.append(bytes);
  }
  std::vector<std::string> slices;
  std::string content;
};

TEST(DotUnstufferTest, StopsRightAfterEndMarkerLeavingPipelinedBytes) {
  DotUnstuffer d;
  RecordingSink sink;
  const std::string input = "Hi\r\n.\r\nQUIT\r\n";
  EXPECT_EQ(d.Decode(input, sink), 7u);
  EXPECT_TRUE(d.finished());
  EXPECT_EQ(sink.content, "Hi\r\n");
}

TEST(DotUnstufferTest, WithoutEndMarkerConsumesEverything) {
  DotUnstuffer d;
  RecordingSink sink;
  EXPECT_EQ(d.Decode("abc\r\n.", sink), 6u);
  EXPECT_FALSE(d.finished());
  EXPECT_EQ(sink.content, "abc\r\n");  // the dot is held back until the next byte
  EXPECT_EQ(d.Decode("\r", sink), 1u);
  EXPECT_EQ(sink.content, "abc\r\n");
  EXPECT_EQ(d.Decode("\n", sink), 1u);
  EXPECT_TRUE(d.finished());
  EXPECT_EQ(sink.content, "abc\r\n");
}

TEST(DotUnstufferTest, HeldDotCrIsReleasedWhenNotTheEnd) {
  DotUnstuffer d;
  RecordingSink sink;
  d.Decode("a\r\n.\r", sink);
  d.Decode("b", sink);
  EXPECT_EQ(sink.content, "a\r\n\rb");
  EXPECT_TRUE(d.smuggling_seen());
  EXPECT_FALSE(d.finished());
}

TEST(DotUnstufferTest, PlainTextIsOneSlice) {
  DotUnstuffer d;
  RecordingSink sink;
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "line of text with a dot. in it\r\n";
  d.Decode(text, sink);
  EXPECT_EQ(sink.slices.size(), 1u);
  EXPECT_EQ(sink.content, text);
  EXPECT_FALSE(d.smuggling_seen());
}

TEST(DotUnstufferTest, StuffedDotSplitsTheSliceOnce) {
  DotUnstuffer d;
  RecordingSink sink;
  d.Decode("a\r\n..b\r\n", sink);
  EXPECT_EQ(sink.slices, (std::vector<std::string>{"a\r\n", ".b\r\n"}));
}

TEST(DotUnstufferTest, ResetStartsAFreshMessageAtLineStart) {
  DotUnstuffer d;
  RecordingSink sink;
  d.Decode("x\n.\n\r\n.\r\n", sink);
  EXPECT_TRUE(d.finished());
  EXPECT_TRUE(d.smuggling_seen());
  d.Reset();
  EXPECT_FALSE(d.finished());
  EXPECT_FALSE(d.smuggling_seen());
  RecordingSink second;
  EXPECT_EQ(d.Decode(".\r\n", second), 3u);
  EXPECT_TRUE(d.finished());
  EXPECT_EQ(second.content, "");
}

TEST(DotUnstufferTest, NulsAfterCrlfThenDotAreFlaggedAndKept) {
  DotUnstuffer d;
  RecordingSink sink;
  d.Decode("a\r\n\0\0.\n"s, sink);
  EXPECT_TRUE(d.smuggling_seen());
  EXPECT_EQ(sink.content, "a\r\n\0\0.\n"s);
}

TEST(DotUnstufferTest, DotBetweenOrdinaryBytesIsNotSmuggling) {
  DotUnstuffer d;
  RecordingSink sink;
  d.Decode("a\n.b\r.c\r\n\0.d\r\n"s, sink);
  EXPECT_FALSE(d.smuggling_seen());
  EXPECT_EQ(sink.content, "a\n.b\r.c\r\n\0.d\r\n"s);
}

}  // namespace
}  // namespace chainmail::smtp
