// AppendAddresses: addr-specs out of From/Sender/To/Cc values.
#include "archive/mime/address_list.h"

#include <gtest/gtest.h>

namespace chainmail {
namespace {

using Addresses = std::vector<std::string>;

Addresses Parse(std::string_view value) {
  Addresses out;
  AppendAddresses(value, 10000, &out);
  return out;
}

TEST(AddressListTest, AngleAndBareAddresses) {
  EXPECT_EQ(Parse("Ann <Ann@Example.com>, bob@x.org"), (Addresses{"Ann@Example.com", "bob@x.org"}));
}

TEST(AddressListTest, GroupSyntax) {
  EXPECT_EQ(Parse("undisclosed-recipients:;"), Addresses{});
  EXPECT_EQ(Parse("team: a@x, B <b@y>; c@z"), (Addresses{"a@x", "b@y", "c@z"}));
  EXPECT_EQ(Parse("empty:; , d@w"), Addresses{"d@w"});
}

TEST(AddressListTest, CommentsAndQuotedDisplayNames) {
  EXPECT_EQ(Parse("\"Doe, John <jd@fake>\" <john@x> (a, (nested) comment <c@fake>), k@y"),
            (Addresses{"john@x", "k@y"}));
  EXPECT_EQ(Parse("\"esc \\\" quote, <x@fake>\" <q@x>"), Addresses{"q@x"});
  EXPECT_EQ(Parse("user@host (Real \\) Name)"), Addresses{"user@host"});
}

TEST(AddressListTest, ObsoleteRouteIsDropped) {
  EXPECT_EQ(Parse("<@relay1.x,@relay2.y:joe@z>, m@n"), (Addresses{"joe@z", "m@n"}));
}

TEST(AddressListTest, QuotedLocalPartAndDomainLiteralKeptAsWritten) {
  EXPECT_EQ(Parse("\"john doe\"@example.com, <x@[192.0.2.1]>"),
            (Addresses{"\"john doe\"@example.com", "x@[192.0.2.1]"}));
}

TEST(AddressListTest, ObsoleteWhitespaceInsideAddrSpecIsRemoved) {
  EXPECT_EQ(Parse("john . smith @ example . com"), Addresses{"john.smith@example.com"});
  EXPECT_EQ(Parse("Joe < joe @ x (c) . y >"), Addresses{"joe@x.y"});
}

TEST(AddressListTest, MissingCommaAndLostDisplayNameStillFindAddresses) {
  EXPECT_EQ(Parse("a@x b@y"), (Addresses{"a@x", "b@y"}));
  EXPECT_EQ(Parse("John Smith john@x"), Addresses{"john@x"});
  EXPECT_EQ(Parse("John Smith"), Addresses{});
}

TEST(AddressListTest, DisplayNameThatIsAnAddressIsNotRepeated) {
  EXPECT_EQ(Parse("a@x <b@y>"), Addresses{"b@y"});
}

TEST(AddressListTest, EmptyAngleAddressesAreSkipped) {
  EXPECT_EQ(Parse("<>, Null <>, <postmaster>"), Addresses{"postmaster"});
}

TEST(AddressListTest, UnclosedAngleEndsAtComma) {
  EXPECT_EQ(Parse("A <a@x, b@y"), (Addresses{"a@x", "b@y"}));
  EXPECT_EQ(Parse("A <a@x"), Addresses{"a@x"});
}

TEST(AddressListTest, UnclosedQuoteAndCommentRunToTheEnd) {
  EXPECT_EQ(Parse("\"unclosed, a@x"), Addresses{});
  EXPECT_EQ(Parse("b@y (unclosed, a@x"), Addresses{"b@y"});
  EXPECT_EQ(Parse("c@z (ends in escape \\"), Addresses{"c@z"});
}

TEST(AddressListTest, EightBitAddressesKeptOrRepaired) {
  EXPECT_EQ(Parse("<j\xC3\xB6rg@b\xC3\xA4r.de>"), Addresses{"j\xC3\xB6rg@b\xC3\xA4r.de"});
  EXPECT_EQ(Parse("<a\xFF@x>"), Addresses{"a\xEF\xBF\xBD@x"});
}

TEST(AddressListTest, StopsAtTheLimitAndAppends) {
  Addresses out{"existing@x"};
  AppendAddresses("a@x, b@x, c@x", 3, &out);
  EXPECT_EQ(out, (Addresses{"existing@x", "a@x", "b@x"}));
}

}  // namespace
}  // namespace chainmail
