#include "admin/partner_service.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "admin/recipient_service.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace obauth::admin {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;
const Caller kOperator{"", "operator", "", "cli"};

class PartnerServiceTest : public test_support::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    auto opened = store::sqlite::SqliteStore::Open(DbPath(), 2);
    ASSERT_TRUE(opened) << opened.error().internal;
    store_ = std::move(*opened);
  }
  void TearDown() override {
    store_.reset();
    TempDirTest::TearDown();
  }

  ManualClock clock_{kNow};
  crypto::SecretHasher hasher_{Secret(std::string(32, 'k'))};
  std::unique_ptr<store::sqlite::SqliteStore> store_;
};

TEST_F(PartnerServiceTest, CreatePartnerReturnsPtIdAndSecretThatMatchesStoredHash) {
  clock_.Advance(42);
  auto issued = CreatePartner(*store_, hasher_, clock_, "Partner C", kOperator);
  ASSERT_TRUE(issued) << issued.error().internal;
  EXPECT_EQ(issued->client_id.substr(0, 3), "pt-");
  EXPECT_EQ(issued->client_id.size(), 28u);
  EXPECT_EQ(issued->client_id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789", 3),
            std::string::npos);
  EXPECT_EQ(issued->client_secret.Expose().size(), 43u);
  auto client = store_->FindClient(issued->client_id);
  ASSERT_TRUE(client);
  EXPECT_EQ(client->kind, store::ClientKind::kPartner);
  std::vector<std::string_view> hashes;
  for (const auto& record : client->secrets) hashes.emplace_back(record.hash);
  EXPECT_EQ(hasher_.Match(issued->client_id, issued->client_secret, hashes), 0);
  // A partner is not a recipient: it never shows in any list.
  RecipientService recipients(*store_, *store_, hasher_, clock_);
  auto list = recipients.List(Caller{issued->client_id, issued->client_id, "req-c", "cli"},
                              {std::nullopt, 10});
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->items.empty());
}

TEST_F(PartnerServiceTest, CreatePartnerIsAuditedInTheNewPartnersTrailAsTheOperators) {
  auto issued = CreatePartner(*store_, hasher_, clock_, "Partner C", kOperator);
  ASSERT_TRUE(issued);
  auto events = store_->ListAuditEvents({issued->client_id, std::nullopt, std::nullopt, 10});
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().action, "partner.created");
  EXPECT_EQ(events->front().actor, "operator");
  EXPECT_EQ(events->front().client_id, issued->client_id);
  EXPECT_EQ(events->front().at, kNow);
}

struct NameCase {
  std::string name;
  const char* message;  // empty: valid
};

constexpr char kControls[] =
    "Invalid field 'name': must not contain control characters or bidirectional formatting "
    "characters (C0, C1, U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069)";

TEST(CheckPartnerName, Table) {
  const NameCase cases[] = {
      {"Acme Aggregation", ""},
      {std::string(256, 'n'), ""},
      {"Caf\xc3\xa9 Fintech", ""},
      {std::string(), "Invalid field 'name': must be 1 to 256 characters"},
      {std::string(257, 'n'), "Invalid field 'name': must be 1 to 256 characters"},
      {"   ", "Invalid field 'name': must not be blank"},
      {"bad\x01name", kControls},
      {"two\nlines", kControls},
      {"x\u009b31m", kControls},
      {"abc\u202egnp.exe", kControls},
      {"a\u2066b", kControls},
      {"\u200fRTL mark", kControls},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto checked = CheckPartnerName(c.name);
    if (std::string_view(c.message).empty()) {
      ASSERT_TRUE(checked);
      EXPECT_EQ(*checked, c.name);
    } else {
      ASSERT_FALSE(checked);
      EXPECT_EQ(checked.error().code, ErrorCode::kValidation);
      EXPECT_EQ(checked.error().public_message, c.message);
    }
  }
}

TEST_F(PartnerServiceTest, CreatePartnerRefusesABadName) {
  auto issued = CreatePartner(*store_, hasher_, clock_, "bad\x01name", kOperator);
  ASSERT_FALSE(issued);
  EXPECT_EQ(issued.error().code, ErrorCode::kValidation);
}

}  // namespace
}  // namespace obauth::admin
