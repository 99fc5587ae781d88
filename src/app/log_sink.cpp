#include "app/log_sink.hpp"

#include <spdlog/pattern_formatter.h>
#include <unistd.h>

#include <cerrno>

namespace obauth::app {

BufferedFdSink::BufferedFdSink(int fd, std::size_t max_buffered, std::chrono::milliseconds interval)
    : fd_(fd), max_buffered_(max_buffered) {
  flusher_ = std::thread([this, interval] {
    std::unique_lock lock(stop_mu_);
    while (!stop_cv_.wait_for(lock, interval, [this] { return stopping_; })) {
      lock.unlock();
      flush();
      lock.lock();
    }
  });
}

BufferedFdSink::~BufferedFdSink() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_one();
  flusher_.join();
  flush();
}

void BufferedFdSink::log(const spdlog::details::log_msg& msg) {
  bool full = false;
  {
    std::lock_guard lock(buffer_mu_);
    if (!formatter_) formatter_ = std::make_unique<spdlog::pattern_formatter>();
    formatter_->format(msg, buffer_);
    full = buffer_.size() >= max_buffered_;
  }
  if (full) flush();
}

void BufferedFdSink::flush() {
  std::lock_guard writing(write_mu_);
  {
    std::lock_guard lock(buffer_mu_);
    if (buffer_.size() == 0) return;
    // The two buffers trade places and keep their capacity: no allocation in steady state.
    std::swap(buffer_, batch_);
  }
  const char* data = batch_.data();
  std::size_t left = batch_.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // nowhere to log to; the lines are lost, the server goes on
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  batch_.clear();
}

void BufferedFdSink::set_pattern(const std::string& pattern) {
  set_formatter(std::make_unique<spdlog::pattern_formatter>(pattern));
}

void BufferedFdSink::set_formatter(std::unique_ptr<spdlog::formatter> formatter) {
  std::lock_guard lock(buffer_mu_);
  formatter_ = std::move(formatter);
}

}  // namespace obauth::app
