// ReplayStore conformance suite: the contract of store/replay_store.hpp, with the replays that
// recipient changes write, run against every backend (tests/unit/store/store_test.hpp says how).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>

#include "store/non_blocking_scope.hpp"
#include "store/replay_store.hpp"
#include "store/store_test.hpp"

namespace obauth::store {

template <class Factory>
class ReplayStoreConformance : public StoreTest<Factory> {};

TYPED_TEST_SUITE_P(ReplayStoreConformance);

TYPED_TEST_P(ReplayStoreConformance, ReplayIsStoredWithTheChangeAndFoundByPartnerAndKey) {
  this->CreatePartnerOrFail("pt-1");
  this->CreatePartnerOrFail("pt-2");
  const Replay create_replay =
      this->MakeReplay("pt-1", "create-key", 5000, std::string("\0\xff", 2));
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), "h", &create_replay));
  const Replay rotate_replay = this->MakeReplay("pt-1", "rotate-key", 6000);
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", "h2", 6000, 0, false, &rotate_replay));

  auto found = this->replays().FindReplay("pt-1", "create-key", 0);
  ASSERT_TRUE(found) << found.error().internal;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->partner_id, "pt-1");
  EXPECT_EQ((*found)->key, "create-key");
  EXPECT_EQ((*found)->fingerprint, create_replay.fingerprint);
  EXPECT_EQ((*found)->sealed, create_replay.sealed);
  EXPECT_EQ((*found)->created_at, 5000);
  auto rotation = this->replays().FindReplay("pt-1", "rotate-key", 0);
  ASSERT_TRUE(rotation);
  ASSERT_TRUE(rotation->has_value());
  EXPECT_EQ((*rotation)->created_at, 6000);

  // Keys belong to one partner.
  auto other = this->replays().FindReplay("pt-2", "create-key", 0);
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->has_value());
  auto unknown = this->replays().FindReplay("pt-1", "no-such-key", 0);
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(unknown->has_value());
}

TYPED_TEST_P(ReplayStoreConformance, FindReplayHonoursNotBefore) {
  this->CreatePartnerOrFail("pt-1");
  const Replay replay = this->MakeReplay("pt-1", "k", 5000);
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), "h", &replay));
  auto at = this->replays().FindReplay("pt-1", "k", 5000);
  ASSERT_TRUE(at);
  EXPECT_TRUE(at->has_value());
  auto after = this->replays().FindReplay("pt-1", "k", 5001);
  ASSERT_TRUE(after);
  EXPECT_FALSE(after->has_value());
}

TYPED_TEST_P(ReplayStoreConformance, TakenReplayKeyIsKeyInUseAndRollsTheWholeChangeBack) {
  this->CreatePartnerOrFail("pt-1");
  const Replay replay = this->MakeReplay("pt-1", "k", 5000, "first");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('a'), &replay));
  const auto events_before = this->Events("pt-1").size();

  const Replay clash = this->MakeReplay("pt-1", "k", 5100, "second");
  auto rotated = this->Rotate("pt-1", "dc-1", this->Hash('b'), 5100, 600, true, &clash);
  ASSERT_FALSE(rotated);
  EXPECT_EQ(rotated.error().code, ErrorCode::kKeyInUse);
  const ClientCredentials client = this->Client("dc-1");
  EXPECT_EQ(this->Hashes("dc-1"), Strings{this->Hash('a')});
  EXPECT_EQ(client.token_epoch, 0);
  EXPECT_EQ(this->GetOrFail("pt-1", "dc-1").updated_at, 2000);

  auto created = this->CreateRecipient(this->MakeRecipient("dc-2", "pt-1"), "h", &clash);
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, ErrorCode::kKeyInUse);
  auto missing = this->clients().FindClient("dc-2");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);

  EXPECT_EQ(this->Events("pt-1").size(), events_before);
  auto found = this->replays().FindReplay("pt-1", "k", 0);
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->sealed, "first");
}

TYPED_TEST_P(ReplayStoreConformance, SameKeyForAnotherPartnerIsIndependent) {
  this->CreatePartnerOrFail("pt-1");
  this->CreatePartnerOrFail("pt-2");
  const Replay a = this->MakeReplay("pt-1", "k", 5000, "a");
  const Replay b = this->MakeReplay("pt-2", "k", 5000, "b");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), "h", &a));
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-2", "pt-2"), "h", &b));
  auto found = this->replays().FindReplay("pt-2", "k", 0);
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->sealed, "b");
}

TYPED_TEST_P(ReplayStoreConformance, ReplayOlderThanADayIsReplaced) {
  this->CreatePartnerOrFail("pt-1");
  constexpr std::int64_t kDay = 24 * 60 * 60;
  const Replay old = this->MakeReplay("pt-1", "k", 5000, "old");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), "h", &old));
  // Exactly a day later the key is still taken.
  const Replay same_day = this->MakeReplay("pt-1", "k", 5000 + kDay, "same-day");
  auto taken = this->Rotate("pt-1", "dc-1", "h2", 5000 + kDay, 0, false, &same_day);
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, ErrorCode::kKeyInUse);

  const Replay fresh = this->MakeReplay("pt-1", "k", 5001 + kDay, "fresh");
  auto rotated = this->Rotate("pt-1", "dc-1", "h2", 5001 + kDay, 0, false, &fresh);
  ASSERT_TRUE(rotated) << rotated.error().internal;
  auto found = this->replays().FindReplay("pt-1", "k", 0);
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->sealed, "fresh");
  EXPECT_EQ((*found)->created_at, 5001 + kDay);
}

TYPED_TEST_P(ReplayStoreConformance, PurgeReplaysDeletesThoseCreatedBeforeTheCutoff) {
  this->CreatePartnerOrFail("pt-1");
  const Replay r1 = this->MakeReplay("pt-1", "k1", 1000);
  const Replay r2 = this->MakeReplay("pt-1", "k2", 2000);
  const Replay r3 = this->MakeReplay("pt-1", "k3", 3000);
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), "h", &r1));
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-2", "pt-1"), "h", &r2));
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-3", "pt-1"), "h", &r3));
  auto purged = this->replays().PurgeReplays(2000);
  ASSERT_TRUE(purged) << purged.error().internal;
  EXPECT_EQ(*purged, 1);
  for (const auto& [key, present] :
       {std::pair<std::string, bool>{"k1", false}, {"k2", true}, {"k3", true}}) {
    SCOPED_TRACE(key);
    auto found = this->replays().FindReplay("pt-1", key, 0);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->has_value(), present);
  }
  auto again = this->replays().PurgeReplays(2000);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0);
  // The changes the replays answered are untouched.
  EXPECT_EQ(this->Hashes("dc-1"), Strings{"h"});
}

// Under a NonBlockingScope every call answers kWouldBlock before it reaches the database, and
// changes nothing.
TYPED_TEST_P(ReplayStoreConformance, ReplayCallsWouldBlockUnderNonBlockingScope) {
  this->CreatePartnerOrFail("pt-1");
  const Replay replay = this->MakeReplay("pt-1", "k", 1000);
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), "h", &replay));
  {
    NonBlockingScope no_blocking;
    this->ExpectWouldBlock(this->replays().FindReplay("pt-1", "k", 0), "FindReplay");
    this->ExpectWouldBlock(this->replays().PurgeReplays(5000), "PurgeReplays");
  }
  auto found = this->replays().FindReplay("pt-1", "k", 0);
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->has_value());
}

REGISTER_TYPED_TEST_SUITE_P(ReplayStoreConformance,
                            ReplayIsStoredWithTheChangeAndFoundByPartnerAndKey,
                            FindReplayHonoursNotBefore,
                            TakenReplayKeyIsKeyInUseAndRollsTheWholeChangeBack,
                            SameKeyForAnotherPartnerIsIndependent, ReplayOlderThanADayIsReplaced,
                            PurgeReplaysDeletesThoseCreatedBeforeTheCutoff,
                            ReplayCallsWouldBlockUnderNonBlockingScope);

}  // namespace obauth::store
