#include "oauth/auth_failure_limiter.hpp"

#include <gtest/gtest.h>

namespace obauth::oauth {
namespace {

constexpr AuthFailureLimits kLimits{3, 5, 60};

TEST(AuthFailureLimiter, RefusesAtTheLimitUntilTheOldestFailureLeavesTheWindow) {
  AuthFailureLimiter limiter(kLimits);
  EXPECT_FALSE(limiter.RecordFailure("dc-a", "10.0.0.1", 100));
  EXPECT_FALSE(limiter.RecordFailure("dc-a", "10.0.0.1", 110));
  EXPECT_EQ(limiter.RetryAfter("dc-a", "10.0.0.1", 110), 0);
  EXPECT_TRUE(limiter.RecordFailure("dc-a", "10.0.0.1", 120));  // the third: limit reached
  EXPECT_EQ(limiter.RetryAfter("dc-a", "10.0.0.1", 120), 40);   // 100 + 60 - 120
  EXPECT_EQ(limiter.RetryAfter("dc-a", "10.0.0.1", 159), 1);
  EXPECT_EQ(limiter.RetryAfter("dc-a", "10.0.0.1", 160), 0);  // the failure at 100 has left
}

TEST(AuthFailureLimiter, SameClientFromAnotherAddressIsNotAffected) {
  AuthFailureLimiter limiter(kLimits);
  for (int i = 0; i < 3; ++i) limiter.RecordFailure("dc-a", "10.0.0.1", 100);
  EXPECT_GT(limiter.RetryAfter("dc-a", "10.0.0.1", 100), 0);
  EXPECT_EQ(limiter.RetryAfter("dc-a", "10.0.0.2", 100), 0);
  EXPECT_EQ(limiter.RetryAfter("dc-b", "10.0.0.1", 100), 0);
}

TEST(AuthFailureLimiter, AddressLimitCoversEveryClientFromIt) {
  AuthFailureLimiter limiter(kLimits);
  // Spraying: one failure each for five ids.
  for (int i = 0; i < 5; ++i) limiter.RecordFailure("dc-" + std::to_string(i), "10.0.0.9", 100);
  EXPECT_EQ(limiter.RetryAfter("dc-new", "10.0.0.9", 100), 60);
  EXPECT_EQ(limiter.RetryAfter("dc-new", "10.0.0.8", 100), 0);
}

TEST(AuthFailureLimiter, SuccessForgetsTheFailuresOfThatClientAndAddress) {
  AuthFailureLimiter limiter(kLimits);
  limiter.RecordFailure("dc-a", "10.0.0.1", 100);
  limiter.RecordFailure("dc-a", "10.0.0.1", 100);
  limiter.RecordSuccess("dc-a", "10.0.0.1");
  EXPECT_FALSE(limiter.RecordFailure("dc-a", "10.0.0.1", 101));
  EXPECT_FALSE(limiter.RecordFailure("dc-a", "10.0.0.1", 101));
  EXPECT_EQ(limiter.RetryAfter("dc-a", "10.0.0.1", 101), 0);
}

TEST(AuthFailureLimiter, FullTableForgetsRatherThanLocksOut) {
  AuthFailureLimiter limiter(kLimits, 2);
  for (int i = 0; i < 3; ++i) limiter.RecordFailure("dc-a", "10.0.0.1", 100);
  ASSERT_GT(limiter.RetryAfter("dc-a", "10.0.0.1", 100), 0);
  // Two more keys of each kind while everything is still in the window: the table is cleared.
  limiter.RecordFailure("dc-b", "10.0.0.2", 100);
  limiter.RecordFailure("dc-c", "10.0.0.3", 100);
  EXPECT_EQ(limiter.RetryAfter("dc-a", "10.0.0.1", 100), 0);
  EXPECT_EQ(limiter.RetryAfter("dc-x", "10.0.0.4", 100), 0);
}

}  // namespace
}  // namespace obauth::oauth
