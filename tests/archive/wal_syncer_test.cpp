// WalSyncer (archive/wal_syncer.h): answers come only after a sync, in the order handed
// over, many batches share one sync, and the first failure is final.
#include "archive/wal_syncer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "archive/histogram.h"
#include "tests/archive/archive_test_util.h"

namespace chainmail::testing {
namespace {

struct Answers {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<int, Status>> got;
  int idles = 0;

  std::function<void(const Status&)> For(int n) {
    return [this, n](const Status& s) {
      std::lock_guard<std::mutex> lock(mu);
      got.emplace_back(n, s);
      cv.notify_all();
    };
  }
  void WaitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return got.size() >= n; }));
  }
};

TEST(WalSyncer, AnswersInOrderAfterSyncingAndSharesSyncs) {
  TempDir dir;
  const std::string wal = dir.path() + "/db-wal";
  std::ofstream(wal) << "frames";
  Answers a;
  WalSyncer syncer(wal, [&] {
    std::lock_guard<std::mutex> lock(a.mu);
    ++a.idles;
    a.cv.notify_all();
  });
  for (int i = 0; i < 200; ++i) syncer.Sync(a.For(i));
  a.WaitFor(200);
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(a.got[i].first, i);
    EXPECT_TRUE(a.got[i].second.ok()) << a.got[i].second.message();
  }
  EXPECT_GE(syncer.times().syncs, 1u);
  EXPECT_LT(syncer.times().syncs, 200u) << "batches handed over during a sync share the next one";
  syncer.Stop();
  EXPECT_FALSE(syncer.busy());
  EXPECT_GE(a.idles, 1);
  EXPECT_TRUE(syncer.failure().ok());
}

TEST(WalSyncer, StopAnswersWhatWasHandedOver) {
  TempDir dir;
  const std::string wal = dir.path() + "/db-wal";
  std::ofstream(wal) << "frames";
  Answers a;
  {
    WalSyncer syncer(wal, [] {});
    for (int i = 0; i < 20; ++i) syncer.Sync(a.For(i));
  }  // destroyed: stopped
  EXPECT_EQ(a.got.size(), 20u);
}

TEST(WalSyncer, TheFirstFailureIsFinalEvenOnceTheFileIsBack) {
  TempDir dir;
  const std::string wal = dir.path() + "/db-wal";  // not there: the sync fails
  Answers a;
  WalSyncer syncer(wal, [] {});
  syncer.Sync(a.For(0));
  a.WaitFor(1);
  EXPECT_EQ(a.got[0].second.code(), Status::Code::kIoError);
  EXPECT_NE(a.got[0].second.message().find("db-wal"), std::string::npos);
  std::ofstream(wal) << "frames";  // a later sync would succeed: it must not be trusted
  syncer.Sync(a.For(1));
  a.WaitFor(2);
  EXPECT_FALSE(a.got[1].second.ok());
  EXPECT_FALSE(syncer.failure().ok());
}

TEST(WalSyncer, AReplacedFileIsTheOneSynced) {
  TempDir dir;
  const std::string wal = dir.path() + "/db-wal";
  std::ofstream(wal) << "frames";
  Answers a;
  WalSyncer syncer(wal, [] {});
  syncer.Sync(a.For(0));
  a.WaitFor(1);
  ASSERT_EQ(std::remove(wal.c_str()), 0);
  std::ofstream(wal) << "new frames";
  syncer.Sync(a.For(1));
  a.WaitFor(2);
  EXPECT_TRUE(a.got[1].second.ok()) << a.got[1].second.message();
}

// Each sync's time lands in one bucket; the quantile bounds read back what was put in.
TEST(WalSyncer, TimesEverySyncIntoItsHistogram) {
  TempDir dir;
  const std::string wal = dir.path() + "/x-wal";
  std::ofstream(wal) << "frames";
  Answers a;
  WalSyncer syncer(wal, [] {}, [](int) {
    std::this_thread::sleep_for(std::chrono::milliseconds(3));  // the 5 ms bucket (above 2.5 ms)
    return Status::Ok();
  });
  for (int i = 0; i < 3; ++i) {
    syncer.Sync(a.For(i));
    a.WaitFor(static_cast<size_t>(i + 1));
  }
  const WalSyncer::Times t = syncer.times();
  EXPECT_EQ(t.syncs, 3u);
  EXPECT_GE(t.sync_us, 9000u);
  uint64_t counted = 0;
  for (uint64_t n : t.buckets) counted += n;
  EXPECT_EQ(counted, t.syncs);
  EXPECT_EQ(t.buckets[0] + t.buckets[1] + t.buckets[2] + t.buckets[3] + t.buckets[4], 0u) << "none at or below 2.5 ms";
  EXPECT_GE(QuantileBound(t.buckets, kSyncTimeBoundsUs, 0.5).value_or(0), 5000u);
}

TEST(Histogram, QuantileBoundIsTheBucketTheQuantileFallsIn) {
  const std::array<uint64_t, 3> bounds = {10, 100, 1000};
  std::array<uint64_t, 4> buckets{};
  EXPECT_FALSE(QuantileBound(buckets, bounds, 0.5)) << "nothing observed";
  for (uint64_t v : {5, 7, 50, 60, 70, 80, 90, 95, 99, 5000}) Observe(buckets, bounds, v);
  EXPECT_EQ(buckets, (std::array<uint64_t, 4>{2, 7, 0, 1}));
  EXPECT_EQ(*QuantileBound(buckets, bounds, 0.2), 10u);
  EXPECT_EQ(*QuantileBound(buckets, bounds, 0.5), 100u);
  EXPECT_EQ(*QuantileBound(buckets, bounds, 0.9), 100u);
  EXPECT_EQ(*QuantileBound(buckets, bounds, 0.99), std::numeric_limits<uint64_t>::max()) << "above every bound";
}

}  // namespace
}  // namespace chainmail::testing
