#include "archive/rfc3339.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <random>
#include <string>

namespace chainmail {
namespace {

TEST(Rfc3339, FormatsUtcWithMicroseconds) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatRfc3339(1764244110123456), "2025-11-27T11:48:30.123456Z");
}

// The formatter as it was (gmtime_r and printf): the digits by hand must agree with it.
std::string ReferenceFormat(int64_t unix_us) {
  const int64_t secs = unix_us >= 0 ? unix_us / 1000000 : (unix_us - 999999) / 1000000;
  const time_t t = static_cast<time_t>(secs);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(unix_us - secs * 1000000));
  return buf;
}

TEST(Rfc3339, FormatsAsGmtimeDoesFromYear1To9999) {
  const int64_t first = -62135596800LL * 1000000;       // 0001-01-01T00:00:00Z
  const int64_t last = 253402300799LL * 1000000 + 999999;  // 9999-12-31T23:59:59.999999Z
  for (int64_t t : {first, last, int64_t{-1}, int64_t{0}, int64_t{951782399999999} /* 2000-02-28 end */,
                    int64_t{951868800000000} /* 2000-03-01 */, int64_t{4107542400000000} /* 2100-03-01 */,
                    int64_t{-2208988800000000} /* 1900-01-01 */})
    EXPECT_EQ(FormatRfc3339(t), ReferenceFormat(t)) << t;
  std::mt19937_64 rng(20261128);
  std::uniform_int_distribution<int64_t> any(first, last);
  for (int i = 0; i < 200000; ++i) {
    const int64_t t = any(rng);
    ASSERT_EQ(FormatRfc3339(t), ReferenceFormat(t)) << t;
  }
  std::string appended = "x";
  AppendRfc3339(appended, 1764244110123456);
  EXPECT_EQ(appended, "x2025-11-27T11:48:30.123456Z");
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
