// ClientStore conformance suite: the contract of store/client_store.hpp, run against every
// backend (tests/unit/store/store_test.hpp says how).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/client_store.hpp"
#include "store/non_blocking_scope.hpp"
#include "store/store_test.hpp"

namespace obauth::store {

template <class Factory>
class ClientStoreConformance : public StoreTest<Factory> {};

TYPED_TEST_SUITE_P(ClientStoreConformance);

// ---- Partners ---------------------------------------------------------------------------------

TYPED_TEST_P(ClientStoreConformance, CreatesAndFindsPartner) {
  ASSERT_TRUE(this->clients().CreatePartner(this->MakePartner("pt-1"), this->Hash('a'),
                                            this->Event("pt-1", "partner.created", "pt-1")));
  auto found = this->clients().FindClient("pt-1");
  ASSERT_TRUE(found) << found.error().internal;
  EXPECT_EQ(found->client_id, "pt-1");
  EXPECT_EQ(found->kind, ClientKind::kPartner);
  EXPECT_EQ(found->partner_id, "");
  EXPECT_FALSE(found->disabled);
  EXPECT_FALSE(found->retired);
  EXPECT_EQ(found->token_epoch, 0);
  EXPECT_EQ(found->scope, "");
  ASSERT_EQ(found->secrets.size(), 1u);
  EXPECT_EQ(found->secrets[0].hash, this->Hash('a'));
  EXPECT_FALSE(found->secrets[0].expires_at.has_value());
  EXPECT_EQ(this->Actions("pt-1"), Strings{"partner.created"});
}

TYPED_TEST_P(ClientStoreConformance, FindClientUnknownIsNotFound) {
  auto found = this->clients().FindClient("pt-missing");
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code, ErrorCode::kNotFound);
  auto empty = this->clients().FindClient("");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::kNotFound);
}

TYPED_TEST_P(ClientStoreConformance, DuplicatePartnerIdIsConflict) {
  this->CreatePartnerOrFail("pt-1");
  auto again = this->clients().CreatePartner(this->MakePartner("pt-1"), this->Hash('b'),
                                             this->Event("pt-1", "partner.created", "pt-1"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  // The failed write left the first partner's secret alone, and recorded no event.
  EXPECT_EQ(this->Hashes("pt-1"), Strings{this->Hash('p')});
  EXPECT_EQ(this->Actions("pt-1"), Strings{"partner.created"});
}

// ---- Secret usage -----------------------------------------------------------------------------

TYPED_TEST_P(ClientStoreConformance, RecordSecretUseSetsLastUsedAndCountsPreviousSecretOnly) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('a')));
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", this->Hash('b'), 7000, 600));
  const ClientCredentials client = this->Client("dc-1");
  ASSERT_EQ(client.secrets.size(), 2u);
  const std::int64_t current = client.secrets[0].id;
  const std::int64_t previous = client.secrets[1].id;

  // A count given for the current secret is not a previous-secret authentication.
  ASSERT_TRUE(this->clients().RecordSecretUse({{current, "dc-1", 7010, 5}}));
  SecretStatus status = this->GetOrFail("pt-1", "dc-1", 7010).secrets;
  EXPECT_EQ(status.secret_last_used_at, std::optional<std::int64_t>(7010));
  EXPECT_FALSE(status.previous_last_used_at.has_value());
  EXPECT_EQ(status.previous_authentications, 0);

  ASSERT_TRUE(this->clients().RecordSecretUse({{previous, "dc-1", 7020, 3}}));
  ASSERT_TRUE(this->clients().RecordSecretUse({{previous, "dc-1", 7030, 2}}));
  status = this->GetOrFail("pt-1", "dc-1", 7030).secrets;
  EXPECT_EQ(status.secret_last_used_at, std::optional<std::int64_t>(7010));
  EXPECT_EQ(status.previous_expires_at, std::optional<std::int64_t>(7600));
  EXPECT_EQ(status.previous_last_used_at, std::optional<std::int64_t>(7030));
  EXPECT_EQ(status.previous_authentications, 5);

  // Last used never moves back in time (batches may arrive out of order).
  ASSERT_TRUE(this->clients().RecordSecretUse({{current, "dc-1", 7005, 0}}));
  EXPECT_EQ(this->GetOrFail("pt-1", "dc-1", 7030).secrets.secret_last_used_at,
            std::optional<std::int64_t>(7010));
}

TYPED_TEST_P(ClientStoreConformance, RecordSecretUseIgnoresDeletedSecrets) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('a')));
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", this->Hash('b'), 7000, 600));
  const std::int64_t previous = this->Client("dc-1").secrets[1].id;
  ASSERT_TRUE(this->recipients().RevokePreviousSecret("pt-1", "dc-1", 7001,
                                                      this->Event("pt-1", "x", "dc-1")));
  // A batch noticed before the revocation arrives after it.
  auto recorded =
      this->clients().RecordSecretUse({{previous, "dc-1", 7002, 4}, {999999, "dc-1", 1, 1}});
  ASSERT_TRUE(recorded) << recorded.error().internal;
  const SecretStatus status = this->GetOrFail("pt-1", "dc-1", 7002).secrets;
  EXPECT_EQ(status.previous_authentications, 0);
  EXPECT_FALSE(status.previous_last_used_at.has_value());
  EXPECT_FALSE(status.secret_last_used_at.has_value());
  EXPECT_TRUE(this->clients().RecordSecretUse({}));
}

// ---- Revoked tokens ---------------------------------------------------------------------------

TYPED_TEST_P(ClientStoreConformance, RevokedTokensAreListedWithTheirClientUntilPurged) {
  this->CreatePartnerOrFail("pt-revoking");
  this->CreatePartnerOrFail("pt-other");
  // Read first, so a cache in front has the client before the revocation.
  auto before = this->clients().FindClient("pt-revoking");
  ASSERT_TRUE(before);
  EXPECT_TRUE(before->revoked_tokens.empty());
  ASSERT_TRUE(this->clients().RevokeToken("pt-revoking", "jti-1", 1000));
  ASSERT_TRUE(this->clients().RevokeToken("pt-revoking", "jti-2", 2000));
  ASSERT_TRUE(this->clients().RevokeToken("pt-revoking", "jti-1", 1000));  // idempotent
  auto after = this->clients().FindClient("pt-revoking");
  ASSERT_TRUE(after) << after.error().internal;
  EXPECT_EQ(after->revoked_tokens.size(), 2u);
  EXPECT_TRUE(after->revoked_tokens.Contains("jti-1"));
  EXPECT_TRUE(after->revoked_tokens.Contains("jti-2"));
  EXPECT_FALSE(after->revoked_tokens.Contains("jti-3"));
  EXPECT_TRUE(this->clients().FindClient("pt-other")->revoked_tokens.empty());
  // Another instance sees them too.
  auto second_store = this->OpenStores();
  ASSERT_NE(second_store, nullptr);
  EXPECT_EQ(second_store->clients().FindClient("pt-revoking")->revoked_tokens.size(), 2u);
  // Purged once expired before the cutoff.
  auto purged = this->clients().PurgeRevokedTokens(1500);
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 1);
  const auto remaining = this->clients().FindClient("pt-revoking")->revoked_tokens;
  EXPECT_EQ(remaining.size(), 1u);
  EXPECT_TRUE(remaining.Contains("jti-2"));
}

// Under a NonBlockingScope every call answers kWouldBlock before it reaches the database, and
// changes nothing.
TYPED_TEST_P(ClientStoreConformance, ClientCallsWouldBlockUnderNonBlockingScope) {
  this->CreatePartnerOrFail("pt-1");
  const std::int64_t secret_id = this->Client("pt-1").secrets.at(0).id;
  {
    NonBlockingScope no_blocking;
    this->ExpectWouldBlock(
        this->clients().CreatePartner(this->MakePartner("pt-2"), this->Hash('b'),
                                      this->Event("pt-2", "partner.created", "pt-2")),
        "CreatePartner");
    // pt-1, just read, may be answered from a cache in front; pt-2 is in no cache.
    this->ExpectWouldBlock(this->clients().FindClient("pt-2"), "FindClient");
    this->ExpectWouldBlock(this->clients().RecordSecretUse({{secret_id, "pt-1", 5000, 0}}),
                           "RecordSecretUse");
    this->ExpectWouldBlock(this->clients().RevokeToken("pt-1", "jti-1", 9000), "RevokeToken");
    this->ExpectWouldBlock(this->clients().PurgeRevokedTokens(10000), "PurgeRevokedTokens");
  }
  auto missing = this->clients().FindClient("pt-2");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(this->Client("pt-1").revoked_tokens.empty());
  EXPECT_EQ(this->Actions("pt-1"), Strings{"partner.created"});
}

REGISTER_TYPED_TEST_SUITE_P(ClientStoreConformance, CreatesAndFindsPartner,
                            FindClientUnknownIsNotFound, DuplicatePartnerIdIsConflict,
                            RecordSecretUseSetsLastUsedAndCountsPreviousSecretOnly,
                            RecordSecretUseIgnoresDeletedSecrets,
                            RevokedTokensAreListedWithTheirClientUntilPurged,
                            ClientCallsWouldBlockUnderNonBlockingScope);

}  // namespace obauth::store
