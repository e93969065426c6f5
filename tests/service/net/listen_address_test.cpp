#include "service/net/listen_address.h"

#include <gtest/gtest.h>

namespace chainmail {
namespace {

TEST(ListenAddressTest, Ipv4AndBracketedIpv6) {
  Result<Poco::Net::SocketAddress> v4 = ParseListenAddress("127.0.0.1:2525");
  ASSERT_TRUE(v4.ok()) << v4.status().message();
  EXPECT_EQ(v4->toString(), "127.0.0.1:2525");
  Result<Poco::Net::SocketAddress> v6 = ParseListenAddress("[::1]:0");
  ASSERT_TRUE(v6.ok()) << v6.status().message();
  EXPECT_EQ(v6->family(), Poco::Net::SocketAddress::IPv6);
  EXPECT_EQ(v6->port(), 0);
  Result<Poco::Net::SocketAddress> any = ParseListenAddress("[::]:25");
  ASSERT_TRUE(any.ok()) << any.status().message();
  EXPECT_TRUE(any->host().isWildcard());
}

TEST(ListenAddressTest, RejectsNamesAndBadPorts) {
  for (const char* bad : {"localhost:25", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536",
                          "127.0.0.1:25x", "::1:25", "[127.0.0.1]:25", ":25"}) {
    Result<Poco::Net::SocketAddress> address = ParseListenAddress(bad);
    EXPECT_FALSE(address.ok()) << bad;
    if (!address.ok()) {
      EXPECT_NE(address.status().message().find(bad), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace chainmail
