// TempDir: a fresh directory under $TMPDIR for one test, removed with its contents when
// the TempDir goes out of scope.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace chainmail::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "chainmail-net-XXXXXX");
    path_ = mkdtemp(pattern.data()) ? pattern : std::string();
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace chainmail::testing
