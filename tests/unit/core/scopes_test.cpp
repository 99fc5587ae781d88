#include "core/scopes.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace obauth {
namespace {

using Scopes = std::vector<std::string>;

TEST(Scopes, SplitSkipsRepeatedLeadingAndTrailingSpaces) {
  EXPECT_EQ(SplitScopes(""), Scopes{});
  EXPECT_EQ(SplitScopes("   "), Scopes{});
  EXPECT_EQ(SplitScopes("a"), Scopes{"a"});
  EXPECT_EQ(SplitScopes("  a   b "), (Scopes{"a", "b"}));
  EXPECT_EQ(SplitScopes("a b a"), (Scopes{"a", "b", "a"}));
}

TEST(Scopes, JoinUsesSingleSpaces) {
  EXPECT_EQ(JoinScopes({}), "");
  EXPECT_EQ(JoinScopes({"a"}), "a");
  EXPECT_EQ(JoinScopes({"a", "b", "c"}), "a b c");
}

TEST(Scopes, SplitThenJoinIsCanonical) {
  EXPECT_EQ(JoinScopes(SplitScopes("  ACCOUNT_BASIC    TRANSACTIONS ")),
            "ACCOUNT_BASIC TRANSACTIONS");
}

TEST(Scopes, MandatoryScopeIsTheFirstDocumentedDataScope) {
  EXPECT_EQ(kDataScopes.front(), kMandatoryDataScope);
  EXPECT_EQ(std::count(kDataScopes.begin(), kDataScopes.end(), kAdminScope), 0);
}

}  // namespace
}  // namespace obauth
