// AuditStore conformance suite: the contract of store/audit_store.hpp: the events every change
// records, read back, run against every backend (tests/unit/store/store_test.hpp says how).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/audit_store.hpp"
#include "store/non_blocking_scope.hpp"
#include "store/store_test.hpp"

namespace obauth::store {

template <class Factory>
class AuditStoreConformance : public StoreTest<Factory> {};

TYPED_TEST_SUITE_P(AuditStoreConformance);

TYPED_TEST_P(AuditStoreConformance, AuditEventKeepsEveryField) {
  this->CreatePartnerOrFail("pt-1");
  AuditEvent event = this->Event("pt-1", "recipient.created", "dc-1", 4242);
  event.actor = "operator";
  event.request_id = "req-\xc3\xa9";
  event.source = "cli";
  event.options_json = R"({"idempotency_key":true})";
  ASSERT_TRUE(
      this->recipients().CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), "h", nullptr, event));
  const auto events = this->Events("pt-1");
  ASSERT_EQ(events.size(), 2u);
  const AuditEvent& got = events[0];
  EXPECT_GT(got.id, events[1].id);
  EXPECT_EQ(got.at, 4242);
  EXPECT_EQ(got.partner_id, "pt-1");
  EXPECT_EQ(got.actor, "operator");
  EXPECT_EQ(got.action, "recipient.created");
  EXPECT_EQ(got.client_id, "dc-1");
  EXPECT_EQ(got.request_id, "req-\xc3\xa9");
  EXPECT_EQ(got.source, "cli");
  EXPECT_EQ(got.options_json, R"({"idempotency_key":true})");
}

TYPED_TEST_P(AuditStoreConformance, FailedChangeRecordsNoAuditEvent) {
  this->CreatePartnerOrFail("pt-1");
  this->CreatePartnerOrFail("pt-2");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), "h"));
  Recipient hijack = this->MakeRecipient("dc-1", "pt-2");
  hijack.name = "Hijacked";
  ASSERT_FALSE(this->UpdateRecipient(hijack));
  ASSERT_FALSE(this->Rotate("pt-2", "dc-1", "x", 5000));
  ASSERT_FALSE(
      this->recipients().RetireRecipient("pt-2", "dc-1", 5000, this->Event("pt-2", "x", "dc-1")));
  EXPECT_EQ(this->Actions("pt-2"), Strings{"partner.created"});
  EXPECT_EQ(this->Actions("pt-1"), (Strings{"recipient.created", "partner.created"}));
}

TYPED_TEST_P(AuditStoreConformance, ListAuditEventsNewestFirstWithFilterCursorAndLimit) {
  this->CreatePartnerOrFail("pt-1");
  this->CreatePartnerOrFail("pt-2");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), "h"));
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-2", "pt-1"), "h"));
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-3", "pt-2"), "h"));
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", "h1", 5000));
  ASSERT_TRUE(this->Rotate("pt-1", "dc-2", "h2", 5001));
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", "h3", 5002));

  const auto all = this->Events("pt-1");
  ASSERT_EQ(all.size(), 6u);
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i - 1].id, all[i].id);
  for (const auto& e : all) EXPECT_EQ(e.partner_id, "pt-1");
  EXPECT_EQ(all[0].client_id, "dc-1");
  EXPECT_EQ(all[0].at, 5002);
  EXPECT_EQ(all.back().action, "partner.created");

  const auto only_dc1 = this->Events("pt-1", std::string("dc-1"));
  std::vector<std::int64_t> ats;
  for (const auto& e : only_dc1) ats.push_back(e.at);
  EXPECT_EQ(ats, (std::vector<std::int64_t>{5002, 5000, 3000}));

  // Pages of two, following the cursor until the end.
  std::vector<std::int64_t> paged;
  std::optional<std::int64_t> before;
  for (int page = 0; page < 10; ++page) {
    const auto events = this->Events("pt-1", std::nullopt, before, 2);
    EXPECT_LE(events.size(), 2u);
    for (const auto& e : events) paged.push_back(e.id);
    if (events.size() < 2) break;
    before = events.back().id;
  }
  std::vector<std::int64_t> expected;
  for (const auto& e : all) expected.push_back(e.id);
  EXPECT_EQ(paged, expected);

  const auto after_dc1 = this->Events("pt-1", std::string("dc-1"), only_dc1[0].id, 1);
  ASSERT_EQ(after_dc1.size(), 1u);
  EXPECT_EQ(after_dc1[0].id, only_dc1[1].id);
  EXPECT_TRUE(this->Events("pt-1", std::nullopt, all.back().id).empty());
  EXPECT_TRUE(this->Events("pt-1", std::string("dc-3")).empty());
  EXPECT_TRUE(this->Events("pt-unknown").empty());
}

// Under a NonBlockingScope the call answers kWouldBlock before it reaches the database.
TYPED_TEST_P(AuditStoreConformance, AuditCallsWouldBlockUnderNonBlockingScope) {
  this->CreatePartnerOrFail("pt-1");
  NonBlockingScope no_blocking;
  this->ExpectWouldBlock(this->audit().ListAuditEvents({"pt-1", std::nullopt, std::nullopt, 10}),
                         "ListAuditEvents");
}

REGISTER_TYPED_TEST_SUITE_P(AuditStoreConformance, AuditEventKeepsEveryField,
                            FailedChangeRecordsNoAuditEvent,
                            ListAuditEventsNewestFirstWithFilterCursorAndLimit,
                            AuditCallsWouldBlockUnderNonBlockingScope);

}  // namespace obauth::store
