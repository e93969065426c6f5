// ConnectionLimiter: counts open SMTP connections, in total and per client address, and
// refuses one over either limit (smtp.max_connections, smtp.max_connections_per_ip).
//
// Thread safety: TryAcquire may be called from any number of threads at once; a Slot may
// be destroyed on any thread. The limiter must outlive every Slot it handed out.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace chainmail {

class ConnectionLimiter {
 public:
  // Holds one connection's place; gives it back on destruction. Move-only.
  class Slot {
   public:
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&&) = delete;
    Slot(const Slot&) = delete;
    ~Slot();

   private:
    friend class ConnectionLimiter;
    Slot(ConnectionLimiter* limiter, std::string address)
        : limiter_(limiter), address_(std::move(address)) {}
    ConnectionLimiter* limiter_;
    std::string address_;
  };

  ConnectionLimiter(uint32_t max_total, uint32_t max_per_address)
      : max_total_(max_total), max_per_address_(max_per_address) {}

  // A place for a connection from `address` (a canonical textual IP), or nullopt when the
  // total or that address's count is already at its limit.
  std::optional<Slot> TryAcquire(const std::string& address);
  size_t total() const;

 private:
  void Release(const std::string& address);

  const uint32_t max_total_;
  const uint32_t max_per_address_;
  mutable std::mutex mu_;
  size_t total_ = 0;                                       // guarded by mu_
  std::unordered_map<std::string, uint32_t> per_address_;  // guarded by mu_; no zeros
};

}  // namespace chainmail
