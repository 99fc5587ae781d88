#include "admin/recipient_service.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

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
    service_ = std::make_unique<RecipientService>(*store_, hasher_, clock_);
    auto a = CreatePartner(*store_, hasher_, clock_, "Partner A");
    auto b = CreatePartner(*store_, hasher_, clock_, "Partner B");
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    partner_a_ = {a->client_id};
    partner_b_ = {b->client_id};
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

  std::vector<std::string> StoredHashes(const std::string& client_id) {
    auto client = store_->FindClient(client_id);
    EXPECT_TRUE(client);
    return client ? client->secret_hashes : std::vector<std::string>{};
  }

  ManualClock clock_{kNow};
  crypto::SecretHasher hasher_{Secret(std::string(32, 'k'))};
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<RecipientService> service_;
  Caller partner_a_;
  Caller partner_b_;
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
  EXPECT_TRUE(hasher_.Matches(r.client_id, created->client_secret, hashes));

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
  auto list = service_->List(partner_a_);
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
}

TEST_F(RecipientServiceTest, ListReturnsOnlyTheCallersRecipientsOldestFirst) {
  const auto first = CreateOrFail(partner_a_, "First");
  clock_.Advance(10);
  const auto other = CreateOrFail(partner_b_, "Other");
  clock_.Advance(10);
  const auto second = CreateOrFail(partner_a_, "Second");

  auto list = service_->List(partner_a_);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].client_id, first.recipient.client_id);
  EXPECT_EQ((*list)[1].client_id, second.recipient.client_id);

  auto list_b = service_->List(partner_b_);
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
  auto rotated = service_->RotateSecret(partner_a_, id);
  ASSERT_TRUE(rotated) << rotated.error().internal;
  EXPECT_EQ(rotated->client_id, id);
  EXPECT_EQ(rotated->client_secret.Expose().size(), 43u);
  EXPECT_NE(rotated->client_secret.Expose(), created.client_secret.Expose());

  const auto hashes = StoredHashes(id);
  EXPECT_EQ(hashes.size(), 1u);
  EXPECT_FALSE(hasher_.Matches(id, created.client_secret, hashes));
  EXPECT_TRUE(hasher_.Matches(id, rotated->client_secret, hashes));

  auto stored = service_->Get(partner_a_, id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->updated_at, kNow + 5);
}

TEST_F(RecipientServiceTest, RotateSecretOfAnotherPartnersRecipientIsNotFoundAndKeepsSecret) {
  const auto created = CreateOrFail(partner_a_);
  const std::string& id = created.recipient.client_id;
  auto rotated = service_->RotateSecret(partner_b_, id);
  ASSERT_FALSE(rotated);
  EXPECT_EQ(rotated.error().code, ErrorCode::kNotFound);
  const auto hashes = StoredHashes(id);
  EXPECT_EQ(hashes.size(), 1u);
  EXPECT_TRUE(hasher_.Matches(id, created.client_secret, hashes));
}

TEST_F(RecipientServiceTest, RotateSecretOfUnknownOrMalformedIdIsNotFound) {
  for (const char* id : {"dc-0123456789abcdefghijklmno", "", "nonsense"}) {
    SCOPED_TRACE(id);
    auto rotated = service_->RotateSecret(partner_a_, id);
    ASSERT_FALSE(rotated);
    EXPECT_EQ(rotated.error().code, ErrorCode::kNotFound);
  }
  // A partner id is not a recipient id, even the caller's own.
  auto own = service_->RotateSecret(partner_a_, partner_a_.partner_id);
  ASSERT_FALSE(own);
  EXPECT_EQ(own.error().code, ErrorCode::kNotFound);
}

TEST_F(RecipientServiceTest, CreatePartnerReturnsPtIdAndSecretThatMatchesStoredHash) {
  clock_.Advance(42);
  auto issued = CreatePartner(*store_, hasher_, clock_, "Partner C");
  ASSERT_TRUE(issued) << issued.error().internal;
  EXPECT_EQ(issued->client_id.substr(0, 3), "pt-");
  EXPECT_EQ(issued->client_id.size(), 28u);
  EXPECT_EQ(issued->client_id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789", 3),
            std::string::npos);
  EXPECT_EQ(issued->client_secret.Expose().size(), 43u);
  auto client = store_->FindClient(issued->client_id);
  ASSERT_TRUE(client);
  EXPECT_EQ(client->kind, store::ClientKind::kPartner);
  EXPECT_TRUE(hasher_.Matches(issued->client_id, issued->client_secret, client->secret_hashes));
  // A partner is not a recipient: it never shows in any list.
  auto list = service_->List(Caller{issued->client_id});
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
}

TEST_F(RecipientServiceTest, CreatePartnerValidatesName) {
  for (const std::string& name :
       {std::string(), std::string("   "), std::string(257, 'n'), std::string("bad\x01name")}) {
    auto issued = CreatePartner(*store_, hasher_, clock_, name);
    ASSERT_FALSE(issued);
    EXPECT_EQ(issued.error().code, ErrorCode::kValidation);
  }
  EXPECT_TRUE(CreatePartner(*store_, hasher_, clock_, std::string(256, 'n')));
}

}  // namespace
}  // namespace obauth::admin
