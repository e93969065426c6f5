#include "service/net/listen_address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstdint>
#include <string>

#include "Poco/Net/IPAddress.h"

namespace chainmail {

Result<Poco::Net::SocketAddress> ParseListenAddress(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("bad listen address \"" + std::string(text) + "\": " + why);
  };
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad("expected host:port or [v6]:port");
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);

  // inet_pton, not Poco's parser: strict literals only, and Poco 1.11 rejects "::".
  const std::string host_text(host);
  in6_addr bytes;
  const int family = bracketed ? AF_INET6 : AF_INET;
  if (inet_pton(family, host_text.c_str(), &bytes) != 1) {
    return bad("host must be an IP address, IPv6 in brackets");
  }
  const Poco::Net::IPAddress ip(&bytes, bracketed ? sizeof(in6_addr) : sizeof(in_addr));
  uint16_t port = 0;
  const char* end = port_text.data() + port_text.size();
  auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
  if (port_text.empty() || ec != std::errc() || ptr != end) return bad("port must be 0-65535");
  return Poco::Net::SocketAddress(ip, port);
}

}  // namespace chainmail
