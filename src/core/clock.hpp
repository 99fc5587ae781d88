// Clock: the source of "now" in Unix seconds, injected so tests can move time.
// SystemClock is thread-safe; ManualClock is for single-threaded tests or guarded use.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace obauth {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t NowSeconds() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t NowSeconds() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t now) : now_(now) {}
  std::int64_t NowSeconds() const override { return now_.load(); }
  void Advance(std::int64_t seconds) { now_ += seconds; }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace obauth
