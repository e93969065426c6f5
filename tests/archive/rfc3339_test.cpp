#include "archive/rfc3339.h"

#include <gtest/gtest.h>

namespace chainmail {
namespace {

TEST(Rfc3339, FormatsUtcWithMicroseconds) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatRfc3339(1764244110123456), "2025-11-27T11:48:30.123456Z");
}

TEST(Rfc3339, ParsesOffsetsAndFractions) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(ParseRfc3339("2025-11-27T11:48:30.123456Z"), 1764244110123456);
  EXPECT_EQ(ParseRfc3339("2025-11-27t11:48:30.5z"), 1764244110500000);
}

TEST(Rfc3339, RejectsMalformedDates) {
  for (const char* bad : {"", "2025-11-27", "2025-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
                          "2025-11-27T11:48:30", "2025-11-27T11:48:30+0100", "2025-11-27T11:48:30Zjunk",
                          "2025-11-27T24:00:00Z"})
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
}

TEST(Rfc3339, RoundTrips) {
  for (int64_t t : {int64_t{0}, int64_t{1}, int64_t{951782400000000}, int64_t{4102444799999999}})
    EXPECT_EQ(ParseRfc3339(FormatRfc3339(t)), t);
}

}  // namespace
}  // namespace chainmail
