// Reading a whole file: the bundle chainmail-verify checks must be the file's bytes, all of
// them, or no bytes at all.
#include "archive/format/file_bytes.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <new>

namespace chainmail {
namespace {

class TempFile {
 public:
  TempFile() {
    char name[] = "/tmp/file_bytes_test.XXXXXX";
    const int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    close(fd);
    path_ = name;
  }
  ~TempFile() { unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(ReadFileBytes, ReadsEveryByte) {
  TempFile f;
  std::string data(200000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  FILE* out = fopen(f.path().c_str(), "wb");
  ASSERT_EQ(fwrite(data.data(), 1, data.size(), out), data.size());
  fclose(out);
  EXPECT_EQ(ReadFileBytes(f.path()), data);
  EXPECT_EQ(ReadFileBytes(f.path() + ".absent"), std::nullopt);
}

TEST(ReadFileBytes, ADirectoryIsNotReadable) { EXPECT_EQ(ReadFileBytes("/tmp"), std::nullopt); }

// Reads `path` with 640 MiB of address space: exit 3 when what came back is a prefix.
[[noreturn]] void ReadWithLittleMemory(const std::string& path, size_t size) {
  rlimit limit{};
  limit.rlim_cur = limit.rlim_max = 640u << 20;
  setrlimit(RLIMIT_AS, &limit);
  try {
    auto bytes = ReadFileBytes(path);
    std::_Exit(bytes && bytes->size() != size ? 3 : 0);
  } catch (const std::bad_alloc&) {
    std::_Exit(0);
  }
}

// A file larger than the memory at hand once came back as a silent prefix (the stream
// swallowed the allocation failure), and the verifier then checked bytes that were not the
// file. Now the failure is an exception the caller reports.
TEST(ReadFileBytesDeathTest, AFileTooLargeForMemoryIsNeverAPrefix) {
  TempFile f;
  constexpr size_t kSize = size_t{1} << 30;  // sparse: costs no disk
  ASSERT_EQ(truncate(f.path().c_str(), static_cast<off_t>(kSize)), 0);
  EXPECT_EXIT(ReadWithLittleMemory(f.path(), kSize), ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace chainmail
