#include "service/net/connection_limiter.h"

namespace chainmail {

ConnectionLimiter::Slot::Slot(Slot&& other) noexcept
    : limiter_(other.limiter_), address_(std::move(other.address_)) {
  other.limiter_ = nullptr;
}

ConnectionLimiter::Slot::~Slot() {
  if (limiter_ != nullptr) limiter_->Release(address_);
}

std::optional<ConnectionLimiter::Slot> ConnectionLimiter::TryAcquire(const std::string& address) {
  std::lock_guard lock(mu_);
  if (total_ >= max_total_) return std::nullopt;
  uint32_t& count = per_address_[address];
  if (count >= max_per_address_) {
    if (count == 0) per_address_.erase(address);  // max_per_address_ == 0
    return std::nullopt;
  }
  ++count;
  ++total_;
  return Slot(this, address);
}

size_t ConnectionLimiter::total() const {
  std::lock_guard lock(mu_);
  return total_;
}

void ConnectionLimiter::Release(const std::string& address) {
  std::lock_guard lock(mu_);
  --total_;
  auto it = per_address_.find(address);
  if (--it->second == 0) per_address_.erase(it);
}

}  // namespace chainmail
