#include "app/test_clock.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/time_format.hpp"

namespace obauth::app {
namespace {

constexpr std::int64_t kMaxOffset = std::int64_t{100} * 366 * 86400;
constexpr std::int64_t kLatestTime = 253402300799;  // 9999-12-31T23:59:59Z

Error Invalid(std::string message) { return MakeError(ErrorCode::kValidation, message, message); }

std::string_view Trimmed(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

std::int64_t Nanoseconds(const timespec& t) {
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

}  // namespace

Result<TestClockSetting> ParseTestClockSetting(std::string_view text) {
  std::string_view number = Trimmed(text);
  TestClockSetting setting;
  bool signed_already = false;  // "@" and "+" come with digits only
  if (number.starts_with('@')) {
    setting.stopped = true;
    signed_already = true;
    number.remove_prefix(1);
  } else if (number.starts_with('+')) {
    signed_already = true;
    number.remove_prefix(1);
  }
  const auto [end, ec] =
      std::from_chars(number.data(), number.data() + number.size(), setting.seconds);
  if (number.empty() || ec != std::errc() || end != number.data() + number.size() ||
      (signed_already && number.front() == '-')) {
    return Invalid(
        "the test clock file must hold an offset in seconds (e.g. 3600) or @ and a "
        "Unix time (e.g. @1800000000), not '" +
        std::string(Trimmed(text).substr(0, 40)) + "'");
  }
  if (setting.stopped ? setting.seconds > kLatestTime
                      : setting.seconds > kMaxOffset || setting.seconds < -kMaxOffset) {
    return Invalid("the test clock file's setting is out of range: " + std::string(number));
  }
  return setting;
}

Result<std::unique_ptr<TestClock>> TestClock::Open(std::string path) {
  std::unique_ptr<TestClock> clock(new TestClock(std::move(path)));
  std::lock_guard lock(clock->mu_);
  if (auto read = clock->Refresh(); !read) return read.error();
  return clock;
}

Result<void> TestClock::Refresh() const {
  struct stat status {};
  if (::stat(path_.c_str(), &status) != 0) {
    return Invalid("cannot read the test clock file " + path_ + ": " + std::strerror(errno));
  }
  const FileIdentity identity{status.st_dev, status.st_ino, status.st_size,
                              Nanoseconds(status.st_mtim), Nanoseconds(status.st_ctim)};
  if (identity == identity_) return {};
  std::ifstream in(path_, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return Invalid("cannot read the test clock file " + path_);
  OBAUTH_TRY(setting, ParseTestClockSetting(text.str()));
  // Remembered only once read whole: a half-written file is read again at the next call.
  setting_ = setting;
  identity_ = identity;
  return {};
}

std::int64_t TestClock::NowSeconds() const {
  std::lock_guard lock(mu_);
  (void)Refresh();  // a file gone or malformed meanwhile leaves the last setting in force
  if (setting_.stopped) return setting_.seconds;
  return SystemClock().NowSeconds() + setting_.seconds;
}

std::string TestClock::Describe() const {
  std::lock_guard lock(mu_);
  if (setting_.stopped) return "stopped at " + FormatRfc3339(setting_.seconds);
  return "the system clock " + std::string(setting_.seconds < 0 ? "- " : "+ ") +
         std::to_string(setting_.seconds < 0 ? -setting_.seconds : setting_.seconds) + " s";
}

Result<ProcessClock> OpenProcessClock() {
  const char* file = std::getenv(kTestClockVariable);
  if (file == nullptr || *file == '\0') return ProcessClock{std::make_unique<SystemClock>()};
  OBAUTH_TRY(clock, TestClock::Open(file));
  const TestClock* test_clock = clock.get();
  return ProcessClock{std::move(clock), test_clock};
}

}  // namespace obauth::app
