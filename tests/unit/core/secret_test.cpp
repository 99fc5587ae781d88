#include "core/secret.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sstream>

namespace obauth {
namespace {

TEST(Secret, ExposeReturnsTheBytes) {
  const Secret s(std::string("s3cr\0t", 6));
  EXPECT_EQ(s.Expose(), std::string_view("s3cr\0t", 6));
  EXPECT_FALSE(s.empty());
  EXPECT_TRUE(Secret().empty());
}

TEST(Secret, StreamOutputIsMasked) {
  std::ostringstream os;
  os << Secret("hunter2");
  EXPECT_EQ(os.str(), "***");
}

TEST(Secret, FmtOutputIsMasked) {
  EXPECT_EQ(fmt::format("{}", Secret("hunter2")), "***");
  EXPECT_EQ(fmt::format("[{:>5}]", Secret("hunter2")), "[  ***]");
}

}  // namespace
}  // namespace obauth
