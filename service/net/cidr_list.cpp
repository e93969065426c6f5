#include "service/net/cidr_list.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "Poco/Net/IPAddress.h"

namespace chainmail {
namespace {

constexpr uint8_t kV4MappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

std::string_view Trim(std::string_view s) {
  const char* kSpace = " \t\r\n";
  size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  size_t end = s.find_last_not_of(kSpace);
  return s.substr(begin, end - begin + 1);
}

// True when the bits of `bytes` after the first `prefix` bits are all zero.
bool HostBitsClear(const uint8_t* bytes, size_t length, unsigned prefix) {
  for (size_t i = 0; i < length; ++i) {
    unsigned first_bit = static_cast<unsigned>(i) * 8;
    uint8_t host_mask = 0xff;
    if (prefix >= first_bit + 8) continue;
    if (prefix > first_bit) host_mask = static_cast<uint8_t>(0xff >> (prefix - first_bit));
    if ((bytes[i] & host_mask) != 0) return false;
  }
  return true;
}

}  // namespace

Result<CidrList::Block> CidrList::ParseBlock(std::string_view entry) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("bad network \"" + std::string(entry) + "\": " + why);
  };
  size_t slash = entry.find('/');
  std::string address(entry.substr(0, slash));
  Block block;
  if (inet_pton(AF_INET, address.c_str(), block.network.data()) == 1) {
    block.v4 = true;
  } else if (inet_pton(AF_INET6, address.c_str(), block.network.data()) != 1) {
    return bad("not an IPv4 or IPv6 address");
  }
  const unsigned max_prefix = block.v4 ? 32 : 128;
  block.prefix = max_prefix;
  if (slash != std::string_view::npos) {
    std::string_view digits = entry.substr(slash + 1);
    const char* end = digits.data() + digits.size();
    auto [ptr, ec] = std::from_chars(digits.data(), end, block.prefix);
    if (digits.empty() || ec != std::errc() || ptr != end || block.prefix > max_prefix) {
      return bad("prefix length must be 0-" + std::to_string(max_prefix));
    }
  }
  if (!HostBitsClear(block.network.data(), block.v4 ? 4 : 16, block.prefix)) {
    return bad("address has bits set beyond the /" + std::to_string(block.prefix) + " prefix");
  }
  // An entry written as an IPv4-mapped IPv6 block is the IPv4 block it denotes.
  if (!block.v4 && block.prefix >= 96 &&
      std::memcmp(block.network.data(), kV4MappedPrefix, sizeof kV4MappedPrefix) == 0) {
    std::memmove(block.network.data(), block.network.data() + 12, 4);
    std::memset(block.network.data() + 4, 0, 12);
    block.v4 = true;
    block.prefix -= 96;
  }
  return block;
}

Result<CidrList> CidrList::Parse(std::string_view text) {
  CidrList list;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view entry = Trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (entry.empty()) continue;
    Result<Block> block = ParseBlock(entry);
    if (!block.ok()) return block.status();
    list.blocks_.push_back(*block);
  }
  return list;
}

bool CidrList::Matches(const Block& block, bool v4, const uint8_t* address) {
  if (block.v4 != v4) return false;
  unsigned full_bytes = block.prefix / 8;
  if (std::memcmp(block.network.data(), address, full_bytes) != 0) return false;
  unsigned rest = block.prefix % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (address[full_bytes] & mask) == block.network[full_bytes];
}

Poco::Net::IPAddress UnmapIpv4(const Poco::Net::IPAddress& address) {
  const auto* bytes = static_cast<const uint8_t*>(address.addr());
  if (address.family() == Poco::Net::IPAddress::IPv6 &&
      std::memcmp(bytes, kV4MappedPrefix, sizeof kV4MappedPrefix) == 0) {
    return Poco::Net::IPAddress(bytes + sizeof kV4MappedPrefix, 4);
  }
  return address;
}

bool CidrList::Contains(const Poco::Net::IPAddress& address) const {
  const Poco::Net::IPAddress client = UnmapIpv4(address);
  const auto* bytes = static_cast<const uint8_t*>(client.addr());
  const bool v4 = client.family() == Poco::Net::IPAddress::IPv4;
  for (const Block& block : blocks_) {
    if (Matches(block, v4, bytes)) return true;
  }
  return false;
}

std::string CidrList::ToString() const {
  std::string out;
  for (const Block& block : blocks_) {
    char text[INET6_ADDRSTRLEN];
    inet_ntop(block.v4 ? AF_INET : AF_INET6, block.network.data(), text, sizeof text);
    if (!out.empty()) out += ", ";
    out += text;
    out += "/" + std::to_string(block.prefix);
  }
  return out;
}

}  // namespace chainmail
