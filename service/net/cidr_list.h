// CidrList: the client allowlist (smtp.allowed_networks), a list of IPv4 and IPv6 CIDR
// blocks such as "127.0.0.1/32, ::1/128, 10.0.0.0/8".
//
// A bare address is a single host (/32 or /128). A client connecting over a dual-stack
// socket appears as an IPv4-mapped IPv6 address (::ffff:1.2.3.4); it is matched as the
// IPv4 address it is, so IPv4 entries cover it. IPv6 entries match IPv6 clients only. An
// empty list matches nothing: deny by default.
//
// Thread safety: immutable after Parse; const methods may be called from any number of
// threads at once.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "Poco/Net/IPAddress.h"
#include "archive/format/status.h"

namespace chainmail {

class CidrList {
 public:
  CidrList() = default;  // empty: matches nothing

  // Parses a comma-separated list; whitespace around entries and empty entries are
  // ignored. A malformed entry, a prefix out of range or an entry with host bits set
  // ("10.0.0.1/8") is InvalidArgument naming that entry.
  static Result<CidrList> Parse(std::string_view text);

  bool Contains(const Poco::Net::IPAddress& address) const;
  bool empty() const { return blocks_.empty(); }
  size_t size() const { return blocks_.size(); }
  // The canonical form, e.g. "127.0.0.1/32, ::1/128"; Parse(ToString()) round-trips.
  std::string ToString() const;

 private:
  struct Block {
    bool v4 = false;
    std::array<uint8_t, 16> network{};  // the first 4 bytes for IPv4
    unsigned prefix = 0;
  };
  static Result<Block> ParseBlock(std::string_view entry);
  static bool Matches(const Block& block, bool v4, const uint8_t* address);

  std::vector<Block> blocks_;
};

// An IPv4-mapped IPv6 address (::ffff:1.2.3.4, how a dual-stack listener sees an IPv4
// client) as the IPv4 address it is; any other address unchanged. Used for matching,
// per-address connection counts and the recorded client address alike.
Poco::Net::IPAddress UnmapIpv4(const Poco::Net::IPAddress& address);

}  // namespace chainmail
