#include "service/net/cidr_list.h"

#include <gtest/gtest.h>

#include "Poco/Net/IPAddress.h"

namespace chainmail {
namespace {

using Poco::Net::IPAddress;

CidrList MustParse(std::string_view text) {
  Result<CidrList> list = CidrList::Parse(text);
  EXPECT_TRUE(list.ok()) << list.status().message();
  return list.ok() ? *list : CidrList();
}

bool Contains(const CidrList& list, const std::string& address) {
  return list.Contains(IPAddress(address));
}

TEST(CidrListTest, Ipv4BlockMatchesInsideOnly) {
  CidrList list = MustParse("10.0.0.0/8");
  EXPECT_TRUE(Contains(list, "10.0.0.0"));
  EXPECT_TRUE(Contains(list, "10.255.255.255"));
  EXPECT_FALSE(Contains(list, "11.0.0.0"));
  EXPECT_FALSE(Contains(list, "9.255.255.255"));
}

TEST(CidrListTest, PrefixNotOnByteBoundary) {
  CidrList list = MustParse("192.168.4.0/22");
  EXPECT_TRUE(Contains(list, "192.168.7.255"));
  EXPECT_FALSE(Contains(list, "192.168.8.0"));
  EXPECT_FALSE(Contains(list, "192.168.3.255"));
}

TEST(CidrListTest, BareAddressIsASingleHost) {
  CidrList list = MustParse("127.0.0.1, ::1");
  EXPECT_TRUE(Contains(list, "127.0.0.1"));
  EXPECT_FALSE(Contains(list, "127.0.0.2"));
  EXPECT_TRUE(Contains(list, "::1"));
  EXPECT_FALSE(Contains(list, "::2"));
  EXPECT_EQ(list.ToString(), "127.0.0.1/32, ::1/128");
}

TEST(CidrListTest, Ipv6Block) {
  CidrList list = MustParse("2001:db8::/32");
  EXPECT_TRUE(Contains(list, "2001:db8:ffff::1"));
  EXPECT_FALSE(Contains(list, "2001:db9::1"));
}

TEST(CidrListTest, Ipv4MappedClientMatchesIpv4Entry) {
  CidrList list = MustParse("127.0.0.1/32, 10.0.0.0/8");
  EXPECT_TRUE(Contains(list, "::ffff:127.0.0.1"));
  EXPECT_TRUE(Contains(list, "::ffff:10.1.2.3"));
  EXPECT_FALSE(Contains(list, "::ffff:127.0.0.2"));
}

TEST(CidrListTest, MappedEntryIsTheIpv4Block) {
  CidrList list = MustParse("::ffff:10.0.0.0/104");
  EXPECT_TRUE(Contains(list, "10.9.9.9"));
  EXPECT_EQ(list.ToString(), "10.0.0.0/8");
}

TEST(CidrListTest, Ipv6EntryDoesNotMatchIpv4Client) {
  CidrList list = MustParse("::/0");
  EXPECT_TRUE(Contains(list, "2001:db8::1"));
  EXPECT_FALSE(Contains(list, "127.0.0.1"));
  EXPECT_FALSE(Contains(list, "::ffff:127.0.0.1"));
}

TEST(CidrListTest, ZeroPrefixMatchesEveryIpv4Client) {
  CidrList list = MustParse("0.0.0.0/0");
  EXPECT_TRUE(Contains(list, "203.0.113.9"));
  EXPECT_FALSE(Contains(list, "2001:db8::1"));
}

TEST(CidrListTest, EmptyListDeniesEverything) {
  CidrList list = MustParse("");
  EXPECT_TRUE(list.empty());
  EXPECT_FALSE(Contains(list, "127.0.0.1"));
  EXPECT_FALSE(Contains(list, "::1"));
  EXPECT_FALSE(Contains(CidrList(), "127.0.0.1"));
}

TEST(CidrListTest, WhitespaceAndEmptyEntriesAreIgnored) {
  CidrList list = MustParse("  127.0.0.1/32 ,, \t::1/128 ,");
  EXPECT_EQ(list.size(), 2u);
}

void ExpectRejected(std::string_view text, std::string_view entry) {
  Result<CidrList> list = CidrList::Parse(text);
  ASSERT_FALSE(list.ok()) << text;
  EXPECT_EQ(list.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(list.status().message().find("\"" + std::string(entry) + "\""), std::string::npos)
      << list.status().message();
}

TEST(CidrListTest, RejectsPrefixOutOfRange) {
  ExpectRejected("127.0.0.1/32, 10.0.0.0/33", "10.0.0.0/33");
  ExpectRejected("::/129", "::/129");
  ExpectRejected("10.0.0.0/-1", "10.0.0.0/-1");
}

TEST(CidrListTest, RejectsMalformedPrefix) {
  ExpectRejected("10.0.0.0/", "10.0.0.0/");
  ExpectRejected("10.0.0.0/8x", "10.0.0.0/8x");
  ExpectRejected("10.0.0.0/ 8", "10.0.0.0/ 8");
  ExpectRejected("10.0.0.0/8/8", "10.0.0.0/8/8");
}

TEST(CidrListTest, RejectsGarbageAndHostnames) {
  ExpectRejected("localhost", "localhost");
  ExpectRejected("10.0.0", "10.0.0");
  ExpectRejected("10.0.0.256", "10.0.0.256");
  ExpectRejected("127.0.0.1 10.0.0.1", "127.0.0.1 10.0.0.1");
  ExpectRejected("fe80::1%eth0", "fe80::1%eth0");
}

TEST(CidrListTest, RejectsHostBitsBeyondPrefix) {
  ExpectRejected("10.0.0.1/8", "10.0.0.1/8");
  ExpectRejected("2001:db8::1/32", "2001:db8::1/32");
}

TEST(CidrListTest, ToStringRoundTrips) {
  CidrList list = MustParse("10.0.0.0/8, 2001:db8::/32, 192.0.2.7");
  Result<CidrList> again = CidrList::Parse(list.ToString());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->ToString(), list.ToString());
}

TEST(CidrListTest, UnmapIpv4LeavesOtherAddressesAlone) {
  EXPECT_EQ(UnmapIpv4(IPAddress("::ffff:192.0.2.1")).toString(), "192.0.2.1");
  EXPECT_EQ(UnmapIpv4(IPAddress("2001:db8::1")).toString(), "2001:db8::1");
  EXPECT_EQ(UnmapIpv4(IPAddress("192.0.2.1")).toString(), "192.0.2.1");
}

}  // namespace
}  // namespace chainmail
