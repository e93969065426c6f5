// SmtpCounters: what the SMTP receiver did since the process started, for /metrics —
// replies sent by code, sessions open and served, messages and raw bytes archived. Only
// atomics (relaxed: each figure is exact on its own; no figure is read together with
// another as one snapshot), so counting costs nothing a session would notice.
//
// Thread safety: every member may be called from any thread at any time.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

namespace chainmail {

class SmtpCounters {
 public:
  static constexpr int kMinCode = 200;
  static constexpr int kMaxCode = 599;

  // Counts every reply in `output` (one or more complete replies, CRLF-terminated, as
  // written to the client): one per final line ("250 ..." or "250"), none for the
  // continuation lines ("250-...") of a multi-line reply.
  void CountReplies(std::string_view output) {
    while (!output.empty()) {
      const size_t eol = output.find('\n');
      const std::string_view line = output.substr(0, eol);
      if (line.size() >= 3 && IsDigit(line[0]) && IsDigit(line[1]) && IsDigit(line[2]) &&
          (line.size() == 3 || line[3] == ' ' || line[3] == '\r')) {
        const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        if (code >= kMinCode && code <= kMaxCode) replies_[code - kMinCode].fetch_add(1, std::memory_order_relaxed);
      }
      if (eol == std::string_view::npos) break;
      output.remove_prefix(eol + 1);
    }
  }
  void SessionOpened() {
    active_.fetch_add(1, std::memory_order_relaxed);
    sessions_.fetch_add(1, std::memory_order_relaxed);
  }
  void SessionClosed() { active_.fetch_sub(1, std::memory_order_relaxed); }
  // A message committed (acknowledged or about to be): its raw size and commit time.
  void Archived(uint64_t raw_bytes, int64_t now_us) {
    messages_.fetch_add(1, std::memory_order_relaxed);
    bytes_.fetch_add(raw_bytes, std::memory_order_relaxed);
    last_archived_us_.store(now_us, std::memory_order_relaxed);
  }

  uint64_t replies(int code) const {
    return code >= kMinCode && code <= kMaxCode ? replies_[code - kMinCode].load(std::memory_order_relaxed) : 0;
  }
  int64_t active_sessions() const { return active_.load(std::memory_order_relaxed); }
  uint64_t sessions() const { return sessions_.load(std::memory_order_relaxed); }
  uint64_t messages_archived() const { return messages_.load(std::memory_order_relaxed); }
  uint64_t bytes_archived() const { return bytes_.load(std::memory_order_relaxed); }
  int64_t last_archived_us() const { return last_archived_us_.load(std::memory_order_relaxed); }  // 0: none

 private:
  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }
  std::array<std::atomic<uint64_t>, kMaxCode - kMinCode + 1> replies_{};
  std::atomic<int64_t> active_{0};
  std::atomic<uint64_t> sessions_{0};
  std::atomic<uint64_t> messages_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<int64_t> last_archived_us_{0};
};

}  // namespace chainmail
