#include "app/log_sink.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

namespace obauth::app {
namespace {

// A pipe whose read end never blocks: what the sink wrote so far.
class Pipe {
 public:
  Pipe() {
    EXPECT_EQ(::pipe(fds_), 0);
    ::fcntl(fds_[0], F_SETFL, O_NONBLOCK);
  }
  ~Pipe() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  int write_end() const { return fds_[1]; }
  std::string Drain() {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds_[0], buf, sizeof buf)) > 0)
      text_.append(buf, static_cast<std::size_t>(n));
    return text_;
  }

 private:
  int fds_[2] = {-1, -1};
  std::string text_;
};

std::shared_ptr<spdlog::logger> Logger(const std::shared_ptr<BufferedFdSink>& sink) {
  auto log = std::make_shared<spdlog::logger>("test", sink);
  log->set_pattern("%l %v");
  log->flush_on(spdlog::level::warn);
  return log;
}

TEST(BufferedFdSink, InfoLinesWaitForTheNextFlushAndKeepTheirOrder) {
  Pipe pipe;
  auto sink = std::make_shared<BufferedFdSink>(pipe.write_end(), 1 << 20, std::chrono::hours(1));
  auto log = Logger(sink);
  log->info("first");
  log->info("second");
  EXPECT_EQ(pipe.Drain(), "");  // no write(2) per line
  log->flush();
  EXPECT_EQ(pipe.Drain(), "info first\ninfo second\n");
}

TEST(BufferedFdSink, WarningsAreWrittenAtOnceWithWhatCameBefore) {
  Pipe pipe;
  auto sink = std::make_shared<BufferedFdSink>(pipe.write_end(), 1 << 20, std::chrono::hours(1));
  auto log = Logger(sink);
  log->info("before");
  log->warn("trouble");
  EXPECT_EQ(pipe.Drain(), "info before\nwarning trouble\n");
}

TEST(BufferedFdSink, WritesWhenTheBufferIsFull) {
  Pipe pipe;
  auto sink = std::make_shared<BufferedFdSink>(pipe.write_end(), 64, std::chrono::hours(1));
  auto log = Logger(sink);
  log->info("short");
  EXPECT_EQ(pipe.Drain(), "");
  log->info(std::string(60, 'x'));
  EXPECT_EQ(pipe.Drain(), "info short\ninfo " + std::string(60, 'x') + "\n");
}

TEST(BufferedFdSink, ItsThreadFlushesEveryInterval) {
  Pipe pipe;
  auto sink =
      std::make_shared<BufferedFdSink>(pipe.write_end(), 1 << 20, std::chrono::milliseconds(20));
  auto log = Logger(sink);
  log->info("eventually");
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (pipe.Drain().empty() && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(pipe.Drain(), "info eventually\n");
}

TEST(BufferedFdSink, DestructionWritesWhatIsLeft) {
  Pipe pipe;
  {
    auto sink = std::make_shared<BufferedFdSink>(pipe.write_end(), 1 << 20, std::chrono::hours(1));
    Logger(sink)->info("last words");
  }
  EXPECT_EQ(pipe.Drain(), "info last words\n");
}

}  // namespace
}  // namespace obauth::app
