#include "core/error.hpp"

#include <gtest/gtest.h>

namespace obauth {
namespace {

Result<int> Half(int n) {
  if (n % 2 != 0) return MakeError(ErrorCode::kValidation, "odd", "n was odd");
  return n / 2;
}

Result<int> Quarter(int n) {
  OBAUTH_TRY(half, Half(n));
  return Half(half);
}

TEST(Error, MakeErrorKeepsCodeAndBothMessages) {
  const Error e = MakeError(ErrorCode::kConflict, "public", "internal");
  EXPECT_EQ(e.code, ErrorCode::kConflict);
  EXPECT_EQ(e.public_message, "public");
  EXPECT_EQ(e.internal, "internal");
}

TEST(Error, InternalErrorNeverCarriesDetailsInPublicMessage) {
  const Error e = InternalError("sqlite said: disk I/O error at /secret/path");
  EXPECT_EQ(e.code, ErrorCode::kInternal);
  EXPECT_EQ(e.public_message, "Internal Server Error");
  EXPECT_EQ(e.internal, "sqlite said: disk I/O error at /secret/path");
}

TEST(Error, TryBindsValueOnSuccess) {
  auto r = Quarter(8);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 2);
}

TEST(Error, TryPropagatesFirstError) {
  auto r = Quarter(6);  // 6 / 2 = 3, then 3 is odd
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kValidation);
  EXPECT_EQ(r.error().internal, "n was odd");
}

}  // namespace
}  // namespace obauth
