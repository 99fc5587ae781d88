// The Store conformance suite: the contract of store/store.hpp, run against every backend.
// A backend instantiates it with a factory type:
//
//   struct MyFactory {
//     void SetUp();     // a fresh, empty database for one test
//     void TearDown();  // removes it
//     obauth::Result<std::unique_ptr<obauth::store::Store>> Open();  // may be called repeatedly;
//                                                                   // each opens the same data
//   };
//   INSTANTIATE_TYPED_TEST_SUITE_P(My, StoreConformance, MyFactory);
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace obauth::store {

template <class Factory>
class StoreConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    factory_.SetUp();
    store_ = OpenStore();
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    store_.reset();
    factory_.TearDown();
  }

  std::unique_ptr<Store> OpenStore() {
    auto opened = factory_.Open();
    EXPECT_TRUE(opened) << (opened ? "" : opened.error().internal);
    return opened ? std::move(*opened) : nullptr;
  }

  static Partner MakePartner(std::string id, std::int64_t created_at = 1000) {
    std::string name = "Partner " + id;
    return Partner{std::move(id), std::move(name), created_at};
  }

  // A recipient with every optional field set, so a round trip checks them all.
  static Recipient MakeRecipient(std::string id, std::string partner_id,
                                 std::int64_t created_at = 2000) {
    Recipient r;
    r.client_id = std::move(id);
    r.partner_id = std::move(partner_id);
    r.name = "Acme Budgeting \xc3\xa9";
    r.scope = "ACCOUNT_BASIC TRANSACTIONS";
    r.redirect_uris = {"https://acme.example/cb", "https://acme.example/cb2"};
    r.logo_uri = "https://acme.example/logo.png";
    r.description = "Line one\nline two";
    r.terms_uri = "https://acme.example/terms";
    r.client_uri = "https://acme.example/";
    r.country = "CA";
    r.contact_emails = {"ops@acme.example", "security@acme.example"};
    r.created_at = created_at;
    r.updated_at = created_at;
    return r;
  }

  // Raw 32-byte hashes with NUL and high bytes, like real HMAC output.
  static std::string Hash(char seed) {
    std::string h(32, '\0');
    for (std::size_t i = 0; i < h.size(); ++i) {
      h[i] = static_cast<char>((i % 3 == 0) ? 0 : (seed + static_cast<char>(i * 7)));
    }
    h[31] = static_cast<char>(0xff);
    return h;
  }

  void CreatePartnerOrFail(const std::string& id) {
    auto r = store_->CreatePartner(MakePartner(id), Hash('p'));
    ASSERT_TRUE(r) << r.error().internal;
  }

  Factory factory_;
  std::unique_ptr<Store> store_;
};

TYPED_TEST_SUITE_P(StoreConformance);

TYPED_TEST_P(StoreConformance, CreatesAndFindsPartner) {
  ASSERT_TRUE(this->store_->CreatePartner(this->MakePartner("pt-1"), this->Hash('a')));
  auto found = this->store_->FindClient("pt-1");
  ASSERT_TRUE(found) << found.error().internal;
  EXPECT_EQ(found->client_id, "pt-1");
  EXPECT_EQ(found->kind, ClientKind::kPartner);
  EXPECT_FALSE(found->disabled);
  EXPECT_EQ(found->scope, "");
  EXPECT_EQ(found->secret_hashes, std::vector<std::string>{this->Hash('a')});
}

TYPED_TEST_P(StoreConformance, FindClientUnknownIsNotFound) {
  auto found = this->store_->FindClient("pt-missing");
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code, ErrorCode::kNotFound);
  auto empty = this->store_->FindClient("");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::kNotFound);
}

TYPED_TEST_P(StoreConformance, DuplicatePartnerIdIsConflict) {
  this->CreatePartnerOrFail("pt-1");
  auto again = this->store_->CreatePartner(this->MakePartner("pt-1"), this->Hash('b'));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  // The failed write left the first partner's secret alone.
  auto found = this->store_->FindClient("pt-1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->secret_hashes, std::vector<std::string>{this->Hash('p')});
}

TYPED_TEST_P(StoreConformance, CreatesRecipientAndReadsEveryField) {
  this->CreatePartnerOrFail("pt-1");
  const Recipient recipient = this->MakeRecipient("dc-1", "pt-1");
  ASSERT_TRUE(this->store_->CreateRecipient(recipient, this->Hash('r')));

  auto got = this->store_->GetRecipient("pt-1", "dc-1");
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

  auto client = this->store_->FindClient("dc-1");
  ASSERT_TRUE(client);
  EXPECT_EQ(client->kind, ClientKind::kRecipient);
  EXPECT_FALSE(client->disabled);
  EXPECT_EQ(client->scope, "ACCOUNT_BASIC TRANSACTIONS");
  EXPECT_EQ(client->secret_hashes, std::vector<std::string>{this->Hash('r')});
}

TYPED_TEST_P(StoreConformance, AbsentOptionalFieldsStayAbsent) {
  this->CreatePartnerOrFail("pt-1");
  Recipient minimal;
  minimal.client_id = "dc-min";
  minimal.partner_id = "pt-1";
  minimal.name = "Minimal";
  minimal.scope = "ACCOUNT_BASIC";
  minimal.redirect_uris = {"https://min.example/cb"};
  minimal.created_at = minimal.updated_at = 5;
  ASSERT_TRUE(this->store_->CreateRecipient(minimal, this->Hash('m')));
  auto got = this->store_->GetRecipient("pt-1", "dc-min");
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->logo_uri.has_value());
  EXPECT_FALSE(got->description.has_value());
  EXPECT_FALSE(got->terms_uri.has_value());
  EXPECT_FALSE(got->client_uri.has_value());
  EXPECT_FALSE(got->country.has_value());
  EXPECT_TRUE(got->contact_emails.empty());
}

TYPED_TEST_P(StoreConformance, EmptyStringOptionalIsNotNull) {
  this->CreatePartnerOrFail("pt-1");
  Recipient r = this->MakeRecipient("dc-1", "pt-1");
  r.description = "";
  ASSERT_TRUE(this->store_->CreateRecipient(r, this->Hash('r')));
  auto got = this->store_->GetRecipient("pt-1", "dc-1");
  ASSERT_TRUE(got);
  ASSERT_TRUE(got->description.has_value());
  EXPECT_EQ(*got->description, "");
}

TYPED_TEST_P(StoreConformance, DuplicateRecipientIdIsConflict) {
  this->CreatePartnerOrFail("pt-1");
  this->CreatePartnerOrFail("pt-2");
  ASSERT_TRUE(this->store_->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('r')));
  Recipient other = this->MakeRecipient("dc-1", "pt-2");
  other.name = "Impostor";
  auto again = this->store_->CreateRecipient(other, this->Hash('x'));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  // Nothing of the failed insert is visible.
  auto got = this->store_->GetRecipient("pt-1", "dc-1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->name, "Acme Budgeting \xc3\xa9");
  auto list = this->store_->ListRecipients("pt-2");
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
  auto client = this->store_->FindClient("dc-1");
  ASSERT_TRUE(client);
  EXPECT_EQ(client->secret_hashes, std::vector<std::string>{this->Hash('r')});
}

TYPED_TEST_P(StoreConformance, RecipientIdTakenByPartnerIsConflict) {
  this->CreatePartnerOrFail("pt-1");
  auto r = this->store_->CreateRecipient(this->MakeRecipient("pt-1", "pt-1"), this->Hash('r'));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
}

TYPED_TEST_P(StoreConformance, ListsOwnRecipientsOldestFirst) {
  this->CreatePartnerOrFail("pt-1");
  this->CreatePartnerOrFail("pt-2");
  // Created out of time order, and two with the same time (insertion order breaks the tie).
  ASSERT_TRUE(this->store_->CreateRecipient(this->MakeRecipient("dc-c", "pt-1", 300), "h"));
  ASSERT_TRUE(this->store_->CreateRecipient(this->MakeRecipient("dc-a", "pt-1", 100), "h"));
  ASSERT_TRUE(this->store_->CreateRecipient(this->MakeRecipient("dc-z", "pt-1", 200), "h"));
  ASSERT_TRUE(this->store_->CreateRecipient(this->MakeRecipient("dc-b", "pt-1", 200), "h"));
  ASSERT_TRUE(this->store_->CreateRecipient(this->MakeRecipient("dc-x", "pt-2", 50), "h"));

  auto list = this->store_->ListRecipients("pt-1");
  ASSERT_TRUE(list) << list.error().internal;
  std::vector<std::string> ids;
  for (const auto& r : *list) ids.push_back(r.client_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"dc-a", "dc-z", "dc-b", "dc-c"}));
  // Listed recipients carry their lists too.
  for (const auto& r : *list) {
    EXPECT_EQ(r.partner_id, "pt-1");
    EXPECT_EQ(r.redirect_uris.size(), 2u);
    EXPECT_EQ(r.contact_emails.size(), 2u);
  }

  auto other = this->store_->ListRecipients("pt-2");
  ASSERT_TRUE(other);
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ((*other)[0].client_id, "dc-x");

  auto none = this->store_->ListRecipients("pt-unknown");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TYPED_TEST_P(StoreConformance, GetRecipientOfAnotherPartnerIsNotFound) {
  this->CreatePartnerOrFail("pt-1");
  this->CreatePartnerOrFail("pt-2");
  ASSERT_TRUE(this->store_->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), "h"));
  auto got = this->store_->GetRecipient("pt-2", "dc-1");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
  auto unknown = this->store_->GetRecipient("pt-1", "dc-unknown");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  // A partner is not a recipient of itself.
  auto partner = this->store_->GetRecipient("pt-1", "pt-1");
  ASSERT_FALSE(partner);
  EXPECT_EQ(partner.error().code, ErrorCode::kNotFound);
}

TYPED_TEST_P(StoreConformance, UpdateReplacesEveryField) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->store_->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), "h"));
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
  auto updated = this->store_->UpdateRecipient(changed);
  ASSERT_TRUE(updated) << updated.error().internal;

  auto got = this->store_->GetRecipient("pt-1", "dc-1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->name, "Renamed");
  EXPECT_EQ(got->scope, "ACCOUNT_BASIC");
  EXPECT_EQ(got->redirect_uris, std::vector<std::string>{"https://new.example/only"});
  EXPECT_FALSE(got->logo_uri.has_value());
  EXPECT_FALSE(got->description.has_value());
  EXPECT_FALSE(got->terms_uri.has_value());
  EXPECT_FALSE(got->client_uri.has_value());
  EXPECT_EQ(got->country, std::optional<std::string>("US"));
  EXPECT_TRUE(got->contact_emails.empty());
  EXPECT_EQ(got->created_at, 2000);
  EXPECT_EQ(got->updated_at, 9000);
  auto client = this->store_->FindClient("dc-1");
  ASSERT_TRUE(client);
  EXPECT_EQ(client->scope, "ACCOUNT_BASIC");
}

TYPED_TEST_P(StoreConformance, UpdateWithWrongPartnerIsNotFoundAndChangesNothing) {
  this->CreatePartnerOrFail("pt-1");
  this->CreatePartnerOrFail("pt-2");
  const Recipient original = this->MakeRecipient("dc-1", "pt-1");
  ASSERT_TRUE(this->store_->CreateRecipient(original, "h"));
  Recipient hijack = original;
  hijack.partner_id = "pt-2";
  hijack.name = "Hijacked";
  hijack.redirect_uris = {"https://evil.example/cb"};
  auto updated = this->store_->UpdateRecipient(hijack);
  ASSERT_FALSE(updated);
  EXPECT_EQ(updated.error().code, ErrorCode::kNotFound);

  auto got = this->store_->GetRecipient("pt-1", "dc-1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->name, original.name);
  EXPECT_EQ(got->redirect_uris, original.redirect_uris);
  EXPECT_EQ(got->partner_id, "pt-1");
}

TYPED_TEST_P(StoreConformance, UpdateUnknownRecipientIsNotFound) {
  this->CreatePartnerOrFail("pt-1");
  auto updated = this->store_->UpdateRecipient(this->MakeRecipient("dc-unknown", "pt-1"));
  ASSERT_FALSE(updated);
  EXPECT_EQ(updated.error().code, ErrorCode::kNotFound);
}

TYPED_TEST_P(StoreConformance, ReplaceSecretLeavesOnlyTheNewHash) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->store_->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('o')));
  auto replaced = this->store_->ReplaceSecret("pt-1", "dc-1", this->Hash('n'), 7777);
  ASSERT_TRUE(replaced) << replaced.error().internal;
  auto client = this->store_->FindClient("dc-1");
  ASSERT_TRUE(client);
  EXPECT_EQ(client->secret_hashes, std::vector<std::string>{this->Hash('n')});
  auto got = this->store_->GetRecipient("pt-1", "dc-1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->updated_at, 7777);
}

TYPED_TEST_P(StoreConformance, ReplaceSecretWithWrongPartnerIsNotFoundAndKeepsSecret) {
  this->CreatePartnerOrFail("pt-1");
  this->CreatePartnerOrFail("pt-2");
  ASSERT_TRUE(this->store_->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('o')));
  auto replaced = this->store_->ReplaceSecret("pt-2", "dc-1", this->Hash('n'), 7777);
  ASSERT_FALSE(replaced);
  EXPECT_EQ(replaced.error().code, ErrorCode::kNotFound);
  auto client = this->store_->FindClient("dc-1");
  ASSERT_TRUE(client);
  EXPECT_EQ(client->secret_hashes, std::vector<std::string>{this->Hash('o')});
  auto got = this->store_->GetRecipient("pt-1", "dc-1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->updated_at, 2000);
}

TYPED_TEST_P(StoreConformance, ReplaceSecretCannotTargetAPartner) {
  this->CreatePartnerOrFail("pt-1");
  auto replaced = this->store_->ReplaceSecret("pt-1", "pt-1", this->Hash('n'), 7777);
  ASSERT_FALSE(replaced);
  EXPECT_EQ(replaced.error().code, ErrorCode::kNotFound);
  auto client = this->store_->FindClient("pt-1");
  ASSERT_TRUE(client);
  EXPECT_EQ(client->secret_hashes, std::vector<std::string>{this->Hash('p')});
}

TYPED_TEST_P(StoreConformance, SettingAbsentIsNullopt) {
  auto value = this->store_->GetSetting("nothing");
  ASSERT_TRUE(value);
  EXPECT_FALSE(value->has_value());
}

TYPED_TEST_P(StoreConformance, GetOrCreateSettingFirstWriterWins) {
  auto first = this->store_->GetOrCreateSetting("key", "first");
  ASSERT_TRUE(first) << first.error().internal;
  EXPECT_EQ(*first, "first");
  auto second = this->store_->GetOrCreateSetting("key", "second");
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, "first");
  auto read = this->store_->GetSetting("key");
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, std::optional<std::string>("first"));
  // Settings are independent of each other.
  auto other = this->store_->GetOrCreateSetting("other", "x");
  ASSERT_TRUE(other);
  EXPECT_EQ(*other, "x");
}

TYPED_TEST_P(StoreConformance, GetOrCreateSettingFirstWriterWinsAcrossInstances) {
  auto second_store = this->OpenStore();
  ASSERT_NE(second_store, nullptr);
  auto a = this->store_->GetOrCreateSetting("signing_key", "from-a");
  auto b = second_store->GetOrCreateSetting("signing_key", "from-b");
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_EQ(*a, "from-a");
  EXPECT_EQ(*b, "from-a");
}

TYPED_TEST_P(StoreConformance, DataSurvivesReopening) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->store_->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('r')));
  ASSERT_TRUE(this->store_->GetOrCreateSetting("key", "value"));
  this->store_.reset();

  auto reopened = this->OpenStore();
  ASSERT_NE(reopened, nullptr);
  auto partner = reopened->FindClient("pt-1");
  ASSERT_TRUE(partner);
  EXPECT_EQ(partner->secret_hashes, std::vector<std::string>{this->Hash('p')});
  auto recipient = reopened->GetRecipient("pt-1", "dc-1");
  ASSERT_TRUE(recipient);
  EXPECT_EQ(recipient->contact_emails, this->MakeRecipient("dc-1", "pt-1").contact_emails);
  auto setting = reopened->GetSetting("key");
  ASSERT_TRUE(setting);
  EXPECT_EQ(*setting, std::optional<std::string>("value"));
}

REGISTER_TYPED_TEST_SUITE_P(
    StoreConformance, CreatesAndFindsPartner, FindClientUnknownIsNotFound,
    DuplicatePartnerIdIsConflict, CreatesRecipientAndReadsEveryField,
    AbsentOptionalFieldsStayAbsent, EmptyStringOptionalIsNotNull, DuplicateRecipientIdIsConflict,
    RecipientIdTakenByPartnerIsConflict, ListsOwnRecipientsOldestFirst,
    GetRecipientOfAnotherPartnerIsNotFound, UpdateReplacesEveryField,
    UpdateWithWrongPartnerIsNotFoundAndChangesNothing, UpdateUnknownRecipientIsNotFound,
    ReplaceSecretLeavesOnlyTheNewHash, ReplaceSecretWithWrongPartnerIsNotFoundAndKeepsSecret,
    ReplaceSecretCannotTargetAPartner, SettingAbsentIsNullopt, GetOrCreateSettingFirstWriterWins,
    GetOrCreateSettingFirstWriterWinsAcrossInstances, DataSurvivesReopening);

}  // namespace obauth::store
