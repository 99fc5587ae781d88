#include "oauth/usage_tracker.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "oauth/connection_uses.hpp"

namespace obauth::oauth {
namespace {

std::vector<store::SecretUse> Sorted(std::vector<store::SecretUse> uses) {
  std::sort(uses.begin(), uses.end(),
            [](const auto& a, const auto& b) { return a.secret_id < b.secret_id; });
  return uses;
}

TEST(UsageTracker, DrainOfNothingIsEmpty) {
  UsageTracker usage;
  EXPECT_TRUE(usage.Drain().empty());
}

TEST(UsageTracker, DrainMergesRepeatedRecordsOfOneSecret) {
  UsageTracker usage;
  usage.Record(7, "dc-a", false, 100);
  usage.Record(7, "dc-a", false, 300);
  usage.Record(7, "dc-a", false, 200);  // out of order: the latest time wins
  usage.Record(8, "dc-a", true, 150);
  usage.Record(8, "dc-a", true, 120);
  usage.Record(9, "dc-b", false, 50);
  const auto uses = Sorted(usage.Drain());
  ASSERT_EQ(uses.size(), 3u);
  EXPECT_EQ(uses[0].secret_id, 7);
  EXPECT_EQ(uses[0].client_id, "dc-a");
  EXPECT_EQ(uses[0].last_used_at, 300);
  EXPECT_EQ(uses[0].previous_authentications, 0);
  EXPECT_EQ(uses[1].secret_id, 8);
  EXPECT_EQ(uses[1].last_used_at, 150);
  EXPECT_EQ(uses[1].previous_authentications, 2);
  EXPECT_EQ(uses[2].secret_id, 9);
  EXPECT_EQ(uses[2].client_id, "dc-b");
}

TEST(UsageTracker, DrainEmptiesTheTracker) {
  UsageTracker usage;
  usage.Record(1, "dc-a", true, 10);
  ASSERT_EQ(usage.Drain().size(), 1u);
  EXPECT_TRUE(usage.Drain().empty());
  // Counting starts again after a drain.
  usage.Record(1, "dc-a", true, 20);
  const auto again = usage.Drain();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].previous_authentications, 1);
  EXPECT_EQ(again[0].last_used_at, 20);
}

TEST(UsageTracker, LaterUseOfAWrittenSecretIsHeldBackForTheResolution) {
  UsageTracker usage(60);
  usage.Record(1, "dc-a", false, 100);
  ASSERT_EQ(usage.Drain().size(), 1u);  // a first use is due at once
  usage.Record(1, "dc-a", false, 159);
  EXPECT_TRUE(usage.Drain().empty());
  usage.Record(1, "dc-a", false, 160);
  const auto due = usage.Drain();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].last_used_at, 160);
  usage.Record(2, "dc-a", false, 161);  // another secret (say, after a rotation): due at once
  EXPECT_EQ(usage.Drain().size(), 1u);
}

TEST(UsageTracker, PreviousSecretUsesAreNeverHeldBack) {
  UsageTracker usage(60);
  usage.Record(1, "dc-a", true, 100);
  ASSERT_EQ(usage.Drain().size(), 1u);
  usage.Record(1, "dc-a", true, 101);
  const auto due = usage.Drain();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].previous_authentications, 1);
  EXPECT_EQ(due[0].last_used_at, 101);
}

TEST(UsageTracker, DrainAllHandsOutHeldBackUses) {
  UsageTracker usage(60);
  usage.Record(1, "dc-a", false, 100);
  ASSERT_EQ(usage.Drain().size(), 1u);
  usage.Record(1, "dc-a", false, 110);
  ASSERT_TRUE(usage.Drain().empty());
  const auto all = usage.DrainAll();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].last_used_at, 110);
  EXPECT_TRUE(usage.DrainAll().empty());
}

TEST(UsageTracker, ConcurrentRecordsAreAllCounted) {
  UsageTracker usage;
  constexpr int kThreads = 4;
  constexpr int kEach = 1000;
  {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&usage, t] {
        for (int i = 0; i < kEach; ++i) usage.Record(1, "dc-a", true, t * kEach + i);
      });
    }
    for (auto& thread : threads) thread.join();
  }
  const auto uses = usage.Drain();
  ASSERT_EQ(uses.size(), 1u);
  EXPECT_EQ(uses[0].previous_authentications, kThreads * kEach);
  EXPECT_EQ(uses[0].last_used_at, kThreads * kEach - 1);
}

}  // namespace
}  // namespace obauth::oauth

namespace obauth::oauth {
namespace {

TEST(ConnectionUses, KeepsTheLatestUseOfEachConnectionUntilDrained) {
  ConnectionUses uses;
  EXPECT_FALSE(uses.Pending("cn-1"));
  uses.Record("cn-1", 10);
  uses.Record("cn-1", 30);
  uses.Record("cn-1", 20);
  uses.Record("cn-2", 5);
  EXPECT_EQ(uses.Pending("cn-1"), 30);
  auto drained = uses.Drain();
  std::sort(drained.begin(), drained.end(),
            [](const auto& a, const auto& b) { return a.connection_id < b.connection_id; });
  ASSERT_EQ(drained.size(), 2u);
  EXPECT_EQ(drained[0].connection_id, "cn-1");
  EXPECT_EQ(drained[0].at, 30);
  EXPECT_EQ(drained[1].at, 5);
  EXPECT_FALSE(uses.Pending("cn-1"));
  EXPECT_TRUE(uses.Drain().empty());
}

}  // namespace
}  // namespace obauth::oauth
