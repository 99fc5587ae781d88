#include "consent/connector.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "admin/partner_service.hpp"
#include "admin/recipient_service.hpp"
#include "consent/authorize_service.hpp"
#include "temp_sqlite.hpp"

namespace obauth::consent {
namespace {

// An fdx connector as the catalogue stores it (compact JSON, docs/providers.md).
constexpr char kFdxConnector[] = R"({"type":"fdx","issuer":"https://auth.upstream.example",)"
                                 R"("fdx_base_url":"https://api.upstream.example/fdx/v5",)"
                                 R"("authorize_params":{"provider_id":"1000"}})";

TEST(ConnectorFor, TheSandboxIsBuiltAndAnFdxConnectorIsNotYet) {
  EXPECT_NE(ConnectorFor(std::string(R"({"type":"sandbox"})")), nullptr);
  // The fdx connector is catalogued and its credentials stored, but not built: no connector.
  EXPECT_EQ(ConnectorFor(std::string(kFdxConnector)), nullptr);
  EXPECT_EQ(ConnectorFor(std::nullopt), nullptr);
  for (const char* other : {R"({"type":"akoya"})", R"({})", R"("sandbox")", "not json"}) {
    EXPECT_EQ(ConnectorFor(std::string(other)), nullptr) << other;
  }
}

constexpr std::int64_t kNow = 1'800'000'000;
constexpr char kCallback[] = "https://acme.example/cb";

// GET /api/v1/authorize's checks on a real SQLite store: a partner, its recipient, and a
// sandbox provider and an fdx one, neither registered with the recipient.
class AuthorizeCheckTest : public test_support::TempSqliteTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(TempSqliteTest::SetUp());
    const admin::Caller kOperator{"", "operator", "", "cli"};
    auto partner = admin::CreatePartner(*store_, hasher_, clock_, "Partner", kOperator);
    ASSERT_TRUE(partner);
    admin::RecipientInput input;
    input.name = {true, std::string("Acme")};
    input.scope = {true, std::vector<std::string>{"ACCOUNT_BASIC", "TRANSACTIONS"}};
    input.redirect_uris = {true, std::vector<std::string>{kCallback}};
    const admin::RecipientService recipients(*store_, *store_, hasher_, clock_);
    auto created = recipients.Create(
        {partner->client_id, partner->client_id, "req-1", "198.51.100.7:40000"}, input);
    ASSERT_TRUE(created) << created.error().public_message;
    client_id_ = created->recipient.client_id;
    std::vector<store::Provider> providers(2);
    for (auto& p : providers) {
      p.name = "Provider";
      p.country = "CA";
      p.scope = "ACCOUNT_BASIC TRANSACTIONS";
      p.data_inventory = "{}";
      p.account_types = "{}";
      p.updated_at = kNow;
    }
    providers[0].provider_id = 9000;
    providers[0].connector = R"({"type":"sandbox"})";
    providers[1].provider_id = 2000;
    providers[1].connector = kFdxConnector;
    ASSERT_TRUE(store_->UpsertProviders(providers));
    service_ = std::make_unique<AuthorizeService>(
        *store_, *store_, *store_, *store_, Secret(std::string(32, 'b')),
        Secret(std::string(32, 'c')), crypto::HmacSha256Key(std::string(32, 'g')),
        Secret(std::string(32, 's')), limiter_, clock_);
  }
  void TearDown() override {
    service_.reset();
    TempSqliteTest::TearDown();
  }

  AuthorizeParams Params(std::string provider_id) const {
    AuthorizeParams p;
    p.client_id = client_id_;
    p.redirect_uri = kCallback;
    p.response_type = "code";
    p.scope = "ACCOUNT_BASIC";
    p.state = "st-1";
    p.provider_id = std::move(provider_id);
    return p;
  }

  ManualClock clock_{kNow};
  crypto::SecretHasher hasher_{Secret(std::string(32, 'k'))};
  oauth::AuthFailureLimiter limiter_{oauth::AuthFailureLimits{}};
  std::unique_ptr<AuthorizeService> service_;
  std::string client_id_;
};

TEST_F(AuthorizeCheckTest, AProviderWithAnFdxConnectorCannotBeConnectedToYet) {
  auto checked = service_->Check(Params("2000"), "session");
  ASSERT_TRUE(checked) << checked.error().public_message;
  ASSERT_TRUE(checked->refused.has_value());
  EXPECT_EQ(checked->refused->code, ErrorCode::kInvalidRequest);
  EXPECT_EQ(checked->refused->public_message, "The Data Provider 2000 cannot be connected to yet");
  // The sandbox provider passes that check and stops at the next: no ACTIVE registration.
  auto sandbox = service_->Check(Params("9000"), "session");
  ASSERT_TRUE(sandbox) << sandbox.error().public_message;
  ASSERT_TRUE(sandbox->refused.has_value());
  EXPECT_EQ(sandbox->refused->code, ErrorCode::kUnauthorizedClient);
}

}  // namespace
}  // namespace obauth::consent
