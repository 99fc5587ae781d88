// ProviderStore conformance suite: the contract of store/provider_store.hpp: the catalogue and
// registrations, run against every backend (tests/unit/store/store_test.hpp says how).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "store/non_blocking_scope.hpp"
#include "store/provider_store.hpp"
#include "store/store_test.hpp"

namespace obauth::store {

template <class Factory>
class ProviderStoreConformance : public StoreTest<Factory> {};

TYPED_TEST_SUITE_P(ProviderStoreConformance);

TYPED_TEST_P(ProviderStoreConformance, UpsertProvidersAddsUpdatesAndCountsUnchangedOnes) {
  Provider bare = this->MakeProvider(2000, "NBC");
  bare.provider_url.reset();
  bare.connector_name.reset();
  auto first =
      this->providers().UpsertProviders({this->MakeProvider(4013, "1st United", "US"), bare});
  ASSERT_TRUE(first) << first.error().internal;
  EXPECT_EQ(first->added, 2);
  EXPECT_EQ(first->updated, 0);
  Provider renamed = bare;
  renamed.name = "National Bank";
  renamed.updated_at = 6000;
  auto second =
      this->providers().UpsertProviders({this->MakeProvider(4013, "1st United", "US"), renamed});
  ASSERT_TRUE(second) << second.error().internal;
  EXPECT_EQ(second->added, 0);
  EXPECT_EQ(second->updated, 1);
  EXPECT_EQ(second->unchanged, 1);

  auto listed = this->providers().ListProviders();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].provider_id, 2000) << "ordered by id";
  EXPECT_EQ((*listed)[0].name, "National Bank");
  EXPECT_EQ((*listed)[0].provider_url, std::nullopt);
  EXPECT_EQ((*listed)[0].connector_name, std::nullopt);
  EXPECT_EQ((*listed)[0].updated_at, 6000);
  auto one = this->providers().GetProvider(4013);
  ASSERT_TRUE(one);
  EXPECT_TRUE(one->SameContent(this->MakeProvider(4013, "1st United", "US")));
  EXPECT_EQ(one->updated_at, 5000);
  auto none = this->providers().GetProvider(1);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
}

TYPED_TEST_P(ProviderStoreConformance, ConnectorIsStoredAndChangingItAloneIsAnUpdate) {
  Provider sandbox = this->MakeProvider(9000, "Sandbox");
  sandbox.connector = R"({"type":"sandbox"})";
  ASSERT_TRUE(this->providers().UpsertProviders({sandbox, this->MakeProvider(1000)}));
  auto stored = this->providers().GetProvider(9000);
  ASSERT_TRUE(stored) << stored.error().internal;
  EXPECT_EQ(stored->connector, std::optional<std::string>(R"({"type":"sandbox"})"));
  auto plain = this->providers().GetProvider(1000);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->connector, std::nullopt);
  this->CreatePartnerOrFail("pt-a");
  this->CreateRecipientOrFail("dc-1", "pt-a", this->Hash('1'));
  auto for_recipient = this->providers().ListProvidersForRecipient("dc-1");
  ASSERT_TRUE(for_recipient);
  ASSERT_EQ(for_recipient->size(), 2u);
  EXPECT_EQ((*for_recipient)[1].provider.connector, sandbox.connector);

  Provider without = sandbox;
  without.connector.reset();
  auto changed = this->providers().UpsertProviders({without, this->MakeProvider(1000)});
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->updated, 1);
  EXPECT_EQ(changed->unchanged, 1);
  auto listed = this->providers().ListProviders();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[1].connector, std::nullopt);
}

TYPED_TEST_P(ProviderStoreConformance, RegistrationsAreRequestedOncePerPairAndListedPerPartner) {
  this->CreatePartnerOrFail("pt-a");
  this->CreatePartnerOrFail("pt-b");
  this->CreateRecipientOrFail("dc-1", "pt-a", this->Hash('1'));
  this->CreateRecipientOrFail("dc-2", "pt-a", this->Hash('2'));
  this->CreateRecipientOrFail("dc-9", "pt-b", this->Hash('9'));
  ASSERT_TRUE(this->providers().UpsertProviders(
      {this->MakeProvider(1000, "Flinks Capital"), this->MakeProvider(2000, "NBC")}));
  const AuditEvent audit = this->Event("pt-a", "registration.requested", "");

  auto first = this->providers().RequestRegistrations("pt-a", {"dc-1"}, {1000}, 7000, audit);
  ASSERT_TRUE(first) << first.error().internal;
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].client_name, "Acme Budgeting \xc3\xa9");
  EXPECT_EQ((*first)[0].provider_name, "Flinks Capital");
  EXPECT_EQ((*first)[0].country, "CA");
  EXPECT_EQ((*first)[0].status, RegistrationStatus::kPendingApproval);
  EXPECT_EQ((*first)[0].requested_at, 7000);

  ASSERT_TRUE(this->providers().TransitionRegistration(
      "dc-1", 1000, RegistrationStatus::kPendingApproval, RegistrationStatus::kPendingActivation,
      7500, this->Event("pt-a", "registration.approved", "dc-1")));
  auto both =
      this->providers().RequestRegistrations("pt-a", {"dc-1", "dc-2"}, {1000, 2000}, 8000, audit);
  ASSERT_TRUE(both) << both.error().internal;
  ASSERT_EQ(both->size(), 4u);
  EXPECT_EQ((*both)[0].status, RegistrationStatus::kPendingActivation) << "left as it was";
  EXPECT_EQ((*both)[0].requested_at, 7000);
  EXPECT_EQ((*both)[1].provider_id, 2000);
  EXPECT_EQ((*both)[1].requested_at, 8000);
  EXPECT_EQ((*both)[3].client_id, "dc-2");

  auto events = this->audit().ListAuditEvents({"pt-a", std::nullopt, std::nullopt, 50});
  ASSERT_TRUE(events);
  const auto requested = std::count_if(events->begin(), events->end(), [](const AuditEvent& e) {
    return e.action == "registration.requested";
  });
  EXPECT_EQ(requested, 4) << "one event per new pair";

  auto all = this->providers().ListRegistrations("pt-a", std::nullopt, {std::nullopt, 10});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->items.size(), 4u);
  auto mine =
      this->providers().ListRegistrations("pt-a", std::string_view("dc-2"), {std::nullopt, 10});
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->items.size(), 2u);
  auto foreign =
      this->providers().ListRegistrations("pt-b", std::string_view("dc-1"), {std::nullopt, 10});
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, ErrorCode::kNotFound);
  auto others = this->providers().ListRegistrations("pt-b", std::nullopt, {std::nullopt, 10});
  ASSERT_TRUE(others);
  EXPECT_TRUE(others->items.empty());
}

TYPED_TEST_P(ProviderStoreConformance, RegistrationPagesFollowTheRecipientsOrderThenTheProvider) {
  this->CreatePartnerOrFail("pt-a");
  // Created in the opposite order of their ids: the list follows creation.
  this->CreateRecipientOrFail("dc-2", "pt-a", this->Hash('2'));
  this->CreateRecipientOrFail("dc-1", "pt-a", this->Hash('1'));
  ASSERT_TRUE(this->providers().UpsertProviders(
      {this->MakeProvider(1000), this->MakeProvider(2000), this->MakeProvider(3000)}));
  const AuditEvent audit = this->Event("pt-a", "registration.requested", "");
  ASSERT_TRUE(
      this->providers().RequestRegistrations("pt-a", {"dc-1", "dc-2"}, {3000, 1000}, 7000, audit));
  auto pairs = [](const Page<Registration>& page) {
    std::vector<std::string> out;
    for (const auto& g : page.items)
      out.push_back(g.client_id + "/" + std::to_string(g.provider_id));
    return out;
  };
  auto first = this->providers().ListRegistrations("pt-a", std::nullopt, {std::nullopt, 3});
  ASSERT_TRUE(first);
  EXPECT_EQ(pairs(*first), (std::vector<std::string>{"dc-2/1000", "dc-2/3000", "dc-1/1000"}));
  ASSERT_TRUE(first->next);
  // A pair requested between the pages comes after the page's end: it is not skipped.
  ASSERT_TRUE(this->providers().RequestRegistrations("pt-a", {"dc-1"}, {2000}, 7100, audit));
  auto second = this->providers().ListRegistrations("pt-a", std::nullopt, {first->next, 3});
  ASSERT_TRUE(second);
  EXPECT_EQ(pairs(*second), (std::vector<std::string>{"dc-1/2000", "dc-1/3000"}));
  EXPECT_FALSE(second->next);
  // One recipient's list pages alike.
  auto one =
      this->providers().ListRegistrations("pt-a", std::string_view("dc-1"), {std::nullopt, 2});
  ASSERT_TRUE(one);
  EXPECT_EQ(pairs(*one), (std::vector<std::string>{"dc-1/1000", "dc-1/2000"}));
  ASSERT_TRUE(one->next);
  auto rest = this->providers().ListRegistrations("pt-a", std::string_view("dc-1"), {one->next, 2});
  ASSERT_TRUE(rest);
  EXPECT_EQ(pairs(*rest), (std::vector<std::string>{"dc-1/3000"}));
  EXPECT_FALSE(rest->next);
}

TYPED_TEST_P(ProviderStoreConformance,
             RegistrationRequestWithAnyUnknownIdChangesNothingAndNamesThemAll) {
  this->CreatePartnerOrFail("pt-a");
  this->CreatePartnerOrFail("pt-b");
  this->CreateRecipientOrFail("dc-1", "pt-a", this->Hash('1'));
  this->CreateRecipientOrFail("dc-9", "pt-b", this->Hash('9'));
  ASSERT_TRUE(this->providers().UpsertProviders({this->MakeProvider(1000)}));
  const AuditEvent audit = this->Event("pt-a", "registration.requested", "");
  auto refused = this->providers().RequestRegistrations("pt-a", {"dc-1", "dc-9", "dc-none"},
                                                        {1000, 4242}, 7000, audit);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(refused.error().public_message,
            "Nothing was requested: no Data Recipient dc-9, dc-none; no Data Provider 4242");
  auto listed = this->providers().ListRegistrations("pt-a", std::nullopt, {std::nullopt, 10});
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->items.empty());
}

TYPED_TEST_P(ProviderStoreConformance, TransitionIsACompareAndSetOnTheStatus) {
  this->CreatePartnerOrFail("pt-a");
  this->CreateRecipientOrFail("dc-1", "pt-a", this->Hash('1'));
  ASSERT_TRUE(this->providers().UpsertProviders({this->MakeProvider(1000)}));
  ASSERT_TRUE(this->providers().RequestRegistrations(
      "pt-a", {"dc-1"}, {1000}, 7000, this->Event("pt-a", "registration.requested", "")));
  const auto event = this->Event("pt-a", "registration.activated", "dc-1");
  auto wrong =
      this->providers().TransitionRegistration("dc-1", 1000, RegistrationStatus::kPendingActivation,
                                               RegistrationStatus::kActive, 7100, event);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kConflict);
  EXPECT_EQ(wrong.error().public_message,
            "The registration is PENDING_APPROVAL, no longer PENDING_ACTIVATION");
  auto missing = this->providers().TransitionRegistration(
      "dc-1", 2000, RegistrationStatus::kPendingApproval, RegistrationStatus::kActive, 7100, event);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  auto moved = this->providers().TransitionRegistration(
      "dc-1", 1000, RegistrationStatus::kPendingApproval, RegistrationStatus::kActive, 7200, event);
  ASSERT_TRUE(moved) << moved.error().internal;
  EXPECT_EQ(moved->status, RegistrationStatus::kActive);
  EXPECT_EQ(moved->updated_at, 7200);
  EXPECT_EQ(moved->requested_at, 7000);
  auto got = this->providers().GetRegistration("dc-1", 1000);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, RegistrationStatus::kActive);
}

TYPED_TEST_P(ProviderStoreConformance, ProvidersForARecipientCarryItsRegistrationStatus) {
  this->CreatePartnerOrFail("pt-a");
  this->CreateRecipientOrFail("dc-1", "pt-a", this->Hash('1'));
  this->CreateRecipientOrFail("dc-2", "pt-a", this->Hash('2'));
  ASSERT_TRUE(this->providers().UpsertProviders(
      {this->MakeProvider(1000), this->MakeProvider(2000), this->MakeProvider(3000)}));
  const AuditEvent audit = this->Event("pt-a", "registration.requested", "");
  ASSERT_TRUE(this->providers().RequestRegistrations("pt-a", {"dc-1"}, {2000, 3000}, 7000, audit));
  ASSERT_TRUE(this->providers().RequestRegistrations("pt-a", {"dc-2"}, {1000}, 7000, audit));
  ASSERT_TRUE(this->providers().TransitionRegistration(
      "dc-1", 3000, RegistrationStatus::kPendingApproval, RegistrationStatus::kActive, 7100,
      this->Event("pt-a", "registration.activated", "dc-1")));
  auto providers = this->providers().ListProvidersForRecipient("dc-1");
  ASSERT_TRUE(providers) << providers.error().internal;
  ASSERT_EQ(providers->size(), 3u);
  EXPECT_EQ((*providers)[0].provider.provider_id, 1000);
  EXPECT_EQ((*providers)[0].status, std::nullopt) << "dc-2's registration is not dc-1's";
  EXPECT_EQ((*providers)[1].status, RegistrationStatus::kPendingApproval);
  EXPECT_EQ((*providers)[2].status, RegistrationStatus::kActive);
  EXPECT_EQ((*providers)[2].provider.name, "Bank");
}

// Under a NonBlockingScope every call answers kWouldBlock before it reaches the database, and
// changes nothing.
TYPED_TEST_P(ProviderStoreConformance, ProviderCallsWouldBlockUnderNonBlockingScope) {
  this->CreatePartnerOrFail("pt-a");
  this->CreateRecipientOrFail("dc-1", "pt-a", this->Hash('1'));
  ASSERT_TRUE(this->providers().UpsertProviders({this->MakeProvider(1000)}));
  const AuditEvent audit = this->Event("pt-a", "registration.requested", "");
  ASSERT_TRUE(this->providers().RequestRegistrations("pt-a", {"dc-1"}, {1000}, 7000, audit));
  {
    NonBlockingScope no_blocking;
    this->ExpectWouldBlock(this->providers().UpsertProviders({this->MakeProvider(2000)}),
                           "UpsertProviders");
    this->ExpectWouldBlock(this->providers().ListProviders(), "ListProviders");
    this->ExpectWouldBlock(this->providers().GetProvider(1000), "GetProvider");
    this->ExpectWouldBlock(this->providers().ListProvidersForRecipient("dc-1"),
                           "ListProvidersForRecipient");
    this->ExpectWouldBlock(
        this->providers().RequestRegistrations("pt-a", {"dc-1"}, {2000}, 7100, audit),
        "RequestRegistrations");
    this->ExpectWouldBlock(
        this->providers().ListRegistrations("pt-a", std::nullopt, {std::nullopt, 10}),
        "ListRegistrations");
    this->ExpectWouldBlock(this->providers().GetRegistration("dc-1", 1000), "GetRegistration");
    this->ExpectWouldBlock(
        this->providers().TransitionRegistration(
            "dc-1", 1000, RegistrationStatus::kPendingApproval, RegistrationStatus::kActive, 7200,
            this->Event("pt-a", "registration.activated", "dc-1")),
        "TransitionRegistration");
  }
  auto listed = this->providers().ListProviders();
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 1u);
  auto registration = this->providers().GetRegistration("dc-1", 1000);
  ASSERT_TRUE(registration);
  EXPECT_EQ(registration->status, RegistrationStatus::kPendingApproval);
}

REGISTER_TYPED_TEST_SUITE_P(ProviderStoreConformance,
                            UpsertProvidersAddsUpdatesAndCountsUnchangedOnes,
                            ConnectorIsStoredAndChangingItAloneIsAnUpdate,
                            RegistrationsAreRequestedOncePerPairAndListedPerPartner,
                            RegistrationPagesFollowTheRecipientsOrderThenTheProvider,
                            RegistrationRequestWithAnyUnknownIdChangesNothingAndNamesThemAll,
                            TransitionIsACompareAndSetOnTheStatus,
                            ProvidersForARecipientCarryItsRegistrationStatus,
                            ProviderCallsWouldBlockUnderNonBlockingScope);

}  // namespace obauth::store
