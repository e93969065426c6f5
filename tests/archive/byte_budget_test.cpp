// ByteBudget (archive/byte_budget.h): holders never exceed the budget together, a share
// larger than the budget is granted alone, and shrinking gives bytes back at once.
#include "archive/byte_budget.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace chainmail::testing {
namespace {

TEST(ByteBudget, HoldersNeverExceedTheBudgetTogether) {
  ByteBudget budget(100);
  std::atomic<size_t> now{0}, peak{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const size_t want = 10 + static_cast<size_t>((t * 7 + i) % 40);
        ByteBudget::Share s = budget.Take(want);
        const size_t held = now += want;
        size_t p = peak.load();
        while (held > p && !peak.compare_exchange_weak(p, held)) {
        }
        now -= want;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_LE(peak.load(), 100u);
  EXPECT_EQ(budget.held(), 0u);
}

TEST(ByteBudget, AShareLargerThanTheBudgetIsGrantedAlone) {
  ByteBudget budget(100);
  ByteBudget::Share small = budget.Take(10);
  std::atomic<bool> granted{false};
  std::thread big([&] {
    ByteBudget::Share s = budget.Take(500);
    granted = true;
    EXPECT_EQ(budget.held(), 500u);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(granted.load()) << "waits while anything else is held";
  small.Shrink(0);
  big.join();
  EXPECT_TRUE(granted.load());
  EXPECT_EQ(budget.held(), 0u);
}

TEST(ByteBudget, ShrinkingGivesBytesBackAndNeverGrows) {
  ByteBudget budget(100);
  ByteBudget::Share a = budget.Take(80);
  a.Shrink(30);
  EXPECT_EQ(budget.held(), 30u);
  a.Shrink(60);
  EXPECT_EQ(a.bytes(), 30u) << "a share never grows";
  ByteBudget::Share b = budget.Take(70);  // fits beside the 30 kept
  EXPECT_EQ(budget.held(), 100u);
  ByteBudget::Share moved(std::move(b));
  EXPECT_EQ(budget.held(), 100u) << "a move hands the bytes over";
}

}  // namespace
}  // namespace chainmail::testing
