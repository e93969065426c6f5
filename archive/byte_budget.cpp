#include "archive/byte_budget.h"

namespace chainmail {

ByteBudget::Share ByteBudget::Take(size_t bytes) {
  std::unique_lock<std::mutex> lock(mu_);
  freed_.wait(lock, [&] { return held_ == 0 || held_ + bytes <= limit_; });
  held_ += bytes;
  return Share(this, bytes);
}

size_t ByteBudget::held() const {
  std::lock_guard<std::mutex> lock(mu_);
  return held_;
}

void ByteBudget::Give(size_t bytes) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    held_ -= bytes;
  }
  freed_.notify_all();
}

void ByteBudget::Share::Shrink(size_t bytes) {
  if (budget_ == nullptr || bytes >= bytes_) return;
  budget_->Give(bytes_ - bytes);
  bytes_ = bytes;
}

}  // namespace chainmail
