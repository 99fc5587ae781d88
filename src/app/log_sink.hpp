// BufferedFdSink: an spdlog sink that gathers formatted lines in memory and writes them to a file
// descriptor in large writes: every `interval` from its own thread, when a message at the
// logger's flush_on level arrives, when `max_buffered` bytes have gathered, and when the sink is
// destroyed. A request thread only formats and appends; it makes no system call
// and wakes no other thread, unless the buffer is full, in which case it writes the buffer itself
// (callers wait rather than lines being dropped). Lines stay in order. Thread-safe.
#pragma once

#include <spdlog/sinks/sink.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>

namespace obauth::app {

class BufferedFdSink final : public spdlog::sinks::sink {
 public:
  BufferedFdSink(int fd, std::size_t max_buffered, std::chrono::milliseconds interval);
  ~BufferedFdSink() override;

  void log(const spdlog::details::log_msg& msg) override;
  void flush() override;
  void set_pattern(const std::string& pattern) override;
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override;

 private:
  const int fd_;
  const std::size_t max_buffered_;
  std::mutex write_mu_;   // one writer at a time, so batches reach the fd in order
  std::mutex buffer_mu_;  // guards formatter_ and buffer_; never held across a write
  std::unique_ptr<spdlog::formatter> formatter_;
  spdlog::memory_buf_t buffer_;
  spdlog::memory_buf_t batch_;  // being written; guarded by write_mu_
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread flusher_;
};

}  // namespace obauth::app
