// SettingStore conformance suite: the contract of store/setting_store.hpp, run against every
// backend (tests/unit/store/store_test.hpp says how).
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "store/non_blocking_scope.hpp"
#include "store/setting_store.hpp"
#include "store/store_test.hpp"

namespace obauth::store {

template <class Factory>
class SettingStoreConformance : public StoreTest<Factory> {};

TYPED_TEST_SUITE_P(SettingStoreConformance);

TYPED_TEST_P(SettingStoreConformance, SettingAbsentIsNullopt) {
  auto value = this->settings().GetSetting("nothing");
  ASSERT_TRUE(value);
  EXPECT_FALSE(value->has_value());
}

TYPED_TEST_P(SettingStoreConformance, GetOrCreateSettingFirstWriterWins) {
  auto first = this->settings().GetOrCreateSetting("key", "first");
  ASSERT_TRUE(first) << first.error().internal;
  EXPECT_EQ(*first, "first");
  auto second = this->settings().GetOrCreateSetting("key", "second");
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, "first");
  auto read = this->settings().GetSetting("key");
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, std::optional<std::string>("first"));
  // Settings are independent of each other.
  auto other = this->settings().GetOrCreateSetting("other", "x");
  ASSERT_TRUE(other);
  EXPECT_EQ(*other, "x");
}

TYPED_TEST_P(SettingStoreConformance, GetOrCreateSettingFirstWriterWinsAcrossInstances) {
  auto second_store = this->OpenStores();
  ASSERT_NE(second_store, nullptr);
  auto a = this->settings().GetOrCreateSetting("signing_key", "from-a");
  auto b = second_store->settings().GetOrCreateSetting("signing_key", "from-b");
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_EQ(*a, "from-a");
  EXPECT_EQ(*b, "from-a");
}

TYPED_TEST_P(SettingStoreConformance, ReplaceSettingSwapsOnlyTheExpectedValue) {
  ASSERT_TRUE(this->settings().GetOrCreateSetting("key", "old"));
  auto stale = this->settings().ReplaceSetting("key", "not-the-value", "other");
  ASSERT_TRUE(stale) << stale.error().internal;
  EXPECT_EQ(*stale, "old");
  auto swapped = this->settings().ReplaceSetting("key", "old", "new");
  ASSERT_TRUE(swapped) << swapped.error().internal;
  EXPECT_EQ(*swapped, "new");
  // A second instance replacing the same old value finds the first one's.
  auto second_store = this->OpenStores();
  ASSERT_NE(second_store, nullptr);
  auto late = second_store->settings().ReplaceSetting("key", "old", "late");
  ASSERT_TRUE(late);
  EXPECT_EQ(*late, "new");
  auto read = this->settings().GetSetting("key");
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, std::optional<std::string>("new"));
  auto missing = this->settings().ReplaceSetting("absent", "a", "b");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

// Under a NonBlockingScope every call answers kWouldBlock before it reaches the database, and
// changes nothing.
TYPED_TEST_P(SettingStoreConformance, SettingCallsWouldBlockUnderNonBlockingScope) {
  ASSERT_TRUE(this->settings().GetOrCreateSetting("key", "old"));
  {
    NonBlockingScope no_blocking;
    this->ExpectWouldBlock(this->settings().GetSetting("key"), "GetSetting");
    this->ExpectWouldBlock(this->settings().GetOrCreateSetting("other", "x"), "GetOrCreateSetting");
    this->ExpectWouldBlock(this->settings().ReplaceSetting("key", "old", "new"), "ReplaceSetting");
  }
  auto key = this->settings().GetSetting("key");
  ASSERT_TRUE(key);
  EXPECT_EQ(*key, std::optional<std::string>("old"));
  auto other = this->settings().GetSetting("other");
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->has_value());
}

REGISTER_TYPED_TEST_SUITE_P(SettingStoreConformance, SettingAbsentIsNullopt,
                            GetOrCreateSettingFirstWriterWins,
                            GetOrCreateSettingFirstWriterWinsAcrossInstances,
                            ReplaceSettingSwapsOnlyTheExpectedValue,
                            SettingCallsWouldBlockUnderNonBlockingScope);

}  // namespace obauth::store
