#include "admin/recipient_service.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "admin/partner_service.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace obauth::admin {
namespace {

using Strings = std::vector<std::string>;
constexpr std::int64_t kNow = 1'700'000'000;

RecipientInput ValidCreate(std::string name = "Acme") {
  RecipientInput in;
  in.name = {true, std::move(name)};
  in.scope = {true, Strings{"TRANSACTIONS", "ACCOUNT_BASIC"}};
  in.redirect_uris = {true, Strings{"https://acme.example/cb"}};
  in.country = {true, std::string("CA")};
  in.contact_emails = {true, Strings{"ops@acme.example"}};
  return in;
}

class RecipientServiceTest : public test_support::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    auto opened = store::sqlite::SqliteStore::Open(DbPath(), 2);
    ASSERT_TRUE(opened) << opened.error().internal;
    store_ = std::move(*opened);
    service_ = std::make_unique<RecipientService>(*store_, *store_, hasher_, clock_);
    auto a = CreatePartner(*store_, hasher_, clock_, "Partner A", kOperator);
    auto b = CreatePartner(*store_, hasher_, clock_, "Partner B", kOperator);
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    partner_a_ = {a->client_id, a->client_id, "req-a", "198.51.100.7:40000"};
    partner_b_ = {b->client_id, b->client_id, "req-b", "198.51.100.8:40000"};
    partner_a_secret_ = std::string(a->client_secret.Expose());
  }

  void TearDown() override {
    service_.reset();
    store_.reset();
    TempDirTest::TearDown();
  }

  CreatedRecipient CreateOrFail(const Caller& caller, std::string name = "Acme") {
    auto created = service_->Create(caller, ValidCreate(std::move(name)));
    EXPECT_TRUE(created) << (created ? "" : created.error().public_message);
    return created ? std::move(*created) : CreatedRecipient{};
  }

  // The caller's whole list, one page of the largest size.
  Result<std::vector<store::Recipient>> AllRecipients(const Caller& caller) {
    auto page = service_->List(caller, {std::nullopt, kMaxPageSize});
    if (!page) return page.error();
    EXPECT_FALSE(page->next.has_value());
    return std::move(page->items);
  }

  std::vector<std::string> StoredHashes(const std::string& client_id) {
    auto client = store_->FindClient(client_id);
    EXPECT_TRUE(client);
    std::vector<std::string> out;
    if (client) {
      for (const auto& secret : client->secrets) out.push_back(secret.hash);
    }
    return out;
  }

  // Whether `secret` matches one of the stored hashes of `client_id`.
  bool Matches(const std::string& client_id, const Secret& secret) {
    const auto hashes = StoredHashes(client_id);
    const std::vector<std::string_view> views(hashes.begin(), hashes.end());
    return hasher_.Match(client_id, secret, views) >= 0;
  }

  std::vector<store::AuditEvent> Events(const Caller& caller) {
    auto events = service_->Audit(caller, std::nullopt, std::nullopt, 200);
    EXPECT_TRUE(events) << (events ? "" : events.error().internal);
    return events ? std::move(*events) : std::vector<store::AuditEvent>{};
  }

  std::vector<std::string> Actions(const Caller& caller) {
    std::vector<std::string> out;
    for (const auto& e : Events(caller)) out.push_back(e.action);
    return out;
  }

  static RotateOptions Grace(std::int64_t seconds, bool revoke_tokens = false) {
    return RotateOptions{seconds, revoke_tokens};
  }

  // A sealer that records each call and returns a replay for `key`.
  template <class T>
  Sealer<T> CountingSealer(std::string key, int& calls, std::vector<T>& seen) {
    return [this, key, &calls, &seen](const T& value) -> Result<store::Replay> {
      ++calls;
      seen.push_back(value);
      return store::Replay{partner_a_.partner_id, key, "fingerprint", "sealed-" + key,
                           clock_.NowSeconds()};
    };
  }

  const Caller kOperator{"", "operator", "", "cli"};

  ManualClock clock_{kNow};
  crypto::SecretHasher hasher_{Secret(std::string(32, 'k'))};
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<RecipientService> service_;
  Caller partner_a_;
  Caller partner_b_;
  std::string partner_a_secret_;
};

TEST_F(RecipientServiceTest, CreateReturnsDcIdAndSecretThatAuthenticates) {
  auto created = service_->Create(partner_a_, ValidCreate());
  ASSERT_TRUE(created) << created.error().public_message;
  const auto& r = created->recipient;
  EXPECT_TRUE(IsRecipientId(r.client_id)) << r.client_id;
  EXPECT_EQ(r.client_id.substr(0, 3), "dc-");
  EXPECT_EQ(r.partner_id, partner_a_.partner_id);
  EXPECT_EQ(r.name, "Acme");
  EXPECT_EQ(r.scope, "ACCOUNT_BASIC TRANSACTIONS");
  EXPECT_EQ(r.created_at, kNow);
  EXPECT_EQ(r.updated_at, kNow);
  EXPECT_EQ(created->client_secret.Expose().size(), 43u);

  // Only the keyed hash is stored, and the returned secret matches it.
  const auto hashes = StoredHashes(r.client_id);
  ASSERT_EQ(hashes.size(), 1u);
  EXPECT_NE(hashes[0], created->client_secret.Expose());
  EXPECT_TRUE(Matches(r.client_id, created->client_secret));

  auto stored = service_->Get(partner_a_, r.client_id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->name, "Acme");
  EXPECT_EQ(stored->country, std::optional<std::string>("CA"));
  EXPECT_EQ(stored->contact_emails, Strings{"ops@acme.example"});
}

TEST_F(RecipientServiceTest, CreateGivesEachRecipientItsOwnIdAndSecret) {
  const auto a = CreateOrFail(partner_a_, "One");
  const auto b = CreateOrFail(partner_a_, "Two");
  EXPECT_NE(a.recipient.client_id, b.recipient.client_id);
  EXPECT_NE(a.client_secret.Expose(), b.client_secret.Expose());
}

TEST_F(RecipientServiceTest, CreateWithInvalidInputIsValidationAndStoresNothing) {
  RecipientInput in = ValidCreate();
  in.redirect_uris = {true, Strings{"http://insecure.example/cb"}};
  auto created = service_->Create(partner_a_, in);
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, ErrorCode::kValidation);
  auto list = AllRecipients(partner_a_);
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
}

TEST_F(RecipientServiceTest, ListReturnsOnlyTheCallersRecipientsOldestFirst) {
  const auto first = CreateOrFail(partner_a_, "First");
  clock_.Advance(10);
  const auto other = CreateOrFail(partner_b_, "Other");
  clock_.Advance(10);
  const auto second = CreateOrFail(partner_a_, "Second");

  auto list = AllRecipients(partner_a_);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].client_id, first.recipient.client_id);
  EXPECT_EQ((*list)[1].client_id, second.recipient.client_id);

  auto list_b = AllRecipients(partner_b_);
  ASSERT_TRUE(list_b);
  ASSERT_EQ(list_b->size(), 1u);
  EXPECT_EQ((*list_b)[0].client_id, other.recipient.client_id);
}

TEST_F(RecipientServiceTest, GetOfAnotherPartnersRecipientIsNotFound) {
  const auto created = CreateOrFail(partner_a_);
  auto got = service_->Get(partner_b_, created.recipient.client_id);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
}

TEST_F(RecipientServiceTest, GetOfUnknownOrMalformedIdIsNotFound) {
  for (const char* id : {"dc-0123456789abcdefghijklmno", "", "dc-", "DROP TABLE clients",
                         "../secret", partner_a_.partner_id.c_str()}) {
    SCOPED_TRACE(id);
    auto got = service_->Get(partner_a_, id);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
  }
}

TEST_F(RecipientServiceTest, UpdateAppliesPresentFieldsAndStampsTime) {
  const auto created = CreateOrFail(partner_a_);
  clock_.Advance(60);
  RecipientInput in;
  in.name = {true, std::string("Renamed")};
  in.country = {true, std::nullopt};
  auto updated = service_->Update(partner_a_, created.recipient.client_id, in);
  ASSERT_TRUE(updated) << updated.error().public_message;
  EXPECT_EQ(updated->name, "Renamed");
  EXPECT_FALSE(updated->country.has_value());
  EXPECT_EQ(updated->updated_at, kNow + 60);
  EXPECT_EQ(updated->created_at, kNow);

  auto stored = service_->Get(partner_a_, created.recipient.client_id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->name, "Renamed");
  EXPECT_FALSE(stored->country.has_value());
  EXPECT_EQ(stored->scope, "ACCOUNT_BASIC TRANSACTIONS");
  EXPECT_EQ(stored->contact_emails, Strings{"ops@acme.example"});
  EXPECT_EQ(stored->updated_at, kNow + 60);
}

TEST_F(RecipientServiceTest, UpdateValidationFailureChangesNothing) {
  const auto created = CreateOrFail(partner_a_);
  clock_.Advance(60);
  RecipientInput in;
  in.name = {true, std::string("Renamed")};    // valid
  in.scope = {true, Strings{"TRANSACTIONS"}};  // invalid: no ACCOUNT_BASIC
  auto updated = service_->Update(partner_a_, created.recipient.client_id, in);
  ASSERT_FALSE(updated);
  EXPECT_EQ(updated.error().code, ErrorCode::kValidation);

  auto stored = service_->Get(partner_a_, created.recipient.client_id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->name, "Acme");
  EXPECT_EQ(stored->scope, "ACCOUNT_BASIC TRANSACTIONS");
  EXPECT_EQ(stored->updated_at, kNow);
}

TEST_F(RecipientServiceTest, UpdateOfAnotherPartnersRecipientIsNotFound) {
  const auto created = CreateOrFail(partner_a_);
  RecipientInput in;
  in.name = {true, std::string("Hijacked")};
  auto updated = service_->Update(partner_b_, created.recipient.client_id, in);
  ASSERT_FALSE(updated);
  EXPECT_EQ(updated.error().code, ErrorCode::kNotFound);
  auto stored = service_->Get(partner_a_, created.recipient.client_id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->name, "Acme");
}

TEST_F(RecipientServiceTest, RotateSecretReplacesTheStoredHash) {
  const auto created = CreateOrFail(partner_a_);
  const std::string& id = created.recipient.client_id;
  clock_.Advance(5);
  auto rotated = service_->RotateSecret(partner_a_, id, {});
  ASSERT_TRUE(rotated) << rotated.error().internal;
  EXPECT_EQ(rotated->client_id, id);
  EXPECT_FALSE(rotated->previous_secret_expires_at.has_value());
  EXPECT_EQ(rotated->client_secret.Expose().size(), 43u);
  EXPECT_NE(rotated->client_secret.Expose(), created.client_secret.Expose());

  const auto hashes = StoredHashes(id);
  EXPECT_EQ(hashes.size(), 1u);
  EXPECT_FALSE(Matches(id, created.client_secret));
  EXPECT_TRUE(Matches(id, rotated->client_secret));

  auto stored = service_->Get(partner_a_, id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->updated_at, kNow + 5);
}

TEST_F(RecipientServiceTest, RotateSecretOfAnotherPartnersRecipientIsNotFoundAndKeepsSecret) {
  const auto created = CreateOrFail(partner_a_);
  const std::string& id = created.recipient.client_id;
  auto rotated = service_->RotateSecret(partner_b_, id, Grace(600, true));
  ASSERT_FALSE(rotated);
  EXPECT_EQ(rotated.error().code, ErrorCode::kNotFound);
  const auto hashes = StoredHashes(id);
  EXPECT_EQ(hashes.size(), 1u);
  EXPECT_TRUE(Matches(id, created.client_secret));
}

TEST_F(RecipientServiceTest, RotateSecretOfUnknownOrMalformedIdIsNotFound) {
  for (const char* id : {"dc-0123456789abcdefghijklmno", "", "nonsense"}) {
    SCOPED_TRACE(id);
    auto rotated = service_->RotateSecret(partner_a_, id, {});
    ASSERT_FALSE(rotated);
    EXPECT_EQ(rotated.error().code, ErrorCode::kNotFound);
  }
  // A partner id is not a recipient id, even the caller's own.
  auto own = service_->RotateSecret(partner_a_, partner_a_.partner_id, {});
  ASSERT_FALSE(own);
  EXPECT_EQ(own.error().code, ErrorCode::kNotFound);
}

// ---- Rotation with a grace period ---------------------------------------------------------------

TEST_F(RecipientServiceTest, RotateWithGraceReturnsPreviousExpiryAndKeepsBothSecrets) {
  for (const std::int64_t grace : {std::int64_t{1}, std::int64_t{3600}, kMaxGraceSeconds}) {
    SCOPED_TRACE(grace);
    const auto created = CreateOrFail(partner_a_);
    const std::string& id = created.recipient.client_id;
    auto rotated = service_->RotateSecret(partner_a_, id, Grace(grace));
    ASSERT_TRUE(rotated) << rotated.error().internal;
    EXPECT_EQ(rotated->previous_secret_expires_at, std::optional<std::int64_t>(kNow + grace));
    EXPECT_EQ(StoredHashes(id).size(), 2u);
    EXPECT_TRUE(Matches(id, created.client_secret));
    EXPECT_TRUE(Matches(id, rotated->client_secret));
    auto details = service_->Get(partner_a_, id);
    ASSERT_TRUE(details);
    EXPECT_EQ(details->secrets.previous_expires_at, std::optional<std::int64_t>(kNow + grace));
  }
}

TEST_F(RecipientServiceTest, RotateWithZeroGraceKillsTheOldSecretAtOnce) {
  const auto created = CreateOrFail(partner_a_);
  const std::string& id = created.recipient.client_id;
  auto rotated = service_->RotateSecret(partner_a_, id, Grace(0));
  ASSERT_TRUE(rotated) << rotated.error().internal;
  EXPECT_FALSE(rotated->previous_secret_expires_at.has_value());
  EXPECT_EQ(StoredHashes(id).size(), 1u);
  EXPECT_FALSE(Matches(id, created.client_secret));
}

TEST_F(RecipientServiceTest, RotateWithGraceOutOfRangeIsValidationAndChangesNothing) {
  const auto created = CreateOrFail(partner_a_);
  const std::string& id = created.recipient.client_id;
  const auto events_before = Events(partner_a_).size();
  for (const std::int64_t grace :
       {std::int64_t{-1}, kMaxGraceSeconds + 1, std::numeric_limits<std::int64_t>::max(),
        std::numeric_limits<std::int64_t>::min()}) {
    SCOPED_TRACE(grace);
    int calls = 0;
    std::vector<IssuedSecret> seen;
    auto rotated = service_->RotateSecret(partner_a_, id, Grace(grace, true),
                                          CountingSealer<IssuedSecret>("k", calls, seen));
    ASSERT_FALSE(rotated);
    EXPECT_EQ(rotated.error().code, ErrorCode::kValidation);
    EXPECT_NE(rotated.error().public_message.find("previous_secret_expires_in"), std::string::npos);
    EXPECT_EQ(calls, 0);
  }
  EXPECT_EQ(StoredHashes(id).size(), 1u);
  EXPECT_TRUE(Matches(id, created.client_secret));
  EXPECT_EQ(Events(partner_a_).size(), events_before);
  auto client = store_->FindClient(id);
  ASSERT_TRUE(client);
  EXPECT_EQ(client->token_epoch, 0);
}

TEST_F(RecipientServiceTest, RotateWhilePreviousSecretIsInGraceIsConflict) {
  const auto created = CreateOrFail(partner_a_);
  const std::string& id = created.recipient.client_id;
  auto first = service_->RotateSecret(partner_a_, id, Grace(600));
  ASSERT_TRUE(first);
  clock_.Advance(599);
  auto second = service_->RotateSecret(partner_a_, id, Grace(0));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kConflict);
  EXPECT_NE(second.error().public_message.find("/secret/previous"), std::string::npos)
      << second.error().public_message;
  EXPECT_TRUE(Matches(id, created.client_secret));
  EXPECT_TRUE(Matches(id, first->client_secret));

  // Once the grace period is over, rotating works again and leaves two secrets at most.
  clock_.Advance(1);
  auto third = service_->RotateSecret(partner_a_, id, Grace(600));
  ASSERT_TRUE(third) << third.error().internal;
  EXPECT_EQ(StoredHashes(id).size(), 2u);
  EXPECT_FALSE(Matches(id, created.client_secret));
  EXPECT_TRUE(Matches(id, first->client_secret));
  EXPECT_TRUE(Matches(id, third->client_secret));
}

TEST_F(RecipientServiceTest, RotateWithRevokeTokensBumpsTheTokenEpoch) {
  const auto created = CreateOrFail(partner_a_);
  const std::string& id = created.recipient.client_id;
  ASSERT_TRUE(service_->RotateSecret(partner_a_, id, Grace(0, true)));
  auto client = store_->FindClient(id);
  ASSERT_TRUE(client);
  EXPECT_EQ(client->token_epoch, 1);
}

TEST_F(RecipientServiceTest, RevokePreviousSecretEndsTheGracePeriod) {
  const auto created = CreateOrFail(partner_a_);
  const std::string& id = created.recipient.client_id;
  auto rotated = service_->RotateSecret(partner_a_, id, Grace(600));
  ASSERT_TRUE(rotated);
  auto revoked = service_->RevokePreviousSecret(partner_a_, id);
  ASSERT_TRUE(revoked) << revoked.error().internal;
  EXPECT_FALSE(Matches(id, created.client_secret));
  EXPECT_TRUE(Matches(id, rotated->client_secret));
  auto details = service_->Get(partner_a_, id);
  ASSERT_TRUE(details);
  EXPECT_FALSE(details->secrets.previous_expires_at.has_value());
  // Rotation is allowed again at once.
  EXPECT_TRUE(service_->RotateSecret(partner_a_, id, Grace(600)));
}

TEST_F(RecipientServiceTest, RevokePreviousSecretWithoutOneIsANoOpWithoutEvent) {
  const auto created = CreateOrFail(partner_a_);
  const auto events_before = Events(partner_a_).size();
  EXPECT_TRUE(service_->RevokePreviousSecret(partner_a_, created.recipient.client_id));
  EXPECT_TRUE(Matches(created.recipient.client_id, created.client_secret));
  EXPECT_EQ(Events(partner_a_).size(), events_before);
}

TEST_F(RecipientServiceTest, RevokePreviousSecretOfForeignOrUnknownRecipientIsNotFound) {
  const auto created = CreateOrFail(partner_a_);
  ASSERT_TRUE(service_->RotateSecret(partner_a_, created.recipient.client_id, Grace(600)));
  for (const auto& [caller, id] :
       {std::pair<Caller, std::string>{partner_b_, created.recipient.client_id},
        {partner_a_, "dc-0123456789abcdefghijklmno"},
        {partner_a_, "not-an-id"},
        {partner_a_, partner_a_.partner_id}}) {
    SCOPED_TRACE(id);
    auto revoked = service_->RevokePreviousSecret(caller, id);
    ASSERT_FALSE(revoked);
    EXPECT_EQ(revoked.error().code, ErrorCode::kNotFound);
  }
  EXPECT_TRUE(Matches(created.recipient.client_id, created.client_secret));
}

// ---- Retirement ---------------------------------------------------------------------------------

TEST_F(RecipientServiceTest, RetireHidesTheRecipientForGood) {
  const auto kept = CreateOrFail(partner_a_, "Kept");
  const auto gone = CreateOrFail(partner_a_, "Gone");
  const std::string& id = gone.recipient.client_id;
  auto retired = service_->Retire(partner_a_, id);
  ASSERT_TRUE(retired) << retired.error().internal;

  auto got = service_->Get(partner_a_, id);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
  auto list = AllRecipients(partner_a_);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].client_id, kept.recipient.client_id);
  EXPECT_TRUE(StoredHashes(id).empty());

  auto again = service_->Retire(partner_a_, id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
  RecipientInput rename;
  rename.name = {true, std::string("Back")};
  auto updated = service_->Update(partner_a_, id, rename);
  ASSERT_FALSE(updated);
  EXPECT_EQ(updated.error().code, ErrorCode::kNotFound);
  auto rotated = service_->RotateSecret(partner_a_, id, {});
  ASSERT_FALSE(rotated);
  EXPECT_EQ(rotated.error().code, ErrorCode::kNotFound);
}

TEST_F(RecipientServiceTest, RetireOfForeignUnknownOrMalformedIdIsNotFound) {
  const auto created = CreateOrFail(partner_a_);
  for (const auto& [caller, id] :
       {std::pair<Caller, std::string>{partner_b_, created.recipient.client_id},
        {partner_a_, "dc-0123456789abcdefghijklmno"},
        {partner_a_, ""},
        {partner_a_, partner_a_.partner_id}}) {
    SCOPED_TRACE(id);
    auto retired = service_->Retire(caller, id);
    ASSERT_FALSE(retired);
    EXPECT_EQ(retired.error().code, ErrorCode::kNotFound);
  }
  EXPECT_TRUE(service_->Get(partner_a_, created.recipient.client_id));
}

// ---- Audit trail --------------------------------------------------------------------------------

TEST_F(RecipientServiceTest, AuditLimitMustBeFrom1To200) {
  for (const int limit : {0, -1, 201, std::numeric_limits<int>::max()}) {
    SCOPED_TRACE(limit);
    auto events = service_->Audit(partner_a_, std::nullopt, std::nullopt, limit);
    ASSERT_FALSE(events);
    EXPECT_EQ(events.error().code, ErrorCode::kValidation);
    EXPECT_NE(events.error().public_message.find("limit"), std::string::npos);
  }
  EXPECT_TRUE(service_->Audit(partner_a_, std::nullopt, std::nullopt, 1));
  EXPECT_TRUE(service_->Audit(partner_a_, std::nullopt, std::nullopt, 200));
}

TEST_F(RecipientServiceTest, AuditPagesNewestFirstAndFiltersByClient) {
  const auto one = CreateOrFail(partner_a_, "One");
  clock_.Advance(1);
  const auto two = CreateOrFail(partner_a_, "Two");
  clock_.Advance(1);
  ASSERT_TRUE(service_->RotateSecret(partner_a_, one.recipient.client_id, {}));
  CreateOrFail(partner_b_, "Other");

  auto page1 = service_->Audit(partner_a_, std::nullopt, std::nullopt, 2);
  ASSERT_TRUE(page1);
  ASSERT_EQ(page1->size(), 2u);
  EXPECT_EQ((*page1)[0].action, "recipient.secret_rotated");
  EXPECT_EQ((*page1)[1].client_id, two.recipient.client_id);
  auto page2 = service_->Audit(partner_a_, std::nullopt, page1->back().id, 2);
  ASSERT_TRUE(page2);
  ASSERT_EQ(page2->size(), 2u);
  EXPECT_EQ((*page2)[0].client_id, one.recipient.client_id);
  EXPECT_EQ((*page2)[1].action, "partner.created");

  auto filtered = service_->Audit(partner_a_, one.recipient.client_id, std::nullopt, 50);
  ASSERT_TRUE(filtered);
  ASSERT_EQ(filtered->size(), 2u);
  for (const auto& e : *filtered) EXPECT_EQ(e.client_id, one.recipient.client_id);
  // Partner B sees only its own events.
  EXPECT_EQ(Actions(partner_b_), (Strings{"recipient.created", "partner.created"}));
}

TEST_F(RecipientServiceTest, CreatePartnerIsAuditedAsTheOperator) {
  const auto events = Events(partner_a_);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action, "partner.created");
  EXPECT_EQ(events[0].actor, "operator");
  EXPECT_EQ(events[0].source, "cli");
  EXPECT_EQ(events[0].partner_id, partner_a_.partner_id);
  EXPECT_EQ(events[0].client_id, partner_a_.partner_id);
  EXPECT_EQ(events[0].at, kNow);
  EXPECT_EQ(events[0].options_json, "{}");
}

TEST_F(RecipientServiceTest, EveryChangeIsAuditedWithActorRequestSourceAndOptions) {
  const auto created = CreateOrFail(partner_a_);
  const std::string& id = created.recipient.client_id;
  clock_.Advance(10);
  RecipientInput in;
  in.name = {true, std::string("Renamed")};
  in.country = {true, std::nullopt};
  ASSERT_TRUE(service_->Update(partner_a_, id, in));
  clock_.Advance(10);
  auto rotated = service_->RotateSecret(partner_a_, id, Grace(600, true));
  ASSERT_TRUE(rotated);
  clock_.Advance(10);
  ASSERT_TRUE(service_->RevokePreviousSecret(partner_a_, id));
  clock_.Advance(10);
  auto again = service_->RotateSecret(partner_a_, id, {});
  ASSERT_TRUE(again);
  clock_.Advance(10);
  ASSERT_TRUE(service_->Retire(partner_a_, id));

  const auto events = Events(partner_a_);
  ASSERT_EQ(events.size(), 7u);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"recipient.deleted", "{}"},
      {"recipient.secret_rotated",
       R"({"previous_secret_expires_in":0,"revoke_tokens":false,"idempotency_key":false})"},
      {"recipient.previous_secret_revoked", "{}"},
      {"recipient.secret_rotated",
       R"({"previous_secret_expires_in":600,"revoke_tokens":true,"idempotency_key":false})"},
      {"recipient.updated", R"({"fields":["name","country"]})"},
      {"recipient.created", R"({"idempotency_key":false})"},
  };
  for (std::size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(expected[i].first);
    const auto& e = events[i];
    EXPECT_EQ(e.action, expected[i].first);
    EXPECT_EQ(e.options_json, expected[i].second);
    EXPECT_EQ(e.partner_id, partner_a_.partner_id);
    EXPECT_EQ(e.actor, partner_a_.partner_id);
    EXPECT_EQ(e.client_id, id);
    EXPECT_EQ(e.request_id, "req-a");
    EXPECT_EQ(e.source, "198.51.100.7:40000");
    EXPECT_EQ(e.at, kNow + 50 - static_cast<std::int64_t>(i) * 10);
  }

  // No secret, nor its hash, in any field of any event.
  const std::vector<std::string> secrets = {
      std::string(created.client_secret.Expose()), std::string(rotated->client_secret.Expose()),
      std::string(again->client_secret.Expose()), partner_a_secret_};
  std::vector<std::string> forbidden = secrets;
  for (const auto& secret : secrets) {
    forbidden.push_back(hasher_.Hash(id, Secret(secret)));
    forbidden.push_back(hasher_.Hash(partner_a_.partner_id, Secret(secret)));
  }
  for (const auto& e : events) {
    for (const std::string& field :
         {e.partner_id, e.actor, e.action, e.client_id, e.request_id, e.source, e.options_json}) {
      for (const auto& value : forbidden) {
        EXPECT_EQ(field.find(value), std::string::npos) << e.action << " leaks a secret";
      }
    }
  }
}

TEST_F(RecipientServiceTest, FailedChangesAreNotAudited) {
  const auto created = CreateOrFail(partner_a_);
  const std::string& id = created.recipient.client_id;
  const auto a_before = Events(partner_a_).size();
  const auto b_before = Events(partner_b_).size();
  RecipientInput bad;
  bad.scope = {true, Strings{"TRANSACTIONS"}};
  EXPECT_FALSE(service_->Update(partner_a_, id, bad));
  RecipientInput rename;
  rename.name = {true, std::string("Hijacked")};
  EXPECT_FALSE(service_->Update(partner_b_, id, rename));
  EXPECT_FALSE(service_->RotateSecret(partner_b_, id, {}));
  EXPECT_FALSE(service_->Retire(partner_b_, id));
  EXPECT_FALSE(service_->Create(partner_a_, bad));
  EXPECT_EQ(Events(partner_a_).size(), a_before);
  EXPECT_EQ(Events(partner_b_).size(), b_before);
}

// ---- Idempotency sealers ------------------------------------------------------------------------

TEST_F(RecipientServiceTest, CreateCallsTheSealerOnceAndStoresItsReplay) {
  int calls = 0;
  std::vector<CreatedRecipient> seen;
  auto created = service_->Create(partner_a_, ValidCreate(),
                                  CountingSealer<CreatedRecipient>("create-key", calls, seen));
  ASSERT_TRUE(created) << created.error().internal;
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].recipient.client_id, created->recipient.client_id);
  EXPECT_EQ(seen[0].client_secret.Expose(), created->client_secret.Expose());
  EXPECT_EQ(seen[0].recipient.name, "Acme");

  auto replay = store_->FindReplay(partner_a_.partner_id, "create-key", 0);
  ASSERT_TRUE(replay);
  ASSERT_TRUE(replay->has_value());
  EXPECT_EQ((*replay)->sealed, "sealed-create-key");
  EXPECT_EQ((*replay)->created_at, kNow);
  const auto events = Events(partner_a_);
  EXPECT_EQ(events[0].options_json, R"({"idempotency_key":true})");
}

TEST_F(RecipientServiceTest, RotateCallsTheSealerOnceWithTheResultAndStoresItsReplay) {
  const auto created = CreateOrFail(partner_a_);
  const std::string& id = created.recipient.client_id;
  int calls = 0;
  std::vector<IssuedSecret> seen;
  auto rotated = service_->RotateSecret(partner_a_, id, Grace(600),
                                        CountingSealer<IssuedSecret>("rotate-key", calls, seen));
  ASSERT_TRUE(rotated) << rotated.error().internal;
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].client_id, id);
  EXPECT_EQ(seen[0].client_secret.Expose(), rotated->client_secret.Expose());
  EXPECT_EQ(seen[0].previous_secret_expires_at, std::optional<std::int64_t>(kNow + 600));
  auto replay = store_->FindReplay(partner_a_.partner_id, "rotate-key", 0);
  ASSERT_TRUE(replay);
  ASSERT_TRUE(replay->has_value());
  EXPECT_EQ((*replay)->sealed, "sealed-rotate-key");
  EXPECT_EQ(Events(partner_a_)[0].options_json,
            R"({"previous_secret_expires_in":600,"revoke_tokens":false,"idempotency_key":true})");
}

TEST_F(RecipientServiceTest, FailingSealerAbortsTheChange) {
  const auto created = CreateOrFail(partner_a_);
  const std::string& id = created.recipient.client_id;
  const auto events_before = Events(partner_a_).size();
  const Sealer<IssuedSecret> failing = [](const IssuedSecret&) -> Result<store::Replay> {
    return InternalError("sealing failed");
  };
  auto rotated = service_->RotateSecret(partner_a_, id, Grace(0, true), failing);
  ASSERT_FALSE(rotated);
  EXPECT_EQ(rotated.error().code, ErrorCode::kInternal);
  EXPECT_TRUE(Matches(id, created.client_secret));
  EXPECT_EQ(Events(partner_a_).size(), events_before);
}

TEST_F(RecipientServiceTest, SealerForATakenKeyIsKeyInUseAndChangesNothing) {
  const auto created = CreateOrFail(partner_a_);
  const std::string& id = created.recipient.client_id;
  int calls = 0;
  std::vector<IssuedSecret> seen;
  ASSERT_TRUE(
      service_->RotateSecret(partner_a_, id, {}, CountingSealer<IssuedSecret>("key", calls, seen)));
  const auto hashes = StoredHashes(id);
  const auto events_before = Events(partner_a_).size();
  auto again =
      service_->RotateSecret(partner_a_, id, {}, CountingSealer<IssuedSecret>("key", calls, seen));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kKeyInUse);
  EXPECT_EQ(StoredHashes(id), hashes);
  EXPECT_EQ(Events(partner_a_).size(), events_before);
  std::vector<CreatedRecipient> created_seen;
  auto create = service_->Create(partner_a_, ValidCreate("Second"),
                                 CountingSealer<CreatedRecipient>("key", calls, created_seen));
  ASSERT_FALSE(create);
  EXPECT_EQ(create.error().code, ErrorCode::kKeyInUse);
  auto list = AllRecipients(partner_a_);
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), 1u);
}

TEST_F(RecipientServiceTest, ListPagesFollowOneAnotherWithoutRepeatingOrSkipping) {
  std::vector<std::string> created;
  for (int i = 0; i < 5; ++i) created.push_back(CreateOrFail(partner_a_).recipient.client_id);
  std::vector<std::string> seen;
  std::optional<store::ListPosition> after;
  int pages = 0;
  do {
    auto page = service_->List(partner_a_, {after, 2});
    ASSERT_TRUE(page);
    ASSERT_LE(page->items.size(), 2u);
    for (const auto& r : page->items) seen.push_back(r.client_id);
    after = page->next;
    ++pages;
    if (pages == 1) {
      // Changes between pages: one seen item retired, one unseen retired, one new one.
      ASSERT_TRUE(service_->Retire(partner_a_, created[0]));
      ASSERT_TRUE(service_->Retire(partner_a_, created[3]));
      created.push_back(CreateOrFail(partner_a_).recipient.client_id);
    }
  } while (after);
  EXPECT_EQ(seen,
            (std::vector<std::string>{created[0], created[1], created[2], created[4], created[5]}));
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(service_->List(partner_a_, {std::nullopt, 0}).error().code, ErrorCode::kValidation);
  EXPECT_EQ(service_->List(partner_a_, {std::nullopt, kMaxPageSize + 1}).error().code,
            ErrorCode::kValidation);
}

}  // namespace
}  // namespace obauth::admin
