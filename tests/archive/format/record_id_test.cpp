#include "archive/format/record_id.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

namespace chainmail {
namespace {

TEST(RecordId, IsVersion7Variant10) {
  RecordId id = RecordId::Generate();
  EXPECT_EQ(id.bytes()[6] >> 4, 7);
  EXPECT_EQ(id.bytes()[8] >> 6, 2);
}

TEST(RecordId, CarriesTheCurrentMillisecond) {
  uint64_t now = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch()).count());
  RecordId id = RecordId::Generate();
  uint64_t ms = 0;
  for (int i = 0; i < 6; ++i) ms = ms << 8 | id.bytes()[i];
  EXPECT_LE(now, ms);
  EXPECT_LE(ms, now + 1000);
}

TEST(RecordId, StrictlyIncreasingWithinProcess) {
  RecordId prev = RecordId::Generate();
  for (int i = 0; i < 20000; ++i) {
    RecordId next = RecordId::Generate();
    ASSERT_LT(prev.AsBytes(), next.AsBytes()) << i;
    prev = next;
  }
}

TEST(RecordId, FormatsAndParsesCanonically) {
  RecordId id = RecordId::Generate();
  std::string s = id.ToString();
  ASSERT_EQ(s.size(), 36u);
  EXPECT_EQ(s[8], '-');
  auto back = RecordId::Parse(s);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, id);
}

TEST(RecordId, RejectsMalformedText) {
  for (const char* bad : {"", "xyz", "0190c7e2-1234-7abc-8def-0123456789a", "0190c7e2+1234-7abc-8def-0123456789ab",
                          "0190c7e2-1234-7abc-8def-0123456789ag", "../../etc/passwd"})
    EXPECT_FALSE(RecordId::Parse(bad).has_value()) << bad;
}

}  // namespace
}  // namespace chainmail
