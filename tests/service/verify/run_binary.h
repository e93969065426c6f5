// Running a built program under test (from $CHAINMAIL_BIN) and capturing its stdout and
// exit code. For tests only; one call at a time per thread.
#pragma once

#include <string>
#include <vector>

namespace chainmail::testing {

struct RunResult {
  int exit_code = -1;  // -1 when the program did not exit normally
  std::string out;     // standard output
};

// Runs $CHAINMAIL_BIN/<program> with `args` (no shell), stderr passed through.
RunResult RunBinary(const std::string& program, const std::vector<std::string>& args);

}  // namespace chainmail::testing
