// The test clock: "now" moved through a file named by OBAUTH_TEST_CLOCK_FILE, so that every
// process of an end-to-end test (servers and operator commands) agrees on a shifted time and the
// test never waits for the wall clock. Test-only: without the variable the process uses
// SystemClock, and nothing reachable over the network changes the file (docs/security.md).
// TestClock is thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace obauth::app {

inline constexpr char kTestClockVariable[] = "OBAUTH_TEST_CLOCK_FILE";

// What the file says: the system clock shifted by `seconds`, or the clock standing still at
// `seconds` (a Unix time).
struct TestClockSetting {
  bool stopped = false;
  std::int64_t seconds = 0;
};

// The setting in a file's text: one integer, an offset in seconds added to the system clock
// ("3600", "-5", "+61"), or "@" and the Unix time at which the clock stands ("@1800000000");
// white space around it is ignored. kValidation for anything else, or for an offset beyond 100
// years or a time outside 1970-9999.
[[nodiscard]] Result<TestClockSetting> ParseTestClockSetting(std::string_view text);

class TestClock final : public Clock {
 public:
  // The clock set by the file at `path`; kValidation when it cannot be read or its text is not
  // a setting (ParseTestClockSetting).
  [[nodiscard]] static Result<std::unique_ptr<TestClock>> Open(std::string path);

  // Each call stats the file and reads it again when its inode, size, modification or change
  // time differ from the last read (a writer that replaces it faster than the file system's
  // timestamp resolution should set the modification time itself, as tests/e2e does). A file
  // that has gone or become malformed leaves the last setting in force.
  std::int64_t NowSeconds() const override;

  // The setting in force, e.g. "the system clock + 3600 s" or "stopped at 2027-01-15T08:00:00Z",
  // for the start-up warning.
  std::string Describe() const;

 private:
  struct FileIdentity {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = -1;
    std::int64_t modified_ns = 0;
    std::int64_t changed_ns = 0;
    bool operator==(const FileIdentity&) const = default;
  };

  explicit TestClock(std::string path) : path_(std::move(path)) {}
  // Reads the file when it changed; the error when it cannot be read or parsed. Holds mu_.
  Result<void> Refresh() const;

  const std::string path_;
  mutable std::mutex mu_;
  mutable FileIdentity identity_;
  mutable TestClockSetting setting_;
};

// The clock of this process: SystemClock, or the TestClock of the file that
// OBAUTH_TEST_CLOCK_FILE names when it is set and not empty (then `test_clock` points at it).
// Fails as TestClock::Open does.
struct ProcessClock {
  std::unique_ptr<Clock> clock;
  const TestClock* test_clock = nullptr;
};
[[nodiscard]] Result<ProcessClock> OpenProcessClock();

}  // namespace obauth::app
