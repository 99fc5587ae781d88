// Database conformance suite: what holds for a backend as a whole (store/database.hpp): its
// ChangeFeed, and durability across reopening, run against every backend
// (tests/unit/store/store_test.hpp says how).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

#include "store/database.hpp"
#include "store/non_blocking_scope.hpp"
#include "store/store_test.hpp"

namespace obauth::store {

template <class Factory>
class DatabaseConformance : public StoreTest<Factory> {};

TYPED_TEST_SUITE_P(DatabaseConformance);

TYPED_TEST_P(DatabaseConformance, ForeignChangeVersionMovesForOtherWritersOnly) {
  auto other = this->OpenStores();
  ASSERT_NE(other, nullptr);
  auto start = this->changes().ForeignChangeVersion();
  ASSERT_TRUE(start);
  this->CreatePartnerOrFail("pt-own");
  ASSERT_TRUE(this->settings().GetOrCreateSetting("own", "x"));
  auto after_own = this->changes().ForeignChangeVersion();
  ASSERT_TRUE(after_own);
  EXPECT_EQ(*after_own, *start);
  ASSERT_TRUE(other->clients().FindClient("pt-own"));  // a read is no change
  auto after_read = this->changes().ForeignChangeVersion();
  ASSERT_TRUE(after_read);
  EXPECT_EQ(*after_read, *start);
  ASSERT_TRUE(other->settings().GetOrCreateSetting("foreign", "y"));
  // A backend may learn of foreign writes asynchronously (PostgreSQL: NOTIFY); wait up to 5 s.
  bool moved = false;
  for (int i = 0; i < 500 && !moved; ++i) {
    auto version = this->changes().ForeignChangeVersion();
    ASSERT_TRUE(version);
    moved = *version != *start;
    if (!moved) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(moved);
}

TYPED_TEST_P(DatabaseConformance, DataSurvivesReopening) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('r')));
  const Replay replay = this->MakeReplay("pt-1", "k", 7000);
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", this->Hash('s'), 7000, 600, true, &replay));
  ASSERT_TRUE(this->settings().GetOrCreateSetting("key", "value"));
  this->stores_.reset();

  auto reopened = this->OpenStores();
  ASSERT_NE(reopened, nullptr);
  auto partner = reopened->clients().FindClient("pt-1");
  ASSERT_TRUE(partner);
  ASSERT_EQ(partner->secrets.size(), 1u);
  EXPECT_EQ(partner->secrets[0].hash, this->Hash('p'));
  auto client = reopened->clients().FindClient("dc-1");
  ASSERT_TRUE(client);
  ASSERT_EQ(client->secrets.size(), 2u);
  EXPECT_EQ(client->secrets[1].expires_at, std::optional<std::int64_t>(7600));
  EXPECT_EQ(client->token_epoch, 1);
  auto recipient = reopened->recipients().GetRecipient("pt-1", "dc-1", 7000);
  ASSERT_TRUE(recipient);
  EXPECT_EQ(recipient->contact_emails, this->MakeRecipient("dc-1", "pt-1").contact_emails);
  auto setting = reopened->settings().GetSetting("key");
  ASSERT_TRUE(setting);
  EXPECT_EQ(*setting, std::optional<std::string>("value"));
  auto events = reopened->audit().ListAuditEvents({"pt-1", std::nullopt, std::nullopt, 10});
  ASSERT_TRUE(events);
  EXPECT_EQ(events->size(), 3u);
  auto found = reopened->replays().FindReplay("pt-1", "k", 0);
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->has_value());
}

// Under a NonBlockingScope ForeignChangeVersion answers kWouldBlock before it reaches the
// database.
TYPED_TEST_P(DatabaseConformance, ForeignChangeVersionWouldBlockUnderNonBlockingScope) {
  NonBlockingScope no_blocking;
  this->ExpectWouldBlock(this->changes().ForeignChangeVersion(), "ForeignChangeVersion");
}

REGISTER_TYPED_TEST_SUITE_P(DatabaseConformance, ForeignChangeVersionMovesForOtherWritersOnly,
                            DataSurvivesReopening,
                            ForeignChangeVersionWouldBlockUnderNonBlockingScope);

}  // namespace obauth::store
