// Temporary directories for tests: a fresh directory per object, removed with everything in it
// when the object goes away. Not thread-safe; each test owns its own.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>

namespace obauth::testing {

class TempDir {
 public:
  // Creates a new, empty, private directory under the system temporary directory, named after
  // `prefix`. Throws std::runtime_error when it cannot be created.
  explicit TempDir(std::string_view prefix = "obauth-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A fixture whose tests each get their own temporary directory, removed after the test.
class TempDirTest : public ::testing::Test {
 protected:
  const std::filesystem::path& temp_dir() const { return dir_.path(); }

 private:
  TempDir dir_{"obauth-e2e"};
};

}  // namespace obauth::testing
