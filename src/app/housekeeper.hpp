// Housekeeping: named periodic tasks (writing secret usage, following the signing keys, purging
// what has expired) run by one background thread. Housekeeper is the registry, driven by
// Tick(now) and Shutdown(now), so a test decides what time it is; HousekeepingThread drives it
// once a second with the injected clock. Housekeeper is not thread-safe: one thread drives it.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace obauth::app {

struct PeriodicTask {
  // What it does, for the log: a failure is logged as "<name> failed: <internal message>".
  std::string name;
  // Seconds (of the time given to Tick) from one run to the next; 0 runs it at every tick.
  std::int64_t period_seconds = 0;
  std::function<Result<void>(std::int64_t now)> run{};
  // When set, runs once at shutdown (Housekeeper::Shutdown), e.g. to write what is still held
  // in memory.
  std::function<Result<void>(std::int64_t now)> at_shutdown{};
};

class Housekeeper {
 public:
  // Failures are logged to `log` as warnings.
  explicit Housekeeper(std::shared_ptr<spdlog::logger> log) : log_(std::move(log)) {}

  // Registers `task`; it runs at the next Tick.
  void Add(PeriodicTask task);

  // Runs, in the order they were added, the tasks that are due at `now`: those that have not run
  // yet, those whose period has passed since their last run, and those whose last run is later
  // than `now` (the clock was set back: the period starts again). A task that fails (an error
  // or an exception) is logged and runs again when its period has passed; the others run
  // regardless.
  void Tick(std::int64_t now);

  // Runs every task's at_shutdown work, failures logged as in Tick.
  void Shutdown(std::int64_t now);

 private:
  struct Entry {
    PeriodicTask task;
    std::optional<std::int64_t> last_run;
  };
  void RunLogged(const std::string& name, const std::function<Result<void>(std::int64_t)>& work,
                 std::int64_t now);

  std::shared_ptr<spdlog::logger> log_;
  std::vector<Entry> entries_;
};

// A thread that calls housekeeper.Tick(clock.NowSeconds()) every `interval` of real time (a
// wait, whatever the clock says), and housekeeper.Shutdown(clock.NowSeconds()) once when
// destroyed, on the same thread, before it ends. The housekeeper and the clock must outlive it.
class HousekeepingThread {
 public:
  HousekeepingThread(Housekeeper& housekeeper, const Clock& clock,
                     std::chrono::milliseconds interval = std::chrono::seconds(1));
  ~HousekeepingThread();
  HousekeepingThread(const HousekeepingThread&) = delete;
  HousekeepingThread& operator=(const HousekeepingThread&) = delete;

 private:
  void Loop();

  Housekeeper& housekeeper_;
  const Clock& clock_;
  const std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace obauth::app
