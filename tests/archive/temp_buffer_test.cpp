#include "archive/temp_buffer.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "tests/archive/archive_test_util.h"

namespace chainmail::testing {
namespace {

std::string ReadBack(const TempBuffer& b, size_t piece) {
  std::string out;
  EXPECT_TRUE(b.ReadAll(piece, [&](std::string_view p) {
    EXPECT_LE(p.size(), piece);
    out.append(p);
    return Status::Ok();
  }).ok());
  return out;
}

TEST(TempBuffer, SmallContentStaysInMemory) {
  TempDir dir;
  TempBuffer b(dir.path(), 1024);
  b.Append("hello");
  ASSERT_TRUE(b.Finish().ok());
  EXPECT_FALSE(b.spilled());
  EXPECT_EQ(b.memory(), "hello");
  EXPECT_EQ(ReadBack(b, 2), "hello");
}

TEST(TempBuffer, LargeContentSpillsAndReadsBackExactly) {
  TempDir dir;
  TempBuffer b(dir.path(), 1000);
  std::string all;
  for (int i = 0; i < 3000; ++i) {
    std::string piece = std::to_string(i) + std::string(i % 50, static_cast<char>(i));
    all += piece;
    b.Append(piece);
  }
  ASSERT_TRUE(b.Finish().ok());
  EXPECT_TRUE(b.spilled());
  EXPECT_EQ(b.size(), all.size());
  EXPECT_EQ(ReadBack(b, 4096), all);
}

TEST(TempBuffer, SpoolFileLeavesNoNameBehind) {
  TempDir dir;
  {
    TempBuffer b(dir.path(), 10);
    b.Append(std::string(100, 'x'));
    ASSERT_TRUE(b.Finish().ok());
    EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  }
}

TEST(TempBuffer, UnwritableSpoolLatchesAnError) {
  TempBuffer b("/nonexistent/spool", 10);
  b.Append(std::string(100, 'x'));
  b.Append("more");  // ignored after the error
  EXPECT_FALSE(b.Finish().ok());
  EXPECT_FALSE(b.status().ok());
}

}  // namespace
}  // namespace chainmail::testing
