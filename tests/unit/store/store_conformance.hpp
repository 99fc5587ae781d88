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

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
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

  static AuditEvent Event(std::string partner_id, std::string action, std::string client_id,
                          std::int64_t at = 3000) {
    AuditEvent e;
    e.at = at;
    e.actor = partner_id;
    e.partner_id = std::move(partner_id);
    e.action = std::move(action);
    e.client_id = std::move(client_id);
    e.request_id = "req-" + std::to_string(at);
    e.source = "203.0.113.7:5555";
    e.options_json = R"({"k":1})";
    return e;
  }

  static Replay MakeReplay(std::string partner_id, std::string key, std::int64_t created_at,
                           std::string sealed = "sealed-bytes") {
    return Replay{std::move(partner_id), std::move(key), Hash('f'), std::move(sealed), created_at};
  }

  static Provider MakeProvider(std::int64_t id, std::string name = "Bank",
                               std::string country = "CA") {
    Provider p;
    p.provider_id = id;
    p.name = std::move(name);
    p.country = std::move(country);
    p.provider_url = "https://bank.example/";
    p.scope = "ACCOUNT_BASIC TRANSACTIONS";
    p.data_inventory = R"({"account":[],"customers":["name.first"]})";
    p.connector_name = "akoya";
    p.account_types = R"({"depositAccounts":"true"})";
    p.updated_at = 5000;
    return p;
  }

  void CreatePartnerOrFail(const std::string& id) {
    auto r = store_->CreatePartner(MakePartner(id), Hash('p'), Event(id, "partner.created", id));
    ASSERT_TRUE(r) << r.error().internal;
  }

  Result<void> CreateRecipient(const Recipient& recipient, const std::string& hash,
                               const Replay* replay = nullptr) {
    return store_->CreateRecipient(
        recipient, hash, replay,
        Event(recipient.partner_id, "recipient.created", recipient.client_id));
  }

  void CreateRecipientOrFail(const std::string& id, const std::string& partner_id,
                             const std::string& hash) {
    auto r = CreateRecipient(MakeRecipient(id, partner_id), hash);
    ASSERT_TRUE(r) << r.error().internal;
  }

  Result<void> UpdateRecipient(const Recipient& recipient) {
    return store_->UpdateRecipient(
        recipient, Event(recipient.partner_id, "recipient.updated", recipient.client_id));
  }

  Result<std::optional<std::int64_t>> Rotate(const std::string& partner_id,
                                             const std::string& client_id, const std::string& hash,
                                             std::int64_t now, std::int64_t grace = 0,
                                             bool revoke_tokens = false,
                                             const Replay* replay = nullptr) {
    return store_->RotateSecret({partner_id, client_id, hash, now, grace, revoke_tokens}, replay,
                                Event(partner_id, "recipient.secret_rotated", client_id, now));
  }

  // The stored secret hashes of a client, current first.
  std::vector<std::string> Hashes(std::string_view client_id) {
    auto client = store_->FindClient(client_id);
    EXPECT_TRUE(client) << (client ? "" : client.error().internal);
    std::vector<std::string> out;
    if (client) {
      for (const auto& secret : client->secrets) out.push_back(secret.hash);
    }
    return out;
  }

  ClientCredentials Client(std::string_view client_id) {
    auto client = store_->FindClient(client_id);
    EXPECT_TRUE(client) << (client ? "" : client.error().internal);
    return client ? std::move(*client) : ClientCredentials{};
  }

  std::vector<AuditEvent> Events(const std::string& partner_id,
                                 std::optional<std::string> client_id = std::nullopt,
                                 std::optional<std::int64_t> before_id = std::nullopt,
                                 int limit = 200) {
    auto events = store_->ListAuditEvents({partner_id, std::move(client_id), before_id, limit});
    EXPECT_TRUE(events) << (events ? "" : events.error().internal);
    return events ? std::move(*events) : std::vector<AuditEvent>{};
  }

  std::vector<std::string> Actions(const std::string& partner_id) {
    std::vector<std::string> out;
    for (const auto& e : Events(partner_id)) out.push_back(e.action);
    return out;
  }

  Recipient GetOrFail(const std::string& partner_id, const std::string& client_id,
                      std::int64_t now = 3000) {
    auto got = store_->GetRecipient(partner_id, client_id, now);
    EXPECT_TRUE(got) << (got ? "" : got.error().internal);
    return got ? std::move(*got) : Recipient{};
  }

  Factory factory_;
  std::unique_ptr<Store> store_;
};

TYPED_TEST_SUITE_P(StoreConformance);

using Strings = std::vector<std::string>;

// ---- Partners and recipients ------------------------------------------------------------------

TYPED_TEST_P(StoreConformance, CreatesAndFindsPartner) {
  ASSERT_TRUE(this->store_->CreatePartner(this->MakePartner("pt-1"), this->Hash('a'),
                                          this->Event("pt-1", "partner.created", "pt-1")));
  auto found = this->store_->FindClient("pt-1");
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
  auto again = this->store_->CreatePartner(this->MakePartner("pt-1"), this->Hash('b'),
                                           this->Event("pt-1", "partner.created", "pt-1"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  // The failed write left the first partner's secret alone, and recorded no event.
  EXPECT_EQ(this->Hashes("pt-1"), Strings{this->Hash('p')});
  EXPECT_EQ(this->Actions("pt-1"), Strings{"partner.created"});
}

TYPED_TEST_P(StoreConformance, CreatesRecipientAndReadsEveryField) {
  this->CreatePartnerOrFail("pt-1");
  const Recipient recipient = this->MakeRecipient("dc-1", "pt-1");
  ASSERT_TRUE(this->CreateRecipient(recipient, this->Hash('r')));

  auto got = this->store_->GetRecipient("pt-1", "dc-1", 3000);
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
  EXPECT_EQ(client->partner_id, "pt-1");
  EXPECT_FALSE(client->disabled);
  EXPECT_FALSE(client->retired);
  EXPECT_EQ(client->token_epoch, 0);
  EXPECT_EQ(client->scope, "ACCOUNT_BASIC TRANSACTIONS");
  EXPECT_EQ(this->Hashes("dc-1"), Strings{this->Hash('r')});
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
  ASSERT_TRUE(this->CreateRecipient(minimal, this->Hash('m')));
  const Recipient got = this->GetOrFail("pt-1", "dc-min");
  EXPECT_FALSE(got.logo_uri.has_value());
  EXPECT_FALSE(got.description.has_value());
  EXPECT_FALSE(got.terms_uri.has_value());
  EXPECT_FALSE(got.client_uri.has_value());
  EXPECT_FALSE(got.country.has_value());
  EXPECT_TRUE(got.contact_emails.empty());
}

TYPED_TEST_P(StoreConformance, EmptyStringOptionalIsNotNull) {
  this->CreatePartnerOrFail("pt-1");
  Recipient r = this->MakeRecipient("dc-1", "pt-1");
  r.description = "";
  ASSERT_TRUE(this->CreateRecipient(r, this->Hash('r')));
  const Recipient got = this->GetOrFail("pt-1", "dc-1");
  ASSERT_TRUE(got.description.has_value());
  EXPECT_EQ(*got.description, "");
}

TYPED_TEST_P(StoreConformance, DuplicateRecipientIdIsConflict) {
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
  auto list = this->store_->ListRecipients("pt-2");
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
  EXPECT_EQ(this->Hashes("dc-1"), Strings{this->Hash('r')});
  EXPECT_EQ(this->Actions("pt-2"), Strings{"partner.created"});
}

TYPED_TEST_P(StoreConformance, RecipientIdTakenByPartnerIsConflict) {
  this->CreatePartnerOrFail("pt-1");
  auto r = this->CreateRecipient(this->MakeRecipient("pt-1", "pt-1"), this->Hash('r'));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
}

TYPED_TEST_P(StoreConformance, ListsOwnRecipientsOldestFirst) {
  this->CreatePartnerOrFail("pt-1");
  this->CreatePartnerOrFail("pt-2");
  // Created out of time order, and two with the same time (insertion order breaks the tie).
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-c", "pt-1", 300), "h"));
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-a", "pt-1", 100), "h"));
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-z", "pt-1", 200), "h"));
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-b", "pt-1", 200), "h"));
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-x", "pt-2", 50), "h"));

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
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), "h"));
  auto got = this->store_->GetRecipient("pt-2", "dc-1", 3000);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
  auto unknown = this->store_->GetRecipient("pt-1", "dc-unknown", 3000);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  // A partner is not a recipient of itself.
  auto partner = this->store_->GetRecipient("pt-1", "pt-1", 3000);
  ASSERT_FALSE(partner);
  EXPECT_EQ(partner.error().code, ErrorCode::kNotFound);
}

TYPED_TEST_P(StoreConformance, UpdateReplacesEveryField) {
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
  auto client = this->store_->FindClient("dc-1");
  ASSERT_TRUE(client);
  EXPECT_EQ(client->scope, "ACCOUNT_BASIC");
}

TYPED_TEST_P(StoreConformance, UpdateWithWrongPartnerIsNotFoundAndChangesNothing) {
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

TYPED_TEST_P(StoreConformance, UpdateUnknownRecipientIsNotFound) {
  this->CreatePartnerOrFail("pt-1");
  auto updated = this->UpdateRecipient(this->MakeRecipient("dc-unknown", "pt-1"));
  ASSERT_FALSE(updated);
  EXPECT_EQ(updated.error().code, ErrorCode::kNotFound);
}

// ---- Rotation ---------------------------------------------------------------------------------

TYPED_TEST_P(StoreConformance, RotateSecretWithoutGraceDeletesTheOldHash) {
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

TYPED_TEST_P(StoreConformance, RotateSecretWithWrongPartnerIsNotFoundAndKeepsSecret) {
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

TYPED_TEST_P(StoreConformance, RotateSecretCannotTargetAPartner) {
  this->CreatePartnerOrFail("pt-1");
  auto rotated = this->Rotate("pt-1", "pt-1", this->Hash('n'), 7777);
  ASSERT_FALSE(rotated);
  EXPECT_EQ(rotated.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->Hashes("pt-1"), Strings{this->Hash('p')});
}

TYPED_TEST_P(StoreConformance, RotateSecretWithGraceKeepsTheOldHashUntilItExpires) {
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

TYPED_TEST_P(StoreConformance, SecondRotationDuringGraceIsConflictAndChangesNothing) {
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
  auto found = this->store_->FindReplay("pt-1", "key-1", 0);
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->has_value());
}

TYPED_TEST_P(StoreConformance, RotationAfterGraceExpiredLeavesAtMostTwoSecrets) {
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

TYPED_TEST_P(StoreConformance, RevokeTokensBumpsTheTokenEpoch) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('a')));
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", this->Hash('b'), 7000));
  EXPECT_EQ(this->Client("dc-1").token_epoch, 0);
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", this->Hash('c'), 7001, 0, true));
  EXPECT_EQ(this->Client("dc-1").token_epoch, 1);
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", this->Hash('d'), 7002, 60, true));
  EXPECT_EQ(this->Client("dc-1").token_epoch, 2);
}

TYPED_TEST_P(StoreConformance, RevokePreviousSecretReturnsTrueOnceThenFalse) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('a')));
  auto revoke = [&](std::int64_t now) {
    return this->store_->RevokePreviousSecret(
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

TYPED_TEST_P(StoreConformance, RevokePreviousSecretAfterExpiryIsFalseWithoutEvent) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('a')));
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", this->Hash('b'), 7000, 600));
  const auto events_before = this->Events("pt-1").size();
  auto late =
      this->store_->RevokePreviousSecret("pt-1", "dc-1", 7600, this->Event("pt-1", "x", "dc-1"));
  ASSERT_TRUE(late);
  EXPECT_FALSE(*late);
  EXPECT_EQ(this->Events("pt-1").size(), events_before);
}

TYPED_TEST_P(StoreConformance, RevokePreviousSecretOfUnknownOrForeignRecipientIsNotFound) {
  this->CreatePartnerOrFail("pt-1");
  this->CreatePartnerOrFail("pt-2");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('a')));
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", this->Hash('b'), 7000, 600));
  for (const auto& [partner, client] : {std::pair<std::string, std::string>{"pt-2", "dc-1"},
                                        {"pt-1", "dc-unknown"},
                                        {"pt-1", "pt-1"}}) {
    SCOPED_TRACE(partner + " " + client);
    auto r = this->store_->RevokePreviousSecret(partner, client, 7100,
                                                this->Event(partner, "x", client));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  }
  EXPECT_EQ(this->Hashes("dc-1").size(), 2u);
}

// ---- Retirement -------------------------------------------------------------------------------

TYPED_TEST_P(StoreConformance, RetiredRecipientIsGoneButItsIdStaysTaken) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('a')));
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-2", "pt-1"), this->Hash('b')));
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", this->Hash('c'), 7000, 600));
  auto retired = this->store_->RetireRecipient("pt-1", "dc-1", 8000,
                                               this->Event("pt-1", "recipient.deleted", "dc-1"));
  ASSERT_TRUE(retired) << retired.error().internal;

  auto list = this->store_->ListRecipients("pt-1");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].client_id, "dc-2");
  auto got = this->store_->GetRecipient("pt-1", "dc-1", 8000);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kNotFound);

  // Still known to FindClient, so its tokens can be judged, but without secrets.
  const ClientCredentials client = this->Client("dc-1");
  EXPECT_TRUE(client.retired);
  EXPECT_TRUE(client.secrets.empty());
  EXPECT_EQ(client.token_epoch, 1);
  EXPECT_EQ(this->Actions("pt-1").front(), "recipient.deleted");

  auto again =
      this->store_->RetireRecipient("pt-1", "dc-1", 8001, this->Event("pt-1", "x", "dc-1"));
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
  auto revoke =
      this->store_->RevokePreviousSecret("pt-1", "dc-1", 9000, this->Event("pt-1", "x", "dc-1"));
  ASSERT_FALSE(revoke);
  EXPECT_EQ(revoke.error().code, ErrorCode::kNotFound);
}

TYPED_TEST_P(StoreConformance, RetireOfForeignUnknownOrPartnerIdIsNotFound) {
  this->CreatePartnerOrFail("pt-1");
  this->CreatePartnerOrFail("pt-2");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('a')));
  for (const auto& [partner, client] : {std::pair<std::string, std::string>{"pt-2", "dc-1"},
                                        {"pt-1", "dc-unknown"},
                                        {"pt-1", "pt-1"}}) {
    SCOPED_TRACE(partner + " " + client);
    auto r =
        this->store_->RetireRecipient(partner, client, 8000, this->Event(partner, "x", client));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  }
  EXPECT_FALSE(this->Client("dc-1").retired);
  EXPECT_FALSE(this->Client("pt-1").retired);
  EXPECT_EQ(this->Hashes("dc-1"), Strings{this->Hash('a')});
}

// ---- Secret usage -----------------------------------------------------------------------------

TYPED_TEST_P(StoreConformance, FreshRecipientHasEmptySecretStatus) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('a')));
  const SecretStatus status = this->GetOrFail("pt-1", "dc-1").secrets;
  EXPECT_FALSE(status.secret_last_used_at.has_value());
  EXPECT_FALSE(status.previous_expires_at.has_value());
  EXPECT_FALSE(status.previous_last_used_at.has_value());
  EXPECT_EQ(status.previous_authentications, 0);
}

TYPED_TEST_P(StoreConformance, RecordSecretUseSetsLastUsedAndCountsPreviousSecretOnly) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('a')));
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", this->Hash('b'), 7000, 600));
  const ClientCredentials client = this->Client("dc-1");
  ASSERT_EQ(client.secrets.size(), 2u);
  const std::int64_t current = client.secrets[0].id;
  const std::int64_t previous = client.secrets[1].id;

  // A count given for the current secret is not a previous-secret authentication.
  ASSERT_TRUE(this->store_->RecordSecretUse({{current, "dc-1", 7010, 5}}));
  SecretStatus status = this->GetOrFail("pt-1", "dc-1", 7010).secrets;
  EXPECT_EQ(status.secret_last_used_at, std::optional<std::int64_t>(7010));
  EXPECT_FALSE(status.previous_last_used_at.has_value());
  EXPECT_EQ(status.previous_authentications, 0);

  ASSERT_TRUE(this->store_->RecordSecretUse({{previous, "dc-1", 7020, 3}}));
  ASSERT_TRUE(this->store_->RecordSecretUse({{previous, "dc-1", 7030, 2}}));
  status = this->GetOrFail("pt-1", "dc-1", 7030).secrets;
  EXPECT_EQ(status.secret_last_used_at, std::optional<std::int64_t>(7010));
  EXPECT_EQ(status.previous_expires_at, std::optional<std::int64_t>(7600));
  EXPECT_EQ(status.previous_last_used_at, std::optional<std::int64_t>(7030));
  EXPECT_EQ(status.previous_authentications, 5);

  // Last used never moves back in time (batches may arrive out of order).
  ASSERT_TRUE(this->store_->RecordSecretUse({{current, "dc-1", 7005, 0}}));
  EXPECT_EQ(this->GetOrFail("pt-1", "dc-1", 7030).secrets.secret_last_used_at,
            std::optional<std::int64_t>(7010));
}

TYPED_TEST_P(StoreConformance, RecordSecretUseIgnoresDeletedSecrets) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('a')));
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", this->Hash('b'), 7000, 600));
  const std::int64_t previous = this->Client("dc-1").secrets[1].id;
  ASSERT_TRUE(
      this->store_->RevokePreviousSecret("pt-1", "dc-1", 7001, this->Event("pt-1", "x", "dc-1")));
  // A batch noticed before the revocation arrives after it.
  auto recorded =
      this->store_->RecordSecretUse({{previous, "dc-1", 7002, 4}, {999999, "dc-1", 1, 1}});
  ASSERT_TRUE(recorded) << recorded.error().internal;
  const SecretStatus status = this->GetOrFail("pt-1", "dc-1", 7002).secrets;
  EXPECT_EQ(status.previous_authentications, 0);
  EXPECT_FALSE(status.previous_last_used_at.has_value());
  EXPECT_FALSE(status.secret_last_used_at.has_value());
  EXPECT_TRUE(this->store_->RecordSecretUse({}));
}

TYPED_TEST_P(StoreConformance, SecretStatusForgetsThePreviousSecretWhenItsGraceEnds) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('a')));
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", this->Hash('b'), 7000, 600));
  const std::int64_t previous = this->Client("dc-1").secrets[1].id;
  ASSERT_TRUE(this->store_->RecordSecretUse({{previous, "dc-1", 7100, 1}}));
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

// ---- Audit trail ------------------------------------------------------------------------------

TYPED_TEST_P(StoreConformance, AuditEventKeepsEveryField) {
  this->CreatePartnerOrFail("pt-1");
  AuditEvent event = this->Event("pt-1", "recipient.created", "dc-1", 4242);
  event.actor = "operator";
  event.request_id = "req-\xc3\xa9";
  event.source = "cli";
  event.options_json = R"({"idempotency_key":true})";
  ASSERT_TRUE(
      this->store_->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), "h", nullptr, event));
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

TYPED_TEST_P(StoreConformance, FailedChangeRecordsNoAuditEvent) {
  this->CreatePartnerOrFail("pt-1");
  this->CreatePartnerOrFail("pt-2");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), "h"));
  Recipient hijack = this->MakeRecipient("dc-1", "pt-2");
  hijack.name = "Hijacked";
  ASSERT_FALSE(this->UpdateRecipient(hijack));
  ASSERT_FALSE(this->Rotate("pt-2", "dc-1", "x", 5000));
  ASSERT_FALSE(
      this->store_->RetireRecipient("pt-2", "dc-1", 5000, this->Event("pt-2", "x", "dc-1")));
  EXPECT_EQ(this->Actions("pt-2"), Strings{"partner.created"});
  EXPECT_EQ(this->Actions("pt-1"), (Strings{"recipient.created", "partner.created"}));
}

TYPED_TEST_P(StoreConformance, ListAuditEventsNewestFirstWithFilterCursorAndLimit) {
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

// ---- Idempotency replays ----------------------------------------------------------------------

TYPED_TEST_P(StoreConformance, ReplayIsStoredWithTheChangeAndFoundByPartnerAndKey) {
  this->CreatePartnerOrFail("pt-1");
  this->CreatePartnerOrFail("pt-2");
  const Replay create_replay =
      this->MakeReplay("pt-1", "create-key", 5000, std::string("\0\xff", 2));
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), "h", &create_replay));
  const Replay rotate_replay = this->MakeReplay("pt-1", "rotate-key", 6000);
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", "h2", 6000, 0, false, &rotate_replay));

  auto found = this->store_->FindReplay("pt-1", "create-key", 0);
  ASSERT_TRUE(found) << found.error().internal;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->partner_id, "pt-1");
  EXPECT_EQ((*found)->key, "create-key");
  EXPECT_EQ((*found)->fingerprint, create_replay.fingerprint);
  EXPECT_EQ((*found)->sealed, create_replay.sealed);
  EXPECT_EQ((*found)->created_at, 5000);
  auto rotation = this->store_->FindReplay("pt-1", "rotate-key", 0);
  ASSERT_TRUE(rotation);
  ASSERT_TRUE(rotation->has_value());
  EXPECT_EQ((*rotation)->created_at, 6000);

  // Keys belong to one partner.
  auto other = this->store_->FindReplay("pt-2", "create-key", 0);
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->has_value());
  auto unknown = this->store_->FindReplay("pt-1", "no-such-key", 0);
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(unknown->has_value());
}

TYPED_TEST_P(StoreConformance, FindReplayHonoursNotBefore) {
  this->CreatePartnerOrFail("pt-1");
  const Replay replay = this->MakeReplay("pt-1", "k", 5000);
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), "h", &replay));
  auto at = this->store_->FindReplay("pt-1", "k", 5000);
  ASSERT_TRUE(at);
  EXPECT_TRUE(at->has_value());
  auto after = this->store_->FindReplay("pt-1", "k", 5001);
  ASSERT_TRUE(after);
  EXPECT_FALSE(after->has_value());
}

TYPED_TEST_P(StoreConformance, TakenReplayKeyIsKeyInUseAndRollsTheWholeChangeBack) {
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
  auto missing = this->store_->FindClient("dc-2");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);

  EXPECT_EQ(this->Events("pt-1").size(), events_before);
  auto found = this->store_->FindReplay("pt-1", "k", 0);
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->sealed, "first");
}

TYPED_TEST_P(StoreConformance, SameKeyForAnotherPartnerIsIndependent) {
  this->CreatePartnerOrFail("pt-1");
  this->CreatePartnerOrFail("pt-2");
  const Replay a = this->MakeReplay("pt-1", "k", 5000, "a");
  const Replay b = this->MakeReplay("pt-2", "k", 5000, "b");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), "h", &a));
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-2", "pt-2"), "h", &b));
  auto found = this->store_->FindReplay("pt-2", "k", 0);
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->sealed, "b");
}

TYPED_TEST_P(StoreConformance, ReplayOlderThanADayIsReplaced) {
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
  auto found = this->store_->FindReplay("pt-1", "k", 0);
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->sealed, "fresh");
  EXPECT_EQ((*found)->created_at, 5001 + kDay);
}

TYPED_TEST_P(StoreConformance, PurgeReplaysDeletesThoseCreatedBeforeTheCutoff) {
  this->CreatePartnerOrFail("pt-1");
  const Replay r1 = this->MakeReplay("pt-1", "k1", 1000);
  const Replay r2 = this->MakeReplay("pt-1", "k2", 2000);
  const Replay r3 = this->MakeReplay("pt-1", "k3", 3000);
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), "h", &r1));
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-2", "pt-1"), "h", &r2));
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-3", "pt-1"), "h", &r3));
  auto purged = this->store_->PurgeReplays(2000);
  ASSERT_TRUE(purged) << purged.error().internal;
  EXPECT_EQ(*purged, 1);
  for (const auto& [key, present] :
       {std::pair<std::string, bool>{"k1", false}, {"k2", true}, {"k3", true}}) {
    SCOPED_TRACE(key);
    auto found = this->store_->FindReplay("pt-1", key, 0);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->has_value(), present);
  }
  auto again = this->store_->PurgeReplays(2000);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0);
  // The changes the replays answered are untouched.
  EXPECT_EQ(this->Hashes("dc-1"), Strings{"h"});
}

// ---- Settings and durability ------------------------------------------------------------------

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

TYPED_TEST_P(StoreConformance, ReplaceSettingSwapsOnlyTheExpectedValue) {
  ASSERT_TRUE(this->store_->GetOrCreateSetting("key", "old"));
  auto stale = this->store_->ReplaceSetting("key", "not-the-value", "other");
  ASSERT_TRUE(stale) << stale.error().internal;
  EXPECT_EQ(*stale, "old");
  auto swapped = this->store_->ReplaceSetting("key", "old", "new");
  ASSERT_TRUE(swapped) << swapped.error().internal;
  EXPECT_EQ(*swapped, "new");
  // A second instance replacing the same old value finds the first one's.
  auto second_store = this->OpenStore();
  ASSERT_NE(second_store, nullptr);
  auto late = second_store->ReplaceSetting("key", "old", "late");
  ASSERT_TRUE(late);
  EXPECT_EQ(*late, "new");
  auto read = this->store_->GetSetting("key");
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, std::optional<std::string>("new"));
  auto missing = this->store_->ReplaceSetting("absent", "a", "b");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TYPED_TEST_P(StoreConformance, RevokedTokensAreListedWithTheirClientUntilPurged) {
  this->CreatePartnerOrFail("pt-revoking");
  this->CreatePartnerOrFail("pt-other");
  // Read first, so a cache in front has the client before the revocation.
  auto before = this->store_->FindClient("pt-revoking");
  ASSERT_TRUE(before);
  EXPECT_TRUE(before->revoked_token_ids.empty());
  ASSERT_TRUE(this->store_->RevokeToken("pt-revoking", "jti-1", 1000));
  ASSERT_TRUE(this->store_->RevokeToken("pt-revoking", "jti-2", 2000));
  ASSERT_TRUE(this->store_->RevokeToken("pt-revoking", "jti-1", 1000));  // idempotent
  auto after = this->store_->FindClient("pt-revoking");
  ASSERT_TRUE(after) << after.error().internal;
  auto ids = after->revoked_token_ids;
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"jti-1", "jti-2"}));
  EXPECT_TRUE(this->store_->FindClient("pt-other")->revoked_token_ids.empty());
  // Another instance sees them too.
  auto second_store = this->OpenStore();
  ASSERT_NE(second_store, nullptr);
  EXPECT_EQ(second_store->FindClient("pt-revoking")->revoked_token_ids.size(), 2u);
  // Purged once expired before the cutoff.
  auto purged = this->store_->PurgeRevokedTokens(1500);
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 1);
  EXPECT_EQ(this->store_->FindClient("pt-revoking")->revoked_token_ids,
            std::vector<std::string>{"jti-2"});
}

TYPED_TEST_P(StoreConformance, ForeignChangeVersionMovesForOtherWritersOnly) {
  auto other = this->OpenStore();
  ASSERT_NE(other, nullptr);
  auto start = this->store_->ForeignChangeVersion();
  ASSERT_TRUE(start);
  this->CreatePartnerOrFail("pt-own");
  ASSERT_TRUE(this->store_->GetOrCreateSetting("own", "x"));
  auto after_own = this->store_->ForeignChangeVersion();
  ASSERT_TRUE(after_own);
  EXPECT_EQ(*after_own, *start);
  ASSERT_TRUE(other->FindClient("pt-own"));  // a read is no change
  auto after_read = this->store_->ForeignChangeVersion();
  ASSERT_TRUE(after_read);
  EXPECT_EQ(*after_read, *start);
  ASSERT_TRUE(other->GetOrCreateSetting("foreign", "y"));
  // A backend may learn of foreign writes asynchronously (PostgreSQL: NOTIFY); wait up to 5 s.
  bool moved = false;
  for (int i = 0; i < 500 && !moved; ++i) {
    auto version = this->store_->ForeignChangeVersion();
    ASSERT_TRUE(version);
    moved = *version != *start;
    if (!moved) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(moved);
}

TYPED_TEST_P(StoreConformance, DataSurvivesReopening) {
  this->CreatePartnerOrFail("pt-1");
  ASSERT_TRUE(this->CreateRecipient(this->MakeRecipient("dc-1", "pt-1"), this->Hash('r')));
  const Replay replay = this->MakeReplay("pt-1", "k", 7000);
  ASSERT_TRUE(this->Rotate("pt-1", "dc-1", this->Hash('s'), 7000, 600, true, &replay));
  ASSERT_TRUE(this->store_->GetOrCreateSetting("key", "value"));
  this->store_.reset();

  auto reopened = this->OpenStore();
  ASSERT_NE(reopened, nullptr);
  auto partner = reopened->FindClient("pt-1");
  ASSERT_TRUE(partner);
  ASSERT_EQ(partner->secrets.size(), 1u);
  EXPECT_EQ(partner->secrets[0].hash, this->Hash('p'));
  auto client = reopened->FindClient("dc-1");
  ASSERT_TRUE(client);
  ASSERT_EQ(client->secrets.size(), 2u);
  EXPECT_EQ(client->secrets[1].expires_at, std::optional<std::int64_t>(7600));
  EXPECT_EQ(client->token_epoch, 1);
  auto recipient = reopened->GetRecipient("pt-1", "dc-1", 7000);
  ASSERT_TRUE(recipient);
  EXPECT_EQ(recipient->contact_emails, this->MakeRecipient("dc-1", "pt-1").contact_emails);
  auto setting = reopened->GetSetting("key");
  ASSERT_TRUE(setting);
  EXPECT_EQ(*setting, std::optional<std::string>("value"));
  auto events = reopened->ListAuditEvents({"pt-1", std::nullopt, std::nullopt, 10});
  ASSERT_TRUE(events);
  EXPECT_EQ(events->size(), 3u);
  auto found = reopened->FindReplay("pt-1", "k", 0);
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->has_value());
}

TYPED_TEST_P(StoreConformance, UpsertProvidersAddsUpdatesAndCountsUnchangedOnes) {
  Provider bare = this->MakeProvider(2000, "NBC");
  bare.provider_url.reset();
  bare.connector_name.reset();
  auto first = this->store_->UpsertProviders({this->MakeProvider(4013, "1st United", "US"), bare});
  ASSERT_TRUE(first) << first.error().internal;
  EXPECT_EQ(first->added, 2);
  EXPECT_EQ(first->updated, 0);
  Provider renamed = bare;
  renamed.name = "National Bank";
  renamed.updated_at = 6000;
  auto second =
      this->store_->UpsertProviders({this->MakeProvider(4013, "1st United", "US"), renamed});
  ASSERT_TRUE(second) << second.error().internal;
  EXPECT_EQ(second->added, 0);
  EXPECT_EQ(second->updated, 1);
  EXPECT_EQ(second->unchanged, 1);

  auto listed = this->store_->ListProviders();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].provider_id, 2000) << "ordered by id";
  EXPECT_EQ((*listed)[0].name, "National Bank");
  EXPECT_EQ((*listed)[0].provider_url, std::nullopt);
  EXPECT_EQ((*listed)[0].connector_name, std::nullopt);
  EXPECT_EQ((*listed)[0].updated_at, 6000);
  auto one = this->store_->GetProvider(4013);
  ASSERT_TRUE(one);
  EXPECT_TRUE(one->SameContent(this->MakeProvider(4013, "1st United", "US")));
  EXPECT_EQ(one->updated_at, 5000);
  auto none = this->store_->GetProvider(1);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
}

TYPED_TEST_P(StoreConformance, RegistrationsAreRequestedOncePerPairAndListedPerPartner) {
  this->CreatePartnerOrFail("pt-a");
  this->CreatePartnerOrFail("pt-b");
  this->CreateRecipientOrFail("dc-1", "pt-a", this->Hash('1'));
  this->CreateRecipientOrFail("dc-2", "pt-a", this->Hash('2'));
  this->CreateRecipientOrFail("dc-9", "pt-b", this->Hash('9'));
  ASSERT_TRUE(this->store_->UpsertProviders(
      {this->MakeProvider(1000, "Flinks Capital"), this->MakeProvider(2000, "NBC")}));
  const AuditEvent audit = this->Event("pt-a", "registration.requested", "");

  auto first = this->store_->RequestRegistrations("pt-a", {"dc-1"}, {1000}, 7000, audit);
  ASSERT_TRUE(first) << first.error().internal;
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].client_name, "Acme Budgeting \xc3\xa9");
  EXPECT_EQ((*first)[0].provider_name, "Flinks Capital");
  EXPECT_EQ((*first)[0].country, "CA");
  EXPECT_EQ((*first)[0].status, RegistrationStatus::kPendingApproval);
  EXPECT_EQ((*first)[0].requested_at, 7000);

  ASSERT_TRUE(this->store_->TransitionRegistration(
      "dc-1", 1000, RegistrationStatus::kPendingApproval, RegistrationStatus::kPendingActivation,
      7500, this->Event("pt-a", "registration.approved", "dc-1")));
  auto both =
      this->store_->RequestRegistrations("pt-a", {"dc-1", "dc-2"}, {1000, 2000}, 8000, audit);
  ASSERT_TRUE(both) << both.error().internal;
  ASSERT_EQ(both->size(), 4u);
  EXPECT_EQ((*both)[0].status, RegistrationStatus::kPendingActivation) << "left as it was";
  EXPECT_EQ((*both)[0].requested_at, 7000);
  EXPECT_EQ((*both)[1].provider_id, 2000);
  EXPECT_EQ((*both)[1].requested_at, 8000);
  EXPECT_EQ((*both)[3].client_id, "dc-2");

  auto events = this->store_->ListAuditEvents({"pt-a", std::nullopt, std::nullopt, 50});
  ASSERT_TRUE(events);
  const auto requested = std::count_if(events->begin(), events->end(), [](const AuditEvent& e) {
    return e.action == "registration.requested";
  });
  EXPECT_EQ(requested, 4) << "one event per new pair";

  auto all = this->store_->ListRegistrations("pt-a", std::nullopt);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 4u);
  auto mine = this->store_->ListRegistrations("pt-a", std::string_view("dc-2"));
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->size(), 2u);
  auto foreign = this->store_->ListRegistrations("pt-b", std::string_view("dc-1"));
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, ErrorCode::kNotFound);
  auto others = this->store_->ListRegistrations("pt-b", std::nullopt);
  ASSERT_TRUE(others);
  EXPECT_TRUE(others->empty());
}

TYPED_TEST_P(StoreConformance, RegistrationRequestWithAnyUnknownIdChangesNothingAndNamesThemAll) {
  this->CreatePartnerOrFail("pt-a");
  this->CreatePartnerOrFail("pt-b");
  this->CreateRecipientOrFail("dc-1", "pt-a", this->Hash('1'));
  this->CreateRecipientOrFail("dc-9", "pt-b", this->Hash('9'));
  ASSERT_TRUE(this->store_->UpsertProviders({this->MakeProvider(1000)}));
  const AuditEvent audit = this->Event("pt-a", "registration.requested", "");
  auto refused = this->store_->RequestRegistrations("pt-a", {"dc-1", "dc-9", "dc-none"},
                                                    {1000, 4242}, 7000, audit);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(refused.error().public_message,
            "Nothing was requested: no Data Recipient dc-9, dc-none; no Data Provider 4242");
  auto listed = this->store_->ListRegistrations("pt-a", std::nullopt);
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty());
}

TYPED_TEST_P(StoreConformance, TransitionIsACompareAndSetOnTheStatus) {
  this->CreatePartnerOrFail("pt-a");
  this->CreateRecipientOrFail("dc-1", "pt-a", this->Hash('1'));
  ASSERT_TRUE(this->store_->UpsertProviders({this->MakeProvider(1000)}));
  ASSERT_TRUE(this->store_->RequestRegistrations(
      "pt-a", {"dc-1"}, {1000}, 7000, this->Event("pt-a", "registration.requested", "")));
  const auto event = this->Event("pt-a", "registration.activated", "dc-1");
  auto wrong =
      this->store_->TransitionRegistration("dc-1", 1000, RegistrationStatus::kPendingActivation,
                                           RegistrationStatus::kActive, 7100, event);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kConflict);
  EXPECT_EQ(wrong.error().public_message,
            "The registration is PENDING_APPROVAL, no longer PENDING_ACTIVATION");
  auto missing = this->store_->TransitionRegistration(
      "dc-1", 2000, RegistrationStatus::kPendingApproval, RegistrationStatus::kActive, 7100, event);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  auto moved = this->store_->TransitionRegistration(
      "dc-1", 1000, RegistrationStatus::kPendingApproval, RegistrationStatus::kActive, 7200, event);
  ASSERT_TRUE(moved) << moved.error().internal;
  EXPECT_EQ(moved->status, RegistrationStatus::kActive);
  EXPECT_EQ(moved->updated_at, 7200);
  EXPECT_EQ(moved->requested_at, 7000);
  auto got = this->store_->GetRegistration("dc-1", 1000);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, RegistrationStatus::kActive);
}

TYPED_TEST_P(StoreConformance, ProvidersForARecipientCarryItsRegistrationStatus) {
  this->CreatePartnerOrFail("pt-a");
  this->CreateRecipientOrFail("dc-1", "pt-a", this->Hash('1'));
  this->CreateRecipientOrFail("dc-2", "pt-a", this->Hash('2'));
  ASSERT_TRUE(this->store_->UpsertProviders(
      {this->MakeProvider(1000), this->MakeProvider(2000), this->MakeProvider(3000)}));
  const AuditEvent audit = this->Event("pt-a", "registration.requested", "");
  ASSERT_TRUE(this->store_->RequestRegistrations("pt-a", {"dc-1"}, {2000, 3000}, 7000, audit));
  ASSERT_TRUE(this->store_->RequestRegistrations("pt-a", {"dc-2"}, {1000}, 7000, audit));
  ASSERT_TRUE(this->store_->TransitionRegistration(
      "dc-1", 3000, RegistrationStatus::kPendingApproval, RegistrationStatus::kActive, 7100,
      this->Event("pt-a", "registration.activated", "dc-1")));
  auto providers = this->store_->ListProvidersForRecipient("dc-1");
  ASSERT_TRUE(providers) << providers.error().internal;
  ASSERT_EQ(providers->size(), 3u);
  EXPECT_EQ((*providers)[0].provider.provider_id, 1000);
  EXPECT_EQ((*providers)[0].status, std::nullopt) << "dc-2's registration is not dc-1's";
  EXPECT_EQ((*providers)[1].status, RegistrationStatus::kPendingApproval);
  EXPECT_EQ((*providers)[2].status, RegistrationStatus::kActive);
  EXPECT_EQ((*providers)[2].provider.name, "Bank");
}

REGISTER_TYPED_TEST_SUITE_P(
    StoreConformance, CreatesAndFindsPartner, FindClientUnknownIsNotFound,
    DuplicatePartnerIdIsConflict, CreatesRecipientAndReadsEveryField,
    AbsentOptionalFieldsStayAbsent, EmptyStringOptionalIsNotNull, DuplicateRecipientIdIsConflict,
    RecipientIdTakenByPartnerIsConflict, ListsOwnRecipientsOldestFirst,
    GetRecipientOfAnotherPartnerIsNotFound, UpdateReplacesEveryField,
    UpdateWithWrongPartnerIsNotFoundAndChangesNothing, UpdateUnknownRecipientIsNotFound,
    RotateSecretWithoutGraceDeletesTheOldHash, RotateSecretWithWrongPartnerIsNotFoundAndKeepsSecret,
    RotateSecretCannotTargetAPartner, RotateSecretWithGraceKeepsTheOldHashUntilItExpires,
    SecondRotationDuringGraceIsConflictAndChangesNothing,
    RotationAfterGraceExpiredLeavesAtMostTwoSecrets, RevokeTokensBumpsTheTokenEpoch,
    RevokePreviousSecretReturnsTrueOnceThenFalse,
    RevokePreviousSecretAfterExpiryIsFalseWithoutEvent,
    RevokePreviousSecretOfUnknownOrForeignRecipientIsNotFound,
    RetiredRecipientIsGoneButItsIdStaysTaken, RetireOfForeignUnknownOrPartnerIdIsNotFound,
    FreshRecipientHasEmptySecretStatus, RecordSecretUseSetsLastUsedAndCountsPreviousSecretOnly,
    RecordSecretUseIgnoresDeletedSecrets, SecretStatusForgetsThePreviousSecretWhenItsGraceEnds,
    AuditEventKeepsEveryField, FailedChangeRecordsNoAuditEvent,
    ListAuditEventsNewestFirstWithFilterCursorAndLimit,
    ReplayIsStoredWithTheChangeAndFoundByPartnerAndKey, FindReplayHonoursNotBefore,
    TakenReplayKeyIsKeyInUseAndRollsTheWholeChangeBack, SameKeyForAnotherPartnerIsIndependent,
    ReplayOlderThanADayIsReplaced, PurgeReplaysDeletesThoseCreatedBeforeTheCutoff,
    SettingAbsentIsNullopt, GetOrCreateSettingFirstWriterWins,
    GetOrCreateSettingFirstWriterWinsAcrossInstances, ReplaceSettingSwapsOnlyTheExpectedValue,
    RevokedTokensAreListedWithTheirClientUntilPurged, ForeignChangeVersionMovesForOtherWritersOnly,
    DataSurvivesReopening, UpsertProvidersAddsUpdatesAndCountsUnchangedOnes,
    RegistrationsAreRequestedOncePerPairAndListedPerPartner,
    RegistrationRequestWithAnyUnknownIdChangesNothingAndNamesThemAll,
    TransitionIsACompareAndSetOnTheStatus, ProvidersForARecipientCarryItsRegistrationStatus);

}  // namespace obauth::store
