// ParseRfc5322Date: RFC 5322 dates, obsolete forms, and out-of-range values.
#include "archive/mime/rfc5322_date.h"

#include <gtest/gtest.h>

namespace chainmail {
namespace {

constexpr int64_t kJan1st2024At10 = int64_t{1704103200} * 1000000;  // 2024-01-01T10:00:00Z

TEST(Rfc5322DateTest, StandardForm) {
  EXPECT_EQ(ParseRfc5322Date("Mon, 01 Jan 2024 10:00:00 +0000"), kJan1st2024At10);
  EXPECT_EQ(ParseRfc5322Date("1 Jan 2024 10:00:07 -0000"), kJan1st2024At10 + 7000000);
}

TEST(Rfc5322DateTest, NumericZoneIsApplied) {
  EXPECT_EQ(ParseRfc5322Date("Mon, 1 Jan 2024 12:30:00 +0230"), kJan1st2024At10);
  EXPECT_EQ(ParseRfc5322Date("Mon, 1 Jan 2024 05:00:00 -0500"), kJan1st2024At10);
}

TEST(Rfc5322DateTest, ObsoleteTwoAndThreeDigitYears) {
  EXPECT_EQ(ParseRfc5322Date("1 Jan 24 10:00:00 +0000"), kJan1st2024At10);
  EXPECT_EQ(ParseRfc5322Date("1 Jan 124 10:00:00 +0000"), kJan1st2024At10);
  EXPECT_EQ(ParseRfc5322Date("Fri, 1 Jan 99 10:00:00 +0000"), int64_t{915184800} * 1000000);
  EXPECT_EQ(ParseRfc5322Date("1 Jan 49 00:00 +0000"), ParseRfc5322Date("1 Jan 2049 00:00 +0000"));
  EXPECT_EQ(ParseRfc5322Date("1 Jan 50 00:00 +0000"), ParseRfc5322Date("1 Jan 1950 00:00 +0000"));
}

TEST(Rfc5322DateTest, NamedZones) {
  EXPECT_EQ(ParseRfc5322Date("1 Jan 2024 10:00:00 GMT"), kJan1st2024At10);
  EXPECT_EQ(ParseRfc5322Date("1 Jan 2024 10:00:00 ut"), kJan1st2024At10);
  EXPECT_EQ(ParseRfc5322Date("1 Jan 2024 05:00:00 EST"), kJan1st2024At10);
  EXPECT_EQ(ParseRfc5322Date("1 Jan 2024 06:00:00 EDT"), kJan1st2024At10);
  EXPECT_EQ(ParseRfc5322Date("1 Jan 2024 02:00:00 PST"), kJan1st2024At10);
  EXPECT_EQ(ParseRfc5322Date("1 Jan 2024 04:00:00 mdt"), kJan1st2024At10);
}

TEST(Rfc5322DateTest, MilitaryUnknownAndMissingZonesAreUtc) {
  EXPECT_EQ(ParseRfc5322Date("1 Jan 2024 10:00:00 Z"), kJan1st2024At10);
  EXPECT_EQ(ParseRfc5322Date("1 Jan 2024 10:00:00 A"), kJan1st2024At10);
  EXPECT_EQ(ParseRfc5322Date("1 Jan 2024 10:00:00 CEST"), kJan1st2024At10);
  EXPECT_EQ(ParseRfc5322Date("1 Jan 2024 10:00:00"), kJan1st2024At10);
}

TEST(Rfc5322DateTest, MissingSecondsCommentsWhitespaceAndCase) {
  EXPECT_EQ(ParseRfc5322Date("Mon, 1 Jan 2024 10:00 +0000"), kJan1st2024At10);
  EXPECT_EQ(ParseRfc5322Date(" (x) mOnDaY ,\t1  jAN (y (z)) 2024 10 : 00 : 00 +0000 (UTC)"),
            kJan1st2024At10);
  EXPECT_EQ(ParseRfc5322Date("Mon 1 January 2024 10:00:00 +0000"), kJan1st2024At10);
}

TEST(Rfc5322DateTest, LeapDays) {
  EXPECT_EQ(ParseRfc5322Date("29 Feb 2024 00:00:00 +0000"), int64_t{1709164800} * 1000000);
  EXPECT_EQ(ParseRfc5322Date("29 Feb 2023 00:00:00 +0000"), std::nullopt);
  EXPECT_EQ(ParseRfc5322Date("29 Feb 1900 00:00:00 +0000"), std::nullopt);
  EXPECT_NE(ParseRfc5322Date("29 Feb 2000 00:00:00 +0000"), std::nullopt);
}

TEST(Rfc5322DateTest, OutOfRangeIsNullopt) {
  for (std::string_view bad :
       {"30 Feb 2024 10:00:00 +0000", "0 Jan 2024 10:00:00 +0000", "32 Jan 2024 10:00 +0000",
        "1 Jan 2024 24:00:00 +0000", "1 Jan 2024 10:60:00 +0000", "1 Jan 2024 10:00:61 +0000",
        "1 Jan 2024 10:00:00 +2400", "1 Jan 2024 10:00:00 +0060", "1 Jan 2024 10:00:00 +100",
        "1 Jan 1899 10:00:00 +0000", "1 Jan 12345 10:00:00 +0000", "1 Foo 2024 10:00 +0000",
        "Xyz, 1 Jan 2024 10:00 +0000", "123 Jan 2024 10:00 +0000",
        "1 Jan 99999999999999999999 10:00 +0000"}) {
    EXPECT_EQ(ParseRfc5322Date(bad), std::nullopt) << bad;
  }
}

TEST(Rfc5322DateTest, GarbageIsNullopt) {
  for (std::string_view bad : {"", " ", "yesterday", "2024-01-01T10:00:00Z", "Mon,", "1 Jan",
                               "1 Jan 2024", "1 Jan 2024 10", "((((", "\xFF\xFE"}) {
    EXPECT_EQ(ParseRfc5322Date(bad), std::nullopt) << bad;
  }
}

TEST(Rfc5322DateTest, LeapSecondIsAccepted) {
  EXPECT_EQ(ParseRfc5322Date("31 Dec 2016 23:59:60 +0000"),
            ParseRfc5322Date("1 Jan 2017 00:00:00 +0000"));
}

TEST(Rfc5322DateTest, TrailingTextAfterZoneIsIgnored) {
  EXPECT_EQ(ParseRfc5322Date("1 Jan 2024 10:00:00 +0000 GMT extra"), kJan1st2024At10);
  EXPECT_EQ(ParseRfc5322Date("1 Jan 2024 11:00:00 +0100 (CET)"), kJan1st2024At10);
}

}  // namespace
}  // namespace chainmail
