#include "tests/service/verify/run_binary.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

namespace chainmail::testing {

RunResult RunBinary(const std::string& program, const std::vector<std::string>& args) {
  const char* bin = std::getenv("CHAINMAIL_BIN");
  const std::string path = std::string(bin ? bin : ".") + "/" + program;
  int fds[2];
  if (pipe(fds) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv{const_cast<char*>(path.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(path.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  RunResult r;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) r.out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

}  // namespace chainmail::testing
