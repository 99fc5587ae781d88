#include "store/sql/pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>

namespace obauth::store::sql {
namespace {

struct FakeConnection {
  int id = 0;
  bool broken = false;
};

using FakePool = Pool<FakeConnection>;

// A policy that numbers the connections it opens; `fail_next` makes the next open fail.
struct Opener {
  std::atomic<int> opened{0};
  std::atomic<bool> fail_next{false};
  FakePool::Policy Policy(
      std::optional<std::chrono::seconds> wait_limit = std::nullopt,
      std::function<FakePool::Disposal(const FakeConnection&)> on_release = nullptr) {
    return {[this]() -> Result<std::unique_ptr<FakeConnection>> {
              if (fail_next.exchange(false)) {
                return MakeError(ErrorCode::kUnavailable, "Service Unavailable", "cannot open");
              }
              return std::make_unique<FakeConnection>(FakeConnection{++opened});
            },
            wait_limit, [] { return MakeError(ErrorCode::kUnavailable, "none came free"); },
            std::move(on_release)};
  }
};

TEST(Pool, ReusesAGivenBackConnection) {
  Opener opener;
  FakePool pool(2, opener.Policy());
  {
    auto lease = pool.Acquire();
    ASSERT_TRUE(lease);
    EXPECT_EQ((**lease).id, 1);
  }
  auto again = pool.Acquire();
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)->id, 1);
  EXPECT_EQ(opener.opened, 1);
}

TEST(Pool, OpensNoMoreThanTheLimitAndWaitsForOneToComeBack) {
  Opener opener;
  FakePool pool(1, opener.Policy());
  auto held = std::make_optional(pool.Acquire());
  ASSERT_TRUE(*held);
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    auto lease = pool.Acquire();
    got = lease.has_value();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(got);
  held.reset();  // gives the connection back
  waiter.join();
  EXPECT_TRUE(got);
  EXPECT_EQ(opener.opened, 1);
}

TEST(Pool, AnswersExhaustedWhenNothingComesBackWithinTheWaitLimit) {
  Opener opener;
  FakePool pool(1, opener.Policy(std::chrono::seconds(1)));
  auto held = pool.Acquire();
  ASSERT_TRUE(held);
  auto refused = pool.Acquire();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().public_message, "none came free");
}

TEST(Pool, AFailedOpenFreesItsSlot) {
  Opener opener;
  FakePool pool(1, opener.Policy(std::chrono::seconds(1)));
  opener.fail_next = true;
  auto failed = pool.Acquire();
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().internal, "cannot open");
  EXPECT_TRUE(pool.Acquire());
}

TEST(Pool, ClosesWhatThePolicyRefusesAndWithItTheIdleOnes) {
  Opener opener;
  FakePool pool(3, opener.Policy(std::chrono::seconds(1), [](const FakeConnection& c) {
    return c.broken ? FakePool::Disposal::kCloseAllIdle : FakePool::Disposal::kKeep;
  }));
  pool.Adopt(std::make_unique<FakeConnection>(FakeConnection{100}));
  {
    auto a = pool.Acquire();  // the adopted one
    auto b = pool.Acquire();  // 1
    ASSERT_TRUE(a && b);
    EXPECT_EQ((*a)->id, 100);
  }
  // Both idle now; a broken one given back closes them too, so all three slots are free again.
  {
    auto c = pool.Acquire();
    ASSERT_TRUE(c);
    (*c)->broken = true;
  }
  auto d = pool.Acquire();
  auto e = pool.Acquire();
  auto f = pool.Acquire();
  ASSERT_TRUE(d && e && f);
  EXPECT_EQ(opener.opened, 4);
}

}  // namespace
}  // namespace obauth::store::sql
