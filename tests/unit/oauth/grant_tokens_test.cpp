#include "oauth/grant_tokens.hpp"

#include <gtest/gtest.h>

#include <string>

namespace obauth::oauth {
namespace {

TEST(GrantTokens, ANewTokenStartsWithItsRowsIdAndCarries256RandomBits) {
  auto a = NewGrantToken("cn-0123");
  auto b = NewGrantToken("cn-0123");
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  const std::string token(a->Expose());
  EXPECT_EQ(token.rfind("cn-0123.", 0), 0u) << token;
  EXPECT_EQ(token.size(), std::string("cn-0123.").size() + 43);
  EXPECT_NE(a->Expose(), b->Expose());
  EXPECT_EQ(GrantTokenId(a->Expose()), "cn-0123");
}

TEST(GrantTokens, ATokenWithoutBothPartsHasNoId) {
  for (const char* token : {"", "abc", ".abc", "abc.", "."}) {
    EXPECT_EQ(GrantTokenId(token), "") << "'" << token << "'";
  }
  EXPECT_EQ(GrantTokenId("a.b.c"), "a");
}

}  // namespace
}  // namespace obauth::oauth
