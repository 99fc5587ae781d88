#include "app/housekeeper.hpp"

#include <exception>

namespace obauth::app {

void Housekeeper::Add(PeriodicTask task) { entries_.push_back({std::move(task), std::nullopt}); }

void Housekeeper::RunLogged(const std::string& name,
                            const std::function<Result<void>(std::int64_t)>& work,
                            std::int64_t now) {
  // One task's failure must not stop the others, nor the thread (an escape would end the
  // process).
  try {
    if (auto done = work(now); !done) log_->warn("{} failed: {}", name, done.error().internal);
  } catch (const std::exception& e) {
    log_->warn("{} failed: {}", name, e.what());
  }
}

void Housekeeper::Tick(std::int64_t now) {
  for (auto& entry : entries_) {
    const auto& last = entry.last_run;
    const bool due = !last || *last > now || now - *last >= entry.task.period_seconds;
    if (!due || !entry.task.run) continue;
    entry.last_run = now;
    RunLogged(entry.task.name, entry.task.run, now);
  }
}

void Housekeeper::Shutdown(std::int64_t now) {
  for (const auto& entry : entries_) {
    if (entry.task.at_shutdown) RunLogged(entry.task.name, entry.task.at_shutdown, now);
  }
}

HousekeepingThread::HousekeepingThread(Housekeeper& housekeeper, const Clock& clock,
                                       std::chrono::milliseconds interval)
    : housekeeper_(housekeeper), clock_(clock), interval_(interval), thread_([this] { Loop(); }) {}

HousekeepingThread::~HousekeepingThread() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void HousekeepingThread::Loop() {
  while (true) {
    bool stopping;
    {
      std::unique_lock lock(mu_);
      wake_.wait_for(lock, interval_, [&] { return stop_; });
      stopping = stop_;
    }
    if (stopping) {
      housekeeper_.Shutdown(clock_.NowSeconds());
      return;
    }
    housekeeper_.Tick(clock_.NowSeconds());
  }
}

}  // namespace obauth::app
