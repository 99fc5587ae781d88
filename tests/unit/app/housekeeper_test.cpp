#include "app/housekeeper.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <atomic>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace obauth::app {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;

// A logger whose lines a test can read.
class CapturedLog {
 public:
  CapturedLog()
      : logger_(std::make_shared<spdlog::logger>(
            "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(text_))) {
    logger_->set_pattern("%l %v");
  }
  std::shared_ptr<spdlog::logger> logger() const { return logger_; }
  std::string text() {
    logger_->flush();
    return text_.str();
  }

 private:
  std::ostringstream text_;
  std::shared_ptr<spdlog::logger> logger_;
};

// A task that counts its runs and remembers the time of the last one.
struct Counter {
  int runs = 0;
  std::int64_t last = 0;
  std::function<Result<void>(std::int64_t)> Fn() {
    return [this](std::int64_t now) -> Result<void> {
      ++runs;
      last = now;
      return {};
    };
  }
};

TEST(HousekeeperTest, RunsEveryTaskAtTheFirstTickInTheOrderAdded) {
  CapturedLog log;
  Housekeeper housekeeper(log.logger());
  std::vector<std::string> order;
  for (const char* name : {"first", "second", "third"}) {
    housekeeper.Add(
        {.name = name, .period_seconds = 600, .run = [&order, name](std::int64_t) -> Result<void> {
           order.push_back(name);
           return {};
         }});
  }
  housekeeper.Tick(kNow);
  EXPECT_EQ(order, (std::vector<std::string>{"first", "second", "third"}));
}

TEST(HousekeeperTest, RunsATaskAgainOnceItsPeriodHasPassedSinceItsLastRun) {
  CapturedLog log;
  Housekeeper housekeeper(log.logger());
  Counter purge;
  housekeeper.Add({.name = "purging", .period_seconds = 600, .run = purge.Fn()});
  const struct {
    std::int64_t at;
    int runs;
  } rows[] = {
      {kNow, 1},
      {kNow + 1, 1},
      {kNow + 599, 1},
      {kNow + 600, 2},
      {kNow + 601, 2},
      {kNow + 1199, 2},
      {kNow + 1200, 3},
      // Late: runs once, and its period starts from then.
      {kNow + 5000, 4},
      {kNow + 5599, 4},
      {kNow + 5600, 5},
  };
  for (const auto& row : rows) {
    housekeeper.Tick(row.at);
    EXPECT_EQ(purge.runs, row.runs) << "at kNow + " << row.at - kNow;
  }
  EXPECT_EQ(purge.last, kNow + 5600);
}

TEST(HousekeeperTest, ZeroPeriodRunsAtEveryTickEvenWhenTheClockStandsStill) {
  CapturedLog log;
  Housekeeper housekeeper(log.logger());
  Counter every_tick;
  housekeeper.Add({.name = "every tick", .period_seconds = 0, .run = every_tick.Fn()});
  for (int i = 0; i < 3; ++i) housekeeper.Tick(kNow);
  housekeeper.Tick(kNow + 1);
  EXPECT_EQ(every_tick.runs, 4);
}

TEST(HousekeeperTest, ClockSetBackRunsTheTaskAndStartsItsPeriodAgain) {
  CapturedLog log;
  Housekeeper housekeeper(log.logger());
  Counter purge;
  housekeeper.Add({.name = "purging", .period_seconds = 600, .run = purge.Fn()});
  housekeeper.Tick(kNow);
  housekeeper.Tick(kNow - 3600);
  EXPECT_EQ(purge.runs, 2);
  housekeeper.Tick(kNow - 3600 + 599);
  EXPECT_EQ(purge.runs, 2);
  housekeeper.Tick(kNow - 3600 + 600);
  EXPECT_EQ(purge.runs, 3);
}

TEST(HousekeeperTest, AFailureIsLoggedWithTheTaskNameAndTheOtherTasksStillRun) {
  CapturedLog log;
  Housekeeper housekeeper(log.logger());
  int failures = 0;
  housekeeper.Add({.name = "purging idempotency replays",
                   .period_seconds = 600,
                   .run = [&](std::int64_t) -> Result<void> {
                     ++failures;
                     return InternalError("database is locked");
                   }});
  housekeeper.Add(
      {.name = "reading the signing keys",
       .period_seconds = 0,
       .run = [](std::int64_t) -> Result<void> { throw std::runtime_error("out of luck"); }});
  Counter after;
  housekeeper.Add({.name = "recording secret usage", .period_seconds = 0, .run = after.Fn()});

  housekeeper.Tick(kNow);
  EXPECT_EQ(after.runs, 1);
  const std::string text = log.text();
  EXPECT_NE(text.find("warning purging idempotency replays failed: database is locked"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("warning reading the signing keys failed: out of luck"), std::string::npos)
      << text;
  // A failed run counts as a run: the next attempt waits for the period.
  housekeeper.Tick(kNow + 1);
  EXPECT_EQ(failures, 1);
  EXPECT_EQ(after.runs, 2);
  housekeeper.Tick(kNow + 600);
  EXPECT_EQ(failures, 2);
}

TEST(HousekeeperTest, ShutdownRunsOnlyTheShutdownWork) {
  CapturedLog log;
  Housekeeper housekeeper(log.logger());
  Counter drain;
  Counter drain_all;
  Counter poll;
  housekeeper.Add({.name = "recording secret usage",
                   .period_seconds = 0,
                   .run = drain.Fn(),
                   .at_shutdown = drain_all.Fn()});
  housekeeper.Add({.name = "reading the signing keys", .period_seconds = 0, .run = poll.Fn()});
  housekeeper.Add(
      {.name = "failing at shutdown",
       .period_seconds = 0,
       .at_shutdown = [](std::int64_t) -> Result<void> { return InternalError("disk full"); }});
  housekeeper.Tick(kNow);
  housekeeper.Shutdown(kNow + 1);
  EXPECT_EQ(drain.runs, 1);
  EXPECT_EQ(poll.runs, 1);
  EXPECT_EQ(drain_all.runs, 1);
  EXPECT_EQ(drain_all.last, kNow + 1);
  EXPECT_NE(log.text().find("failing at shutdown failed: disk full"), std::string::npos);
}

TEST(HousekeepingThreadTest, TicksWithTheClockAndRunsTheShutdownWorkLastWhenDestroyed) {
  CapturedLog log;
  Housekeeper housekeeper(log.logger());
  ManualClock clock(kNow);
  std::atomic<int> ticks{0};
  std::atomic<std::int64_t> last_tick{0};
  std::atomic<int> ticks_at_shutdown{-1};
  std::atomic<std::int64_t> shutdown_at{0};
  housekeeper.Add({.name = "counting",
                   .period_seconds = 0,
                   .run = [&](std::int64_t now) -> Result<void> {
                     last_tick = now;
                     ++ticks;
                     return {};
                   },
                   .at_shutdown = [&](std::int64_t now) -> Result<void> {
                     ticks_at_shutdown = ticks.load();
                     shutdown_at = now;
                     return {};
                   }});
  {
    HousekeepingThread thread(housekeeper, clock, std::chrono::milliseconds(5));
    while (ticks < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_EQ(last_tick, kNow);
    clock.Advance(30);
    while (last_tick != kNow + 30) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_EQ(ticks_at_shutdown, -1) << "no shutdown work while running";
  }
  EXPECT_EQ(ticks_at_shutdown, ticks.load()) << "the shutdown work runs after the last tick";
  EXPECT_EQ(shutdown_at, kNow + 30);
}

}  // namespace
}  // namespace obauth::app
