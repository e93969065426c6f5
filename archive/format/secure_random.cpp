#include "archive/format/secure_random.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <array>
#include <atomic>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace chainmail {
namespace {

constexpr size_t kPoolBytes = 4096;
constexpr size_t kLargestPooled = kPoolBytes / 8;  // larger draws go straight to RAND_bytes

// Bumped in the child of every fork(): a pool filled under another generation is
// discarded before its next use, so parent and child never hand out the same bytes.
std::atomic<uint64_t> fork_generation{0};

void CountFork() { fork_generation.fetch_add(1, std::memory_order_relaxed); }

void Draw(uint8_t* out, size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
}

struct Pool {
  std::array<uint8_t, kPoolBytes> bytes{};
  size_t used = kPoolBytes;  // nothing left until the first fill
  uint64_t generation = 0;

  Pool() = default;
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  ~Pool() { OPENSSL_cleanse(bytes.data(), bytes.size()); }

  void Take(uint8_t* out, size_t n) {
    const uint64_t now = fork_generation.load(std::memory_order_relaxed);
    if (generation != now) {  // filled before a fork: the other process has the same bytes
      OPENSSL_cleanse(bytes.data(), bytes.size());
      used = kPoolBytes;
      generation = now;
    }
    if (kPoolBytes - used < n) {
      Draw(bytes.data(), kPoolBytes);
      used = 0;
    }
    std::memcpy(out, bytes.data() + used, n);
    OPENSSL_cleanse(bytes.data() + used, n);
    used += n;
  }
};

}  // namespace

void SecureRandom(uint8_t* out, size_t n) {
  static std::once_flag fork_hook;
  std::call_once(fork_hook, [] {
    if (pthread_atfork(nullptr, nullptr, CountFork) != 0) throw std::runtime_error("pthread_atfork failed");
  });
  if (n == 0) return;
  if (n > kLargestPooled) {
    Draw(out, n);
    return;
  }
  thread_local Pool pool;
  pool.Take(out, n);
}

}  // namespace chainmail
