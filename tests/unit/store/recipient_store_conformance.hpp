// RecipientStore conformance suite: the contract of store/recipient_store.hpp, run against every
// backend (tests/unit/store/store_test.hpp says how).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/non_blocking_scope.hpp"
#include "store/recipient_store.hpp"
#include "store/store_test.hpp"

namespace obauth::store {

template <class Factory>
class RecipientStoreConformance : public StoreTest<Factory> {
 protected:
  // The partner's whole list in one page.
  Result<std::vector<Recipient>> AllRecipients(std::string_view partner_id) {
    auto page = this->recipients().ListRecipients(partner_id, {std::nullopt, 1000});
    if (!page) return page.error();
    EXPECT_FALSE(page->next.has_value());
    return std::move(page->items);
  }
  // The ids of one page, and where the next starts.
  std::pair<std::vector<std::string>, std::optional<ListPosition>> PageOf(
      std::string_view partner_id, std::optional<ListPosition> after, std::size_t limit) {
    auto page = this->recipients().ListRecipients(partner_id, {after, limit});
    EXPECT_TRUE(page) << (page ? "" : page.error().internal);
    std::vector<std::string> ids;
    if (!page) return {ids, std::nullopt};
    for (const auto& r : page->items) ids.push_back(r.client_id);
    return {ids, page->next};
  }
};

TYPED_TEST_SUITE_P(RecipientStoreConformance);

// ---- Recipients -------------------------------------------------------------------------------

TYPED_TEST_P(RecipientStoreConformance, CreatesRecipientAndReadsEveryField) {
  this->CreatePartnerOrFail("pt-1");
  const Recipient recipient = this->MakeRecipient("dc-1", "pt-1");
  ASSERT_TRUE(this->CreateRecipient(recipient, this->Hash('r')));

  auto got = this->recipients().GetRecipient("pt-1", "dc-1", 3000);
  ASSERT_TRUE(got) << got.error().internal;
  EXPECT_EQ(got->client_id, recipient.client_id);
  EXPECT_EQ(got->partner_id, recipient.partner_id);
  EXPECT_EQ(got->name, recipient.name);
  EXPECT_EQ(got->scope, recipient.scope);
  EXPECT_EQ(got->redirect_uris, recipient.redirect_uris);
  EXPECT_EQ(got->logo_uri, recipient.logo_uri);
  EXPECT_EQ(got->description, recipient.description);
  EXPECT_EQ(got->terms_uri, recipient.terms_uri);
  EXPECT_EQ(got->client_uri, recipient.client_uri);
  EXPECT_EQ(got->country, recipient.country);
  EXPECT_EQ(got->contact_emails, recipient.contact_emails);
  EXPECT_EQ(got->created_at, recipient.created_at);
  EXPECT_EQ(got->updated_at, recipient.updated_at);

  auto client = this->clients().FindClient("dc-1");
  ASSERT_TRUE(client);
  EXPECT_EQ(client->kind, ClientKind::kRecipient);
  EXPECT_EQ(client->partner_id, "pt-1");
  EXPECT_FALSE(client->disabled);
  EXPECT_FALSE(client->retired);
  EXPECT_EQ(client->token_epoch, 0);
  EXPECT_EQ(client->scope, "ACCOUNT_BASIC TRANSACTIONS");
  EXPECT_EQ(this->Hashes("dc-1"), Strings{this->Hash('r')});
}

TYPED_TEST_P(RecipientStoreConformance, AbsentOptionalFieldsStayAbsent) {
  this->CreatePartnerOrFail("pt-1");
  Recipient minimal;
  minimal.client_id = "dc-min";
  minimal.partner_id = "pt-1";
  minimal.name = "Minimal";
  minimal.scope = "ACCOUNT_BASIC";
  minimal.redirect_uris = {"https://min.example/cb"};
  minimal.created_at = minimal.updated_at = 5;
  ASSERT_TRUE(this->CreateRecipient(minimal, this->Hash('m')));
  const Recipient got = this->GetOrFail("pt-1", "dc-min");
  EXPECT_FALSE(got.logo_uri.has_value());
  EXPECT_FALSE(got.description.has_value());
  EXPECT_FALSE(got.terms_uri.has_value());
  EXPECT_FALSE(got.client_uri.has_value());
  EXPECT_FALSE(got.country.has_value());
  EXPECT_TRUE(got.contact_emails.empty());
}

TYPED_TEST_P(RecipientStoreConformance, EmptyStringOptionalIsNotNull) {
  this->CreatePartnerOrFail("pt-1");
  Recipient r = this->MakeRecipient("dc-1", "pt-1");
  r.description = "";
  ASSERT_TRUE(this->CreateRecipient(r, this->Hash('r')));
  const Recipient got = this->GetOrFail("pt-1", "dc-1");
  ASSERT_TRUE(got.description.has_value());
  EXPECT_EQ(*got.description, "");
}

TYPED_TEST_P(RecipientStoreConformance, DuplicateRecipientIdIsConflict) {
  this->CreatePartnerOrFail("pt-1");
  this->CreatePartnerOrFail("pt-2");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('r')));
  Recipient other = this->MakeRecipient("dc-1", "pt-2");
  other.name = "Impostor";
  auto again = this->CreateRecipient(other, this->Hash('x'));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  // Nothing of the failed insert is visible, not even its audit event.
  EXPECT_EQ(this->GetOrFail("pt-1", "dc-1").name, "Acme Budgeting \xc3\xa9");
  auto list = this->AllRecipients("pt-2");
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
  EXPECT_EQ(this->Hashes("dc-1"), Strings{this->Hash('r')});
  EXPECT_EQ(this->Actions("pt-2"), Strings{"partner.created"});
}

TYPED_TEST_P(RecipientStoreConformance, RecipientIdTakenByPartnerIsConflict) {
  this->CreatePartnerOrFail("pt-1");
  auto r = this->CreateRecipient(this->MakeRecipient("pt-1", "pt-1"), this->Hash('r'));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
}

TYPED_TEST_P(RecipientStoreConformance, ListsOwnRecipientsOldestFirst) {
  this->CreatePartnerOrFail("pt-1");
  this->CreatePartnerOrFail("pt-2");
  // Created out of time order, and two with the same time (insertion order breaks the tie).
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-c", "pt-1", 300), "h"));
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-a", "pt-1", 100), "h"));
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-z", "pt-1", 200), "h"));
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-b", "pt-1", 200), "h"));
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-x", "pt-2", 50), "h"));

  auto list = this->AllRecipients("pt-1");
  ASSERT_TRUE(list) << list.error().internal;
  std::vector<std::string> ids;
  for (const auto& r : *list) ids.push_back(r.client_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"dc-a", "dc-z", "dc-b", "dc-c"}));
  // Listed recipients carry their contacts, in order (a list shows them), not their redirect
  // URIs (it does not).
  for (const auto& r : *list) {
    EXPECT_EQ(r.partner_id, "pt-1");
    EXPECT_TRUE(r.redirect_uris.empty());
    EXPECT_EQ(r.contact_emails, this->MakeRecipient(r.client_id, "pt-1", 0).contact_emails);
  }

  auto other = this->AllRecipients("pt-2");
  ASSERT_TRUE(other);
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ((*other)[0].client_id, "dc-x");

  auto none = this->AllRecipients("pt-unknown");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TYPED_TEST_P(RecipientStoreConformance, APageEndsAfterTheItemThatReachesItsByteBound) {
  this->CreatePartnerOrFail("pt-1");
  for (int i = 0; i < 5; ++i) {
    Recipient r = this->MakeRecipient("dc-" + std::to_string(i), "pt-1", 100 + i);
    r.description = std::string(1000, 'd');
    ASSERT_TRUE(this->CreateRecipient(r, "h"));
  }
  // Each item has over 1000 bytes of text: a bound of 2500 ends the page after the third.
  auto page = this->recipients().ListRecipients("pt-1", {std::nullopt, 10, 2500});
  ASSERT_TRUE(page) << page.error().internal;
  ASSERT_EQ(page->items.size(), 3u);
  EXPECT_EQ(page->items.back().client_id, "dc-2");
  ASSERT_TRUE(page->next.has_value());
  auto rest = this->recipients().ListRecipients("pt-1", {page->next, 10, 2500});
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->items.size(), 2u);
  EXPECT_EQ(rest->items.front().client_id, "dc-3");
  EXPECT_FALSE(rest->next.has_value());
  // One item is always read, however large.
  auto one = this->recipients().ListRecipients("pt-1", {std::nullopt, 10, 1});
  ASSERT_TRUE(one);
  EXPECT_EQ(one->items.size(), 1u);
  EXPECT_TRUE(one->next.has_value());
}

TYPED_TEST_P(RecipientStoreConformance, PagesFollowTheListOrderAndSurviveChangesBetweenThem) {
  this->CreatePartnerOrFail("pt-1");
  this->CreatePartnerOrFail("pt-2");
  // Out of time order, with ties: the list is dc-a, dc-z, dc-b, dc-c, dc-d.
  for (const auto& [id, at] : std::vector<std::pair<std::string, std::int64_t>>{
           {"dc-c", 300}, {"dc-a", 100}, {"dc-z", 200}, {"dc-b", 200}, {"dc-d", 300}}) {
    ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient(id, "pt-1", at), "h"));
  }
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-x", "pt-2", 250), "h"));

  auto [first, after_first] = this->PageOf("pt-1", std::nullopt, 2);
  EXPECT_EQ(first, (std::vector<std::string>{"dc-a", "dc-z"}));
  ASSERT_TRUE(after_first.has_value());
  EXPECT_EQ(after_first->created_at, 200);
  // Between pages: a seen one and an unseen one retired, a new one created.
  ASSERT_TRUE(this->recipients().RetireRecipient("pt-1", "dc-a", 400,
                                                 this->Event("pt-1", "recipient.retired", "dc-a")));
  ASSERT_TRUE(this->recipients().RetireRecipient("pt-1", "dc-c", 400,
                                                 this->Event("pt-1", "recipient.retired", "dc-c")));
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-e", "pt-1", 500), "h"));
  auto [second, after_second] = this->PageOf("pt-1", after_first, 2);
  EXPECT_EQ(second, (std::vector<std::string>{"dc-b", "dc-d"}));
  ASSERT_TRUE(after_second.has_value());
  auto [third, after_third] = this->PageOf("pt-1", after_second, 2);
  EXPECT_EQ(third, (std::vector<std::string>{"dc-e"}));
  EXPECT_FALSE(after_third.has_value());
  // A page that ends exactly at the last item says nothing follows.
  auto [exact, after_exact] = this->PageOf("pt-1", after_second, 1);
  EXPECT_EQ(exact, (std::vector<std::string>{"dc-e"}));
  EXPECT_FALSE(after_exact.has_value());
  // Another partner's position shows nothing of theirs, only this partner's items after it.
  auto [other, after_other] = this->PageOf("pt-2", after_first, 10);
  EXPECT_EQ(other, (std::vector<std::string>{"dc-x"}));
  EXPECT_FALSE(after_other.has_value());
}

TYPED_TEST_P(RecipientStoreConformance, GetRecipientOfAnotherPartnerIsNotFound) {
  this->CreatePartnerOrFail("pt-1");
  this->CreatePartnerOrFail("pt-2");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), "h"));
  auto got = this->recipients().GetRecipient("pt-2", "dc-1", 3000);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
  auto unknown = this->recipients().GetRecipient("pt-1", "dc-unknown", 3000);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  // A partner is not a recipient of itself.
  auto partner = this->recipients().GetRecipient("pt-1", "pt-1", 3000);
  ASSERT_FALSE(partner);
  EXPECT_EQ(partner.error().code, ErrorCode::kNotFound);
}

TYPED_TEST_P(RecipientStoreConformance, UpdateReplacesEveryField) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), "h"));
  Recipient changed;
  changed.client_id = "dc-1";
  changed.partner_id = "pt-1";
  changed.name = "Renamed";
  changed.scope = "ACCOUNT_BASIC";
  changed.redirect_uris = {"https://new.example/only"};
  changed.country = "US";
  changed.contact_emails = {};
  changed.created_at = 2000;
  changed.updated_at = 9000;
  auto updated = this->UpdateRecipient(changed);
  ASSERT_TRUE(updated) << updated.error().internal;

  const Recipient got = this->GetOrFail("pt-1", "dc-1");
  EXPECT_EQ(got.name, "Renamed");
  EXPECT_EQ(got.scope, "ACCOUNT_BASIC");
  EXPECT_EQ(got.redirect_uris, std::vector<std::string>{"https://new.example/only"});
  EXPECT_FALSE(got.logo_uri.has_value());
  EXPECT_FALSE(got.description.has_value());
  EXPECT_FALSE(got.terms_uri.has_value());
  EXPECT_FALSE(got.client_uri.has_value());
  EXPECT_EQ(got.country, std::optional<std::string>("US"));
  EXPECT_TRUE(got.contact_emails.empty());
  EXPECT_EQ(got.created_at, 2000);
  EXPECT_EQ(got.updated_at, 9000);
  auto client = this->clients().FindClient("dc-1");
  ASSERT_TRUE(client);
  EXPECT_EQ(client->scope, "ACCOUNT_BASIC");
}

TYPED_TEST_P(RecipientStoreConformance, UpdateWithWrongPartnerIsNotFoundAndChangesNothing) {
  this->CreatePartnerOrFail("pt-1");
  this->CreatePartnerOrFail("pt-2");
  const Recipient original = this->MakeRecipient("dc-1", "pt-1");
  ASSERT_TRUE(this->CreateRecipient(original, "h"));
  Recipient hijack = original;
  hijack.partner_id = "pt-2";
  hijack.name = "Hijacked";
  hijack.redirect_uris = {"https://evil.example/cb"};
  auto updated = this->UpdateRecipient(hijack);
  ASSERT_FALSE(updated);
  EXPECT_EQ(updated.error().code, ErrorCode::kNotFound);

  const Recipient got = this->GetOrFail("pt-1", "dc-1");
  EXPECT_EQ(got.name, original.name);
  EXPECT_EQ(got.redirect_uris, original.redirect_uris);
  EXPECT_EQ(got.partner_id, "pt-1");
}

TYPED_TEST_P(RecipientStoreConformance, UpdateUnknownRecipientIsNotFound) {
  this->CreatePartnerOrFail("pt-1");
  auto updated = this->UpdateRecipient(this->MakeRecipient("dc-unknown", "pt-1"));
  ASSERT_FALSE(updated);
  EXPECT_EQ(updated.error().code, ErrorCode::kNotFound);
}

// ---- Rotation ---------------------------------------------------------------------------------

TYPED_TEST_P(RecipientStoreConformance, RotateSecretWithoutGraceDeletesTheOldHash) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('o')));
  auto rotated = this->Rotate("pt-1", "dc-1", this->Hash('n'), 7777);
  ASSERT_TRUE(rotated) << rotated.error().internal;
  EXPECT_FALSE(rotated->has_value());
  const ClientCredentials client = this->Client("dc-1");
  ASSERT_EQ(client.secrets.size(), 1u);
  EXPECT_EQ(client.secrets[0].hash, this->Hash('n'));
  EXPECT_FALSE(client.secrets[0].expires_at.has_value());
  EXPECT_EQ(client.token_epoch, 0);
  EXPECT_EQ(this->GetOrFail("pt-1", "dc-1").updated_at, 7777);
}

TYPED_TEST_P(RecipientStoreConformance, RotateSecretWithWrongPartnerIsNotFoundAndKeepsSecret) {
  this->CreatePartnerOrFail("pt-1");
  this->CreatePartnerOrFail("pt-2");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('o')));
  auto rotated = this->Rotate("pt-2", "dc-1", this->Hash('n'), 7777, 600, true);
  ASSERT_FALSE(rotated);
  EXPECT_EQ(rotated.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->Hashes("dc-1"), Strings{this->Hash('o')});
  EXPECT_EQ(this->Client("dc-1").token_epoch, 0);
  EXPECT_EQ(this->GetOrFail("pt-1", "dc-1").updated_at, 2000);
  EXPECT_EQ(this->Actions("pt-2"), Strings{"partner.created"});
}

TYPED_TEST_P(RecipientStoreConformance, RotateSecretCannotTargetAPartner) {
  this->CreatePartnerOrFail("pt-1");
  auto rotated = this->Rotate("pt-1", "pt-1", this->Hash('n'), 7777);
  ASSERT_FALSE(rotated);
  EXPECT_EQ(rotated.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->Hashes("pt-1"), Strings{this->Hash('p')});
}

TYPED_TEST_P(RecipientStoreConformance, RotateSecretWithGraceKeepsTheOldHashUntilItExpires) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('o')));
  auto rotated = this->Rotate("pt-1", "dc-1", this->Hash('n'), 7000, 600);
  ASSERT_TRUE(rotated) << rotated.error().internal;
  EXPECT_EQ(*rotated, std::optional<std::int64_t>(7600));
  const ClientCredentials client = this->Client("dc-1");
  ASSERT_EQ(client.secrets.size(), 2u);
  // The current secret comes first.
  EXPECT_EQ(client.secrets[0].hash, this->Hash('n'));
  EXPECT_FALSE(client.secrets[0].expires_at.has_value());
  EXPECT_EQ(client.secrets[1].hash, this->Hash('o'));
  EXPECT_EQ(client.secrets[1].expires_at, std::optional<std::int64_t>(7600));
  EXPECT_NE(client.secrets[0].id, client.secrets[1].id);
  EXPECT_EQ(this->GetOrFail("pt-1", "dc-1", 7000).secrets.previous_expires_at,
            std::optional<std::int64_t>(7600));
}

TYPED_TEST_P(RecipientStoreConformance, SecondRotationDuringGraceIsConflictAndChangesNothing) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('o')));
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", this->Hash('n'), 7000, 600));
  const ClientCredentials before = this->Client("dc-1");
  const auto events_before = this->Events("pt-1").size();

  const Replay replay = this->MakeReplay("pt-1", "key-1", 7599);
  for (const std::int64_t grace : {std::int64_t{0}, std::int64_t{600}}) {
    SCOPED_TRACE(grace);
    // One second before the previous secret expires it is still in its grace period.
    auto again = this->Rotate("pt-1", "dc-1", this->Hash('x'), 7599, grace, true, &replay);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  }
  const ClientCredentials after = this->Client("dc-1");
  ASSERT_EQ(after.secrets.size(), before.secrets.size());
  for (std::size_t i = 0; i < after.secrets.size(); ++i) {
    EXPECT_EQ(after.secrets[i].hash, before.secrets[i].hash);
    EXPECT_EQ(after.secrets[i].expires_at, before.secrets[i].expires_at);
  }
  EXPECT_EQ(after.token_epoch, 0);
  EXPECT_EQ(this->GetOrFail("pt-1", "dc-1").updated_at, 7000);
  EXPECT_EQ(this->Events("pt-1").size(), events_before);
  auto found = this->replays().FindReplay("pt-1", "key-1", 0);
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->has_value());
}

TYPED_TEST_P(RecipientStoreConformance, RotationAfterGraceExpiredLeavesAtMostTwoSecrets) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('a')));
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", this->Hash('b'), 7000, 600));
  // At the expiry instant the previous secret is no longer in grace.
  auto second = this->Rotate("pt-1", "dc-1", this->Hash('c'), 7600, 600);
  ASSERT_TRUE(second) << second.error().internal;
  EXPECT_EQ(*second, std::optional<std::int64_t>(8200));
  EXPECT_EQ(this->Hashes("dc-1"), (Strings{this->Hash('c'), this->Hash('b')}));

  auto third = this->Rotate("pt-1", "dc-1", this->Hash('d'), 9000);
  ASSERT_TRUE(third) << third.error().internal;
  EXPECT_EQ(this->Hashes("dc-1"), Strings{this->Hash('d')});
}

TYPED_TEST_P(RecipientStoreConformance, RevokeTokensBumpsTheTokenEpoch) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('a')));
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", this->Hash('b'), 7000));
  EXPECT_EQ(this->Client("dc-1").token_epoch, 0);
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", this->Hash('c'), 7001, 0, true));
  EXPECT_EQ(this->Client("dc-1").token_epoch, 1);
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", this->Hash('d'), 7002, 60, true));
  EXPECT_EQ(this->Client("dc-1").token_epoch, 2);
}

TYPED_TEST_P(RecipientStoreConformance, RevokePreviousSecretReturnsTrueOnceThenFalse) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('a')));
  auto revoke = [&](std::int64_t now) {
    return this->recipients().RevokePreviousSecret(
        "pt-1", "dc-1", now, this->Event("pt-1", "recipient.previous_secret_revoked", "dc-1"));
  };
  // Nothing to revoke yet: false, and no event.
  auto none = revoke(6000);
  ASSERT_TRUE(none) << none.error().internal;
  EXPECT_FALSE(*none);
  EXPECT_EQ(this->Actions("pt-1"), (Strings{"recipient.created", "partner.created"}));

  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", this->Hash('b'), 7000, 600));
  auto first = revoke(7100);
  ASSERT_TRUE(first) << first.error().internal;
  EXPECT_TRUE(*first);
  EXPECT_EQ(this->Hashes("dc-1"), Strings{this->Hash('b')});
  auto second = revoke(7101);
  ASSERT_TRUE(second);
  EXPECT_FALSE(*second);
  EXPECT_EQ(this->Actions("pt-1"),
            (Strings{"recipient.previous_secret_revoked", "recipient.secret_rotated",
                     "recipient.created", "partner.created"}));
  // With the grace period over, a new rotation is allowed at once.
  EXPECT_TRUE(this->Rotate("pt-1", "dc-1", this->Hash('c'), 7102, 600));
}

TYPED_TEST_P(RecipientStoreConformance, RevokePreviousSecretAfterExpiryIsFalseWithoutEvent) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('a')));
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", this->Hash('b'), 7000, 600));
  const auto events_before = this->Events("pt-1").size();
  auto late = this->recipients().RevokePreviousSecret("pt-1", "dc-1", 7600,
                                                      this->Event("pt-1", "x", "dc-1"));
  ASSERT_TRUE(late);
  EXPECT_FALSE(*late);
  EXPECT_EQ(this->Events("pt-1").size(), events_before);
}

TYPED_TEST_P(RecipientStoreConformance, RevokePreviousSecretOfUnknownOrForeignRecipientIsNotFound) {
  this->CreatePartnerOrFail("pt-1");
  this->CreatePartnerOrFail("pt-2");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('a')));
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", this->Hash('b'), 7000, 600));
  for (const auto& [partner, client] : {std::pair<std::string, std::string>{"pt-2", "dc-1"},
                                        {"pt-1", "dc-unknown"},
                                        {"pt-1", "pt-1"}}) {
    SCOPED_TRACE(partner + " " + client);
    auto r = this->recipients().RevokePreviousSecret(partner, client, 7100,
                                                     this->Event(partner, "x", client));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  }
  EXPECT_EQ(this->Hashes("dc-1").size(), 2u);
}

// ---- Retirement -------------------------------------------------------------------------------

TYPED_TEST_P(RecipientStoreConformance, RetiredRecipientIsGoneButItsIdStaysTaken) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('a')));
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-2", "pt-1"), this->Hash('b')));
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", this->Hash('c'), 7000, 600));
  auto retired = this->recipients().RetireRecipient(
      "pt-1", "dc-1", 8000, this->Event("pt-1", "recipient.deleted", "dc-1"));
  ASSERT_TRUE(retired) << retired.error().internal;

  auto list = this->AllRecipients("pt-1");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].client_id, "dc-2");
  auto got = this->recipients().GetRecipient("pt-1", "dc-1", 8000);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kNotFound);

  // Still known to FindClient, so its tokens can be judged, but without secrets.
  const ClientCredentials client = this->Client("dc-1");
  EXPECT_TRUE(client.retired);
  EXPECT_TRUE(client.secrets.empty());
  EXPECT_EQ(client.token_epoch, 1);
  EXPECT_EQ(this->Actions("pt-1").front(), "recipient.deleted");

  auto again =
      this->recipients().RetireRecipient("pt-1", "dc-1", 8001, this->Event("pt-1", "x", "dc-1"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->Actions("pt-1").front(), "recipient.deleted");

  // The id is never reused.
  auto reused = this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('z'));
  ASSERT_FALSE(reused);
  EXPECT_EQ(reused.error().code, ErrorCode::kConflict);
  EXPECT_TRUE(this->Client("dc-1").retired);

  // Nothing else may change it any more.
  auto update = this->UpdateRecipient(this->MakeRecipient("dc-1", "pt-1"));
  ASSERT_FALSE(update);
  EXPECT_EQ(update.error().code, ErrorCode::kNotFound);
  auto rotate = this->Rotate("pt-1", "dc-1", this->Hash('y'), 9000);
  ASSERT_FALSE(rotate);
  EXPECT_EQ(rotate.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(this->Hashes("dc-1").empty());
  auto revoke = this->recipients().RevokePreviousSecret("pt-1", "dc-1", 9000,
                                                        this->Event("pt-1", "x", "dc-1"));
  ASSERT_FALSE(revoke);
  EXPECT_EQ(revoke.error().code, ErrorCode::kNotFound);
}

TYPED_TEST_P(RecipientStoreConformance, RetireOfForeignUnknownOrPartnerIdIsNotFound) {
  this->CreatePartnerOrFail("pt-1");
  this->CreatePartnerOrFail("pt-2");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('a')));
  for (const auto& [partner, client] : {std::pair<std::string, std::string>{"pt-2", "dc-1"},
                                        {"pt-1", "dc-unknown"},
                                        {"pt-1", "pt-1"}}) {
    SCOPED_TRACE(partner + " " + client);
    auto r = this->recipients().RetireRecipient(partner, client, 8000,
                                                this->Event(partner, "x", client));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  }
  EXPECT_FALSE(this->Client("dc-1").retired);
  EXPECT_FALSE(this->Client("pt-1").retired);
  EXPECT_EQ(this->Hashes("dc-1"), Strings{this->Hash('a')});
}

// ---- Secret status ----------------------------------------------------------------------------

TYPED_TEST_P(RecipientStoreConformance, FreshRecipientHasEmptySecretStatus) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('a')));
  const SecretStatus status = this->GetOrFail("pt-1", "dc-1").secrets;
  EXPECT_FALSE(status.secret_last_used_at.has_value());
  EXPECT_FALSE(status.previous_expires_at.has_value());
  EXPECT_FALSE(status.previous_last_used_at.has_value());
  EXPECT_EQ(status.previous_authentications, 0);
}

TYPED_TEST_P(RecipientStoreConformance, SecretStatusForgetsThePreviousSecretWhenItsGraceEnds) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('a')));
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", this->Hash('b'), 7000, 600));
  const std::int64_t previous = this->Client("dc-1").secrets[1].id;
  ASSERT_TRUE(this->clients().RecordSecretUse({{previous, "dc-1", 7100, 1}}));
  SecretStatus during = this->GetOrFail("pt-1", "dc-1", 7599).secrets;
  EXPECT_EQ(during.previous_expires_at, std::optional<std::int64_t>(7600));
  EXPECT_EQ(during.previous_last_used_at, std::optional<std::int64_t>(7100));
  SecretStatus after = this->GetOrFail("pt-1", "dc-1", 7600).secrets;
  EXPECT_FALSE(after.previous_expires_at.has_value());
  EXPECT_FALSE(after.previous_last_used_at.has_value());
  // The next rotation starts a new count.
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", this->Hash('c'), 7700, 600));
  EXPECT_EQ(this->GetOrFail("pt-1", "dc-1", 7700).secrets.previous_authentications, 0);
}

// Under a NonBlockingScope every call answers kWouldBlock before it reaches the database, and
// changes nothing. (A CachingStore in front answers GetRecipient from memory once a worker has
// read the recipient; nothing has been read here.)
TYPED_TEST_P(RecipientStoreConformance, RecipientCallsWouldBlockUnderNonBlockingScope) {
  this->CreatePartnerOrFail("pt-1");
  this->CreateRecipientOrFail("dc-1", "pt-1", this->Hash('a'));
  const auto events_before = this->Events("pt-1").size();
  {
    NonBlockingScope no_blocking;
    this->ExpectWouldBlock(this->CreateRecipient(this->MakeRecipient("dc-2", "pt-1"), "h"),
                           "CreateRecipient");
    this->ExpectWouldBlock(this->recipients().ListRecipients("pt-1", {std::nullopt, 10}),
                           "ListRecipients");
    this->ExpectWouldBlock(this->recipients().GetRecipient("pt-1", "dc-1", 3000), "GetRecipient");
    Recipient renamed = this->MakeRecipient("dc-1", "pt-1");
    renamed.name = "Renamed";
    this->ExpectWouldBlock(this->UpdateRecipient(renamed), "UpdateRecipient");
    this->ExpectWouldBlock(this->Rotate("pt-1", "dc-1", this->Hash('b'), 7000, 600),
                           "RotateSecret");
    this->ExpectWouldBlock(this->recipients().RevokePreviousSecret(
                               "pt-1", "dc-1", 7000, this->Event("pt-1", "x", "dc-1")),
                           "RevokePreviousSecret");
    this->ExpectWouldBlock(
        this->recipients().RetireRecipient("pt-1", "dc-1", 7000, this->Event("pt-1", "x", "dc-1")),
        "RetireRecipient");
  }
  auto list = this->AllRecipients("pt-1");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "Acme Budgeting \xc3\xa9");
  EXPECT_EQ(this->Hashes("dc-1"), Strings{this->Hash('a')});
  EXPECT_EQ(this->Events("pt-1").size(), events_before);
}

REGISTER_TYPED_TEST_SUITE_P(
    RecipientStoreConformance, CreatesRecipientAndReadsEveryField, AbsentOptionalFieldsStayAbsent,
    EmptyStringOptionalIsNotNull, DuplicateRecipientIdIsConflict,
    RecipientIdTakenByPartnerIsConflict, ListsOwnRecipientsOldestFirst,
    APageEndsAfterTheItemThatReachesItsByteBound,
    PagesFollowTheListOrderAndSurviveChangesBetweenThem, GetRecipientOfAnotherPartnerIsNotFound,
    UpdateReplacesEveryField, UpdateWithWrongPartnerIsNotFoundAndChangesNothing,
    UpdateUnknownRecipientIsNotFound, RotateSecretWithoutGraceDeletesTheOldHash,
    RotateSecretWithWrongPartnerIsNotFoundAndKeepsSecret, RotateSecretCannotTargetAPartner,
    RotateSecretWithGraceKeepsTheOldHashUntilItExpires,
    SecondRotationDuringGraceIsConflictAndChangesNothing,
    RotationAfterGraceExpiredLeavesAtMostTwoSecrets, RevokeTokensBumpsTheTokenEpoch,
    RevokePreviousSecretReturnsTrueOnceThenFalse,
    RevokePreviousSecretAfterExpiryIsFalseWithoutEvent,
    RevokePreviousSecretOfUnknownOrForeignRecipientIsNotFound,
    RetiredRecipientIsGoneButItsIdStaysTaken, RetireOfForeignUnknownOrPartnerIdIsNotFound,
    FreshRecipientHasEmptySecretStatus, SecretStatusForgetsThePreviousSecretWhenItsGraceEnds,
    RecipientCallsWouldBlockUnderNonBlockingScope);

}  // namespace obauth::store
