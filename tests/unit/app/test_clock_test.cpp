#include "app/test_clock.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "temp_dir.hpp"

namespace obauth::app {
namespace {

TEST(TestClockSettingTest, ReadsAnOffsetOrAStoppedTime) {
  const struct {
    const char* text;
    bool stopped;
    std::int64_t seconds;
  } rows[] = {
      {"0", false, 0},
      {"3600\n", false, 3600},
      {"  -5 ", false, -5},
      {"+61", false, 61},
      {"@1800000000\n", true, 1800000000},
      {"@0", true, 0},
      {"3162240000", false, 3162240000},  // 100 years of 366 days
      {"@253402300799", true, 253402300799},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.text);
    auto setting = ParseTestClockSetting(row.text);
    ASSERT_TRUE(setting) << setting.error().internal;
    EXPECT_EQ(setting->stopped, row.stopped);
    EXPECT_EQ(setting->seconds, row.seconds);
  }
}

TEST(TestClockSettingTest, RefusesAnythingElse) {
  for (const char* text : {"", " \n", "abc", "12s", "1.5", "@", "@-1", "@@1", "--1", "+-1", "1 2",
                           "3162240001", "-3162240001", "@253402300800", "99999999999999999999"}) {
    SCOPED_TRACE(text);
    auto setting = ParseTestClockSetting(text);
    ASSERT_FALSE(setting);
    EXPECT_EQ(setting.error().code, ErrorCode::kValidation);
  }
}

class TestClockTest : public test_support::TempDirTest {
 protected:
  std::string File() const { return (dir_ / "clock").string(); }

  // Replaces the file as the end-to-end fixture does: a new file renamed over the old, with a
  // modification time of its own, so even a change within one timestamp tick is noticed.
  void Write(const std::string& text) {
    const auto temporary = dir_ / "clock.new";
    std::ofstream(temporary) << text;
    const timespec times[2] = {{0, UTIME_OMIT}, {1'000'000 + ++writes_, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, temporary.c_str(), times, 0), 0);
    std::filesystem::rename(temporary, File());
  }

  std::unique_ptr<TestClock> OpenOrFail() {
    auto clock = TestClock::Open(File());
    EXPECT_TRUE(clock) << clock.error().internal;
    return clock ? std::move(*clock) : nullptr;
  }

  int writes_ = 0;
};

TEST_F(TestClockTest, AddsTheOffsetToTheSystemClock) {
  Write("3600\n");
  const auto clock = OpenOrFail();
  ASSERT_TRUE(clock);
  const std::int64_t before = SystemClock().NowSeconds();
  const std::int64_t now = clock->NowSeconds();
  const std::int64_t after = SystemClock().NowSeconds();
  EXPECT_GE(now, before + 3600);
  EXPECT_LE(now, after + 3600);
  EXPECT_EQ(clock->Describe(), "the system clock + 3600 s");
}

TEST_F(TestClockTest, FollowsEveryChangeOfTheFile) {
  Write("@1800000000");
  const auto clock = OpenOrFail();
  ASSERT_TRUE(clock);
  EXPECT_EQ(clock->NowSeconds(), 1800000000);
  EXPECT_EQ(clock->Describe(), "stopped at 2027-01-15T08:00:00Z");
  // Several changes in quick succession, each seen by the next call.
  for (std::int64_t t = 1800000001; t <= 1800000005; ++t) {
    Write("@" + std::to_string(t));
    EXPECT_EQ(clock->NowSeconds(), t);
  }
  Write("-60");
  EXPECT_LE(clock->NowSeconds(), SystemClock().NowSeconds() - 60);
  EXPECT_EQ(clock->Describe(), "the system clock - 60 s");
}

TEST_F(TestClockTest, KeepsTheLastSettingWhenTheFileGoesOrBreaks) {
  Write("@1800000000");
  const auto clock = OpenOrFail();
  ASSERT_TRUE(clock);
  Write("garbage");
  EXPECT_EQ(clock->NowSeconds(), 1800000000);
  std::filesystem::remove(File());
  EXPECT_EQ(clock->NowSeconds(), 1800000000);
  Write("@1800000100");
  EXPECT_EQ(clock->NowSeconds(), 1800000100);
}

TEST_F(TestClockTest, OpeningAMissingOrMalformedFileFails) {
  auto missing = TestClock::Open(File());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().internal.find("cannot read the test clock file"), std::string::npos)
      << missing.error().internal;
  Write("tomorrow");
  auto malformed = TestClock::Open(File());
  ASSERT_FALSE(malformed);
  EXPECT_NE(malformed.error().internal.find("'tomorrow'"), std::string::npos)
      << malformed.error().internal;
}

TEST_F(TestClockTest, TheProcessClockIsTheSystemClockUnlessTheVariableNamesAFile) {
  ::unsetenv(kTestClockVariable);
  auto system = OpenProcessClock();
  ASSERT_TRUE(system);
  EXPECT_EQ(system->test_clock, nullptr);
  EXPECT_NE(dynamic_cast<const SystemClock*>(system->clock.get()), nullptr);

  Write("@1800000000");
  ::setenv(kTestClockVariable, File().c_str(), 1);
  auto test = OpenProcessClock();
  ::unsetenv(kTestClockVariable);
  ASSERT_TRUE(test) << test.error().internal;
  ASSERT_NE(test->test_clock, nullptr);
  EXPECT_EQ(test->clock->NowSeconds(), 1800000000);
}

}  // namespace
}  // namespace obauth::app
