// TempDirTest: a fixture base that gives each test its own fresh directory under the system
// temp path (for SQLite files), removed again in TearDown. Not thread-safe; one per test.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <string>

namespace obauth::test_support {

// A new, empty directory whose name is unique across processes and tests.
inline std::filesystem::path MakeUniqueTempDir() {
  static std::atomic<unsigned> counter{0};
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = "obauth-unit-";
  if (info != nullptr) name += std::string(info->test_suite_name()) + "." + info->name() + "-";
  for (char& c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    if (!ok) c = '_';
  }
  std::random_device rd;
  name += std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + std::to_string(rd());
  const auto path = std::filesystem::temp_directory_path() / name;
  std::filesystem::create_directories(path);
  return path;
}

class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeUniqueTempDir(); }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string DbPath(const std::string& file = "obauth.db") const { return (dir_ / file).string(); }

  std::filesystem::path dir_;
};

}  // namespace obauth::test_support
