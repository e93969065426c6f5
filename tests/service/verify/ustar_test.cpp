// The bundle container: deterministic ustar out, strict ustar in.
#include "archive/format/ustar.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "tests/archive/archive_test_util.h"

namespace chainmail::testing {
namespace {

TarFiles Sample() { return {{"a/b.txt", "hello\n"}, {"b.bin", std::string(1000, '\0')}, {"empty", ""}}; }

TEST(Ustar, RoundTripsAndIsBlockAligned) {
  Bytes tar = *WriteUstar(Sample());
  EXPECT_EQ(tar.size() % kUstarBlock, 0u);
  EXPECT_EQ(tar.size(), 512u * (1 + 1 + 1 + 2 + 1 + 2));
  auto back = ReadUstar(tar);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, Sample());
}

TEST(Ustar, StockTarReadsIt) {
  TempDir dir;
  const std::string path = dir.path() + "/t.tar";
  std::ofstream(path, std::ios::binary) << *WriteUstar(Sample());
  const std::string cmd = "tar -tvf " + path + " > " + dir.path() + "/list 2>&1";
  if (std::system("tar --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no tar";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream list(dir.path() + "/list");
  std::string text((std::istreambuf_iterator<char>(list)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("-rw-r--r-- 0/0"), std::string::npos) << text;
  EXPECT_NE(text.find("1970-01-01"), std::string::npos) << text;
}

TEST(Ustar, RejectsBadPaths) {
  EXPECT_FALSE(WriteUstar({{"/abs", ""}}).ok());
  EXPECT_FALSE(WriteUstar({{"a/../b", ""}}).ok());
  EXPECT_FALSE(WriteUstar({{std::string(101, 'a'), ""}}).ok());
}

TEST(Ustar, ReaderIsStrict) {
  Bytes tar = *WriteUstar(Sample());
  Bytes bad_sum = tar;
  bad_sum[10] ^= 1;  // a name byte: the checksum no longer matches
  EXPECT_FALSE(ReadUstar(bad_sum).ok());
  Bytes mtime = tar;
  mtime[136 + 5] = '1';
  EXPECT_FALSE(ReadUstar(mtime).ok());
  EXPECT_FALSE(ReadUstar(tar + std::string(512, '\0')).ok()) << "trailing data";
  EXPECT_FALSE(ReadUstar(tar.substr(0, tar.size() - 512)).ok()) << "one end block";
  Bytes padding = tar;
  padding[512 + 10] = 'x';  // inside a/b.txt's padding
  EXPECT_FALSE(ReadUstar(padding).ok());
  // Out of order: two archives' entries glued in the wrong order.
  Bytes b = *WriteUstar({{"b", "1"}});
  Bytes a = *WriteUstar({{"a", "1"}});
  EXPECT_FALSE(ReadUstar(b.substr(0, 1024) + a).ok());
}

// The first header with its name and size fields overwritten (the reader checks both
// before the checksum).
Bytes WithFields(Bytes tar, const std::string& name, const std::string& size) {
  std::memset(&tar[0], 0, 100);
  std::memcpy(&tar[0], name.data(), name.size());
  std::memcpy(&tar[124], size.data(), size.size());
  return tar;
}

TEST(Ustar, BinaryNameIsEscapedInMessages) {
  const std::string name = "\x1b[2J\x07" "evil\n'\\\xff";
  auto r = ReadUstar(WithFields(*WriteUstar({{"a", "1"}}), name, "9x"));
  ASSERT_FALSE(r.ok());
  const std::string& m = r.status().message();
  EXPECT_EQ(m, "tar: bad size field for '\\x1b[2J\\x07evil\\x0a\\x27\\x5c\\xff'");
  for (char c : m) EXPECT_TRUE(c >= 0x20 && c <= 0x7e) << "byte " << static_cast<int>(static_cast<unsigned char>(c));
}

TEST(Ustar, PathWithAControlByteIsNotABundlePath) {
  // A canonical header for a name with an escape byte: refused, and the name escaped.
  EXPECT_FALSE(WriteUstar({{"a\x1b[31m", ""}}).ok());
  EXPECT_FALSE(WriteUstar({{"caf\xc3\xa9", ""}}).ok());
  Bytes tar = *WriteUstar({{"abcde", ""}});
  tar = WithFields(tar, "a\x1b[31m", "00000000000");
  auto r = ReadUstar(tar);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "tar: not a bundle path: 'a\\x1b[31m'");
}

}  // namespace
}  // namespace chainmail::testing
