// SecureRandom: distinct bytes on every draw, in every thread, and in a child after fork()
// (the per-thread pool must not hand the child what it would hand the parent).
#include "archive/format/secure_random.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace chainmail {
namespace {

std::string Draw(size_t n) {
  std::string out(n, '\0');
  SecureRandom(reinterpret_cast<uint8_t*>(out.data()), n);
  return out;
}

TEST(SecureRandom, DrawsAreDistinctAcrossManyPoolRefills) {
  std::set<std::string> seen;
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(seen.insert(Draw(16)).second) << "draw " << i << " repeated";
  // 80,000 bytes: about twenty refills of the 4 KiB pool, crossing its edge at odd offsets.
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(seen.insert(Draw(37)).second);
}

TEST(SecureRandom, BytesLookRandom) {
  const std::string bytes = Draw(400) + Draw(20000);  // pooled, then straight from RAND_bytes
  std::array<int, 256> count{};
  for (unsigned char c : bytes) ++count[c];
  for (int v = 0; v < 256; ++v) EXPECT_LT(count[v], 200) << "byte value " << v << " far too frequent";
  int zeros = 0;
  for (unsigned char c : bytes.substr(0, 400)) zeros += c == 0;
  EXPECT_LT(zeros, 20);
}

TEST(SecureRandom, ZeroLengthWritesNothing) {
  uint8_t guard = 0xAB;
  SecureRandom(&guard, 0);
  EXPECT_EQ(guard, 0xAB);
}

TEST(SecureRandom, ThreadsGetDifferentBytes) {
  constexpr int kThreads = 8;
  std::vector<std::vector<std::string>> drawn(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&drawn, t] {
      for (int i = 0; i < 300; ++i) drawn[t].push_back(Draw(32));
    });
  for (auto& t : threads) t.join();
  std::set<std::string> seen;
  for (const auto& per_thread : drawn)
    for (const std::string& d : per_thread) ASSERT_TRUE(seen.insert(d).second);
}

// The parent fills its pool, forks, and both draw next. Without the fork hook the child's
// pool is a copy of the parent's and both would draw the same bytes.
TEST(SecureRandom, ChildAfterForkDoesNotRepeatTheParent) {
  (void)Draw(16);  // the pool is now full of bytes the parent has not used yet
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const std::string mine = Draw(32);
    _exit(write(fds[1], mine.data(), mine.size()) == 32 ? 0 : 1);
  }
  close(fds[1]);
  const std::string parents = Draw(32);
  std::string childs(32, '\0');
  size_t got = 0;
  while (got < childs.size()) {
    const ssize_t n = read(fds[0], childs.data() + got, childs.size() - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_EQ(got, 32u);
  EXPECT_NE(childs, parents);
}

}  // namespace
}  // namespace chainmail
