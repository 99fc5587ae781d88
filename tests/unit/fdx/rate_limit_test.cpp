#include "fdx/rate_limit.hpp"

#include <gtest/gtest.h>

namespace obauth::fdx {
namespace {

TEST(ConnectionRateLimiter, AdmitsTheLimitInAWindowThenSaysHowLongToWait) {
  ConnectionRateLimiter limiter(3, 60);
  const std::int64_t start = 1'800'000'000;  // a multiple of 60: a window starts here
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Admit("cn-a", start + 10), 0) << i;
  EXPECT_EQ(limiter.Admit("cn-a", start + 10), 50);
  EXPECT_EQ(limiter.Admit("cn-a", start + 59), 1);
  // Another connection counts apart; the next window starts afresh.
  EXPECT_EQ(limiter.Admit("cn-b", start + 59), 0);
  EXPECT_EQ(limiter.Admit("cn-a", start + 60), 0);
}

TEST(ConnectionRateLimiter, ARefusedRequestIsNotCounted) {
  ConnectionRateLimiter limiter(1, 60);
  const std::int64_t start = 1'800'000'000;
  EXPECT_EQ(limiter.Admit("cn-a", start), 0);
  for (int i = 0; i < 100; ++i) EXPECT_GT(limiter.Admit("cn-a", start + 1), 0);
  EXPECT_EQ(limiter.Admit("cn-a", start + 60), 0);
  EXPECT_GT(limiter.Admit("cn-a", start + 61), 0);
}

TEST(ConnectionRateLimiter, ZeroMeansNoLimit) {
  ConnectionRateLimiter limiter(0, 60);
  for (int i = 0; i < 10000; ++i) ASSERT_EQ(limiter.Admit("cn-a", 1'800'000'000), 0);
}

TEST(ConnectionRateLimiter, PastItsKeysItForgetsEveryCountRatherThanGrow) {
  ConnectionRateLimiter limiter(1, 60, 2);
  const std::int64_t now = 1'800'000'000;
  EXPECT_EQ(limiter.Admit("cn-a", now), 0);
  EXPECT_EQ(limiter.Admit("cn-b", now), 0);
  EXPECT_GT(limiter.Admit("cn-a", now), 0);
  EXPECT_EQ(limiter.Admit("cn-c", now), 0);  // a third key: the counts start over
  EXPECT_EQ(limiter.Admit("cn-a", now), 0);
}

}  // namespace
}  // namespace obauth::fdx
