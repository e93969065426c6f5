// SmtpAdmission: which SMTP clients get a place, decided on the accepting thread before a
// pool thread is spent on them.
//
// The allowlist comes first. A client inside smtp.allowed_networks takes one of the
// max_connections places (at most max_connections_per_ip per address); a client outside
// it takes one of the max_denied_connections places kept apart for the "554 5.7.1" flow.
// So outsiders can never use up the places of the allowed senders, and the threads and
// time they cost are bounded too. With no place left, the verdict says which refusal the
// acceptor sends at once.
//
// An admitted connection's place is parked under its socket descriptor until the pool
// thread serving it calls Take(). Descriptors are unique among open sockets, so a place
// parked for a socket that was closed without being served (the server stopping with
// connections queued) is given back when the kernel reuses the descriptor.
//
// Thread safety: all methods may be called from any thread at once. Must outlive every
// Place it handed out.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "Poco/Net/IPAddress.h"
#include "service/net/cidr_list.h"
#include "service/net/connection_limiter.h"

namespace chainmail {

class SmtpAdmission {
 public:
  enum class Verdict {
    kAdmitted,         // a place is parked for the descriptor
    kOverLimits,       // allowed client, but max_connections(_per_ip) reached: "421 4.7.0"
    kDeniedOverBudget  // outside the allowlist and max_denied_connections reached: "554"
  };
  // One admitted connection's place; given back when destroyed. Move-only.
  struct Place {
    bool allowed;  // inside allowed_networks; false: the 554 flow
    ConnectionLimiter::Slot slot;
  };

  // `allowed_networks` must outlive the admission.
  SmtpAdmission(const CidrList& allowed_networks, uint32_t max_connections,
                uint32_t max_connections_per_ip, uint32_t max_denied_connections);

  // Decides for the client `address` connected on descriptor `fd`; on kAdmitted its place
  // waits for Take(fd).
  Verdict Admit(int fd, const Poco::Net::IPAddress& address);
  // The place Admit() parked for `fd`, once; nullopt if there is none.
  std::optional<Place> Take(int fd);

 private:
  const CidrList& allowed_networks_;
  ConnectionLimiter allowed_;  // max_connections, max_connections_per_ip
  ConnectionLimiter denied_;   // max_denied_connections in all, from any addresses
  std::mutex mu_;
  std::unordered_map<int, Place> parked_;  // guarded by mu_; by socket descriptor
};

}  // namespace chainmail
