#include "archive/format/zstd_bounded.h"

#include <gtest/gtest.h>
#include <zstd.h>

namespace chainmail {
namespace {

std::string Compress(const std::string& raw) {
  std::string out(ZSTD_compressBound(raw.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), raw.data(), raw.size(), 3));
  return out;
}

std::string Raw() {
  std::string raw;
  for (int i = 0; i < 300000; ++i) raw.push_back(static_cast<char>(i * 31 % 251));
  return raw;
}

TEST(BoundedZstdDecoder, PiecesOfAnySizeGiveTheExactBytes) {
  const std::string raw = Raw(), frame = Compress(raw);
  for (size_t piece : {size_t{1}, size_t{7}, size_t{4096}, frame.size()}) {
    BoundedZstdDecoder d(raw.size());
    std::string out;
    for (size_t off = 0; off < frame.size(); off += piece)
      ASSERT_TRUE(d.Feed(std::string_view(frame).substr(off, piece), [&](std::string_view p) {
        out.append(p);
        return Status::Ok();
      }).ok());
    EXPECT_TRUE(d.Finish().ok());
    EXPECT_EQ(out, raw) << piece;
  }
}

TEST(BoundedZstdDecoder, OutputBeyondTheBoundIsCorruption) {
  const std::string raw = Raw();
  auto r = DecompressBounded(Compress(raw), raw.size() - 1);
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  EXPECT_TRUE(DecompressBounded(Compress(raw), raw.size()).ok());
}

TEST(BoundedZstdDecoder, TruncatedFrameIsCorruption) {
  const std::string frame = Compress(Raw());
  EXPECT_EQ(DecompressBounded(frame.substr(0, frame.size() - 3), 1 << 20).status().code(),
            Status::Code::kCorruption);
}

TEST(BoundedZstdDecoder, ResetAfterAFailedFrameDecodesTheNextExactly) {
  const std::string raw = Raw(), frame = Compress(raw);
  auto collect = [](std::string& out) {
    return [&out](std::string_view p) {
      out.append(p);
      return Status::Ok();
    };
  };
  BoundedZstdDecoder d(raw.size() - 1);  // too small: the first frame fails midway
  std::string out;
  EXPECT_EQ(d.Feed(frame, collect(out)).code(), Status::Code::kCorruption);
  d.Reset(raw.size());
  out.clear();
  ASSERT_TRUE(d.Feed(frame.substr(0, frame.size() / 2), collect(out)).ok());
  EXPECT_FALSE(d.Finish().ok());  // half a frame so far
  d.Reset(raw.size());             // abandoned midway: the next frame starts clean
  out.clear();
  ASSERT_TRUE(d.Feed(frame, collect(out)).ok());
  EXPECT_TRUE(d.Finish().ok());
  EXPECT_EQ(d.produced(), raw.size());
  EXPECT_EQ(out, raw);
}

}  // namespace
}  // namespace chainmail
