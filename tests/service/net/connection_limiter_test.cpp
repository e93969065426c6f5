#include "service/net/connection_limiter.h"

#include <gtest/gtest.h>

#include <vector>

namespace chainmail {
namespace {

TEST(ConnectionLimiterTest, TotalLimitAcrossAddresses) {
  ConnectionLimiter limiter(2, 10);
  auto a = limiter.TryAcquire("10.0.0.1");
  auto b = limiter.TryAcquire("10.0.0.2");
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(limiter.TryAcquire("10.0.0.3"));
  EXPECT_EQ(limiter.total(), 2u);
}

TEST(ConnectionLimiterTest, PerAddressLimitLeavesOthersAlone) {
  ConnectionLimiter limiter(10, 1);
  auto a = limiter.TryAcquire("10.0.0.1");
  ASSERT_TRUE(a);
  EXPECT_FALSE(limiter.TryAcquire("10.0.0.1"));
  EXPECT_TRUE(limiter.TryAcquire("10.0.0.2"));
}

TEST(ConnectionLimiterTest, ReleasedSlotIsReusable) {
  ConnectionLimiter limiter(1, 1);
  {
    auto a = limiter.TryAcquire("10.0.0.1");
    ASSERT_TRUE(a);
    std::vector<ConnectionLimiter::Slot> moved;
    moved.push_back(std::move(*a));  // moving does not release
    EXPECT_FALSE(limiter.TryAcquire("10.0.0.1"));
  }
  EXPECT_EQ(limiter.total(), 0u);
  EXPECT_TRUE(limiter.TryAcquire("10.0.0.1"));
}

TEST(ConnectionLimiterTest, ZeroPerAddressRefusesEveryone) {
  ConnectionLimiter limiter(10, 0);
  EXPECT_FALSE(limiter.TryAcquire("10.0.0.1"));
  EXPECT_EQ(limiter.total(), 0u);
}

}  // namespace
}  // namespace chainmail
