#include "service/net/smtp_admission.h"

namespace chainmail {

SmtpAdmission::SmtpAdmission(const CidrList& allowed_networks, uint32_t max_connections,
                             uint32_t max_connections_per_ip, uint32_t max_denied_connections)
    : allowed_networks_(allowed_networks),
      allowed_(max_connections, max_connections_per_ip),
      denied_(max_denied_connections, max_denied_connections) {}

SmtpAdmission::Verdict SmtpAdmission::Admit(int fd, const Poco::Net::IPAddress& address) {
  const bool allowed = allowed_networks_.Contains(address);
  std::optional<ConnectionLimiter::Slot> slot =
      (allowed ? allowed_ : denied_).TryAcquire(address.toString());
  if (!slot) return allowed ? Verdict::kOverLimits : Verdict::kDeniedOverBudget;
  std::lock_guard lock(mu_);
  parked_.erase(fd);  // a socket closed before it was served; this one reuses its descriptor
  parked_.emplace(fd, Place{allowed, std::move(*slot)});
  return Verdict::kAdmitted;
}

std::optional<SmtpAdmission::Place> SmtpAdmission::Take(int fd) {
  std::lock_guard lock(mu_);
  auto node = parked_.extract(fd);
  if (node.empty()) return std::nullopt;
  return std::move(node.mapped());
}

}  // namespace chainmail
