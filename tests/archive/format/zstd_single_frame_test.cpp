// The bounded decoder takes exactly one zstd data frame: what rides along a verified frame
// (a skippable frame, a second frame, trailing bytes) would pass unchecked otherwise.
#include <gtest/gtest.h>
#include <zstd.h>

#include <cstdint>

#include "archive/format/zstd_bounded.h"

namespace chainmail {
namespace {

const std::string kRaw = "the archived message, 1234567890 1234567890 1234567890\r\n";

std::string Frame(const std::string& raw) {
  std::string out(ZSTD_compressBound(raw.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), raw.data(), raw.size(), 3));
  return out;
}

std::string Skippable(const std::string& data) {
  std::string out;
  for (uint32_t v : {uint32_t{ZSTD_MAGIC_SKIPPABLE_START}, static_cast<uint32_t>(data.size())})
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
  return out + data;
}

// Feeds `data` in pieces of `piece` bytes; the first error, or Finish's verdict.
Status FeedInPieces(const std::string& data, size_t piece) {
  BoundedZstdDecoder d(1 << 20);
  auto ignore = [](std::string_view) { return Status::Ok(); };
  for (size_t off = 0; off < data.size(); off += piece)
    if (Status s = d.Feed(std::string_view(data).substr(off, piece), ignore); !s.ok()) return s;
  return d.Finish();
}

void ExpectRejected(const std::string& data) {
  EXPECT_EQ(DecompressBounded(data, 1 << 20).status().code(), Status::Code::kCorruption);
  for (size_t piece : {size_t{1}, size_t{3}, size_t{5}, data.size()})
    EXPECT_EQ(FeedInPieces(data, piece).code(), Status::Code::kCorruption) << "pieces of " << piece;
}

TEST(ZstdSingleFrame, OneFrameEndingAtTheLastByteIsAccepted) {
  auto r = DecompressBounded(Frame(kRaw), kRaw.size());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, kRaw);
  for (size_t piece : {size_t{1}, size_t{3}, size_t{5}}) EXPECT_TRUE(FeedInPieces(Frame(kRaw), piece).ok());
}

TEST(ZstdSingleFrame, SkippableFrameAfterTheFrameIsCorruption) {
  ExpectRejected(Frame(kRaw) + Skippable("arbitrary hidden data"));
  ExpectRejected(Frame(kRaw) + Skippable(""));
}

TEST(ZstdSingleFrame, SkippableFrameBeforeTheFrameIsCorruption) {
  ExpectRejected(Skippable("arbitrary hidden data") + Frame(kRaw));
}

TEST(ZstdSingleFrame, SecondFrameIsCorruption) {
  ExpectRejected(Frame(kRaw) + Frame(""));
  ExpectRejected(Frame(kRaw) + Frame(kRaw));
}

TEST(ZstdSingleFrame, TrailingByteIsCorruption) {
  ExpectRejected(Frame(kRaw) + std::string(1, '\0'));
  // In a Feed of its own after the frame has ended.
  BoundedZstdDecoder d(1 << 20);
  auto ignore = [](std::string_view) { return Status::Ok(); };
  ASSERT_TRUE(d.Feed(Frame(kRaw), ignore).ok());
  EXPECT_TRUE(d.Feed("", ignore).ok());
  EXPECT_TRUE(d.Finish().ok());
  EXPECT_EQ(d.Feed("x", ignore).code(), Status::Code::kCorruption);
}

TEST(ZstdSingleFrame, OutputFillingTheBufferExactlyStillEndsTheFrame) {
  // A frame whose output is a whole number of the decoder's output buffers: the frame's
  // end must not be mistaken for the start of another.
  const std::string raw(2 * ZSTD_DStreamOutSize(), 'a');
  BoundedZstdDecoder d(raw.size());
  uint64_t got = 0;
  ASSERT_TRUE(d.Feed(Frame(raw), [&](std::string_view p) { got += p.size(); return Status::Ok(); }).ok());
  EXPECT_TRUE(d.Finish().ok());
  EXPECT_EQ(got, raw.size());
}

}  // namespace
}  // namespace chainmail
