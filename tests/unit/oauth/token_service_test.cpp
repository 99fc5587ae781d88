#include "oauth/token_service.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/clock.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace obauth::oauth {
namespace {

constexpr char kIssuer[] = "https://auth.example";
constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::int64_t kTtl = 300;

class TokenServiceTest : public test_support::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    auto opened = store::sqlite::SqliteStore::Open(DbPath(), 2);
    ASSERT_TRUE(opened) << opened.error().internal;
    store_ = std::move(*opened);
    auto key = crypto::SigningKey::Generate();
    ASSERT_TRUE(key);
    tokens_ = std::make_unique<AccessTokens>(std::move(*key), kIssuer);
    service_ = std::make_unique<TokenService>(*store_, hasher_, *tokens_, clock_, kTtl);

    ASSERT_TRUE(store_->CreatePartner({"pt-partner", "Partner", kNow},
                                      hasher_.Hash("pt-partner", partner_secret_)));
    store::Recipient recipient;
    recipient.client_id = "dc-recipient";
    recipient.partner_id = "pt-partner";
    recipient.name = "Recipient";
    recipient.scope = "ACCOUNT_BASIC TRANSACTIONS STATEMENTS";
    recipient.redirect_uris = {"https://r.example/cb"};
    recipient.created_at = recipient.updated_at = kNow;
    ASSERT_TRUE(
        store_->CreateRecipient(recipient, hasher_.Hash("dc-recipient", recipient_secret_)));
  }

  void TearDown() override {
    service_.reset();
    tokens_.reset();
    store_.reset();
    TempDirTest::TearDown();
  }

  static TokenRequest PostRequest(std::string client_id, std::string secret,
                                  std::optional<std::string> scope = std::nullopt) {
    TokenRequest r;
    r.grant_type = "client_credentials";
    r.body_client_id = std::move(client_id);
    r.body_client_secret = Secret(std::move(secret));
    r.scope = std::move(scope);
    return r;
  }

  static TokenRequest BasicRequest(std::string client_id, std::string secret,
                                   std::optional<std::string> scope = std::nullopt) {
    TokenRequest r;
    r.grant_type = "client_credentials";
    r.basic = ClientCredentialPair{std::move(client_id), Secret(std::move(secret))};
    r.scope = std::move(scope);
    return r;
  }

  void ExpectError(const TokenRequest& request, ErrorCode code) {
    auto issued = service_->Issue(request);
    ASSERT_FALSE(issued) << "issued a token with scope " << issued->scope;
    EXPECT_EQ(issued.error().code, code) << issued.error().internal;
  }

  const Secret partner_secret_{"partner-secret-0123456789"};
  const Secret recipient_secret_{"recipient-secret-0123456789"};
  ManualClock clock_{kNow};
  crypto::SecretHasher hasher_{Secret(std::string(32, 'k'))};
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<AccessTokens> tokens_;
  std::unique_ptr<TokenService> service_;
};

TEST_F(TokenServiceTest, PartnerGetsClientAdminByDefault) {
  auto issued = service_->Issue(PostRequest("pt-partner", std::string(partner_secret_.Expose())));
  ASSERT_TRUE(issued) << issued.error().internal;
  EXPECT_EQ(issued->client_id, "pt-partner");
  EXPECT_EQ(issued->scope, "client:admin");
  EXPECT_EQ(issued->expires_in, kTtl);

  auto claims = tokens_->Verify(issued->access_token, kNow);
  ASSERT_TRUE(claims) << claims.error().internal;
  EXPECT_EQ(claims->issuer, kIssuer);
  EXPECT_EQ(claims->subject, "pt-partner");
  EXPECT_EQ(claims->client_id, "pt-partner");
  EXPECT_EQ(claims->scope, "client:admin");
  EXPECT_EQ(claims->issued_at, kNow);
  EXPECT_EQ(claims->expires_at, kNow + kTtl);
  EXPECT_FALSE(claims->jwt_id.empty());
}

TEST_F(TokenServiceTest, PartnerMayAskForClientAdminExplicitly) {
  auto issued = service_->Issue(
      BasicRequest("pt-partner", std::string(partner_secret_.Expose()), "client:admin"));
  ASSERT_TRUE(issued) << issued.error().internal;
  EXPECT_EQ(issued->scope, "client:admin");
}

TEST_F(TokenServiceTest, PartnerAskingForDataScopeIsInvalidScope) {
  ExpectError(PostRequest("pt-partner", std::string(partner_secret_.Expose()), "ACCOUNT_BASIC"),
              ErrorCode::kInvalidScope);
}

TEST_F(TokenServiceTest, RecipientGetsRegisteredScopesByDefault) {
  auto issued =
      service_->Issue(BasicRequest("dc-recipient", std::string(recipient_secret_.Expose())));
  ASSERT_TRUE(issued) << issued.error().internal;
  EXPECT_EQ(issued->scope, "ACCOUNT_BASIC TRANSACTIONS STATEMENTS");
  auto claims = tokens_->Verify(issued->access_token, kNow);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->subject, "dc-recipient");
  EXPECT_EQ(claims->scope, "ACCOUNT_BASIC TRANSACTIONS STATEMENTS");
}

TEST_F(TokenServiceTest, BlankScopeMeansDefaultScopes) {
  auto issued =
      service_->Issue(PostRequest("dc-recipient", std::string(recipient_secret_.Expose()), "  "));
  ASSERT_TRUE(issued) << issued.error().internal;
  EXPECT_EQ(issued->scope, "ACCOUNT_BASIC TRANSACTIONS STATEMENTS");
}

TEST_F(TokenServiceTest, RecipientAskingForClientAdminIsInvalidScope) {
  ExpectError(PostRequest("dc-recipient", std::string(recipient_secret_.Expose()), "client:admin"),
              ErrorCode::kInvalidScope);
  ExpectError(PostRequest("dc-recipient", std::string(recipient_secret_.Expose()),
                          "ACCOUNT_BASIC client:admin"),
              ErrorCode::kInvalidScope);
}

TEST_F(TokenServiceTest, RecipientAskingForUnregisteredScopeIsInvalidScope) {
  ExpectError(PostRequest("dc-recipient", std::string(recipient_secret_.Expose()), "INVESTMENTS"),
              ErrorCode::kInvalidScope);
  ExpectError(PostRequest("dc-recipient", std::string(recipient_secret_.Expose()), "bogus"),
              ErrorCode::kInvalidScope);
}

TEST_F(TokenServiceTest, SubsetRequestIsGrantedInRequestOrderWithoutDuplicates) {
  auto issued = service_->Issue(PostRequest("dc-recipient", std::string(recipient_secret_.Expose()),
                                            "STATEMENTS  ACCOUNT_BASIC STATEMENTS"));
  ASSERT_TRUE(issued) << issued.error().internal;
  EXPECT_EQ(issued->scope, "STATEMENTS ACCOUNT_BASIC");
  auto claims = tokens_->Verify(issued->access_token, kNow);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->scope, "STATEMENTS ACCOUNT_BASIC");
}

TEST_F(TokenServiceTest, ExpiresInEqualsTtlAndTokenExpiresThen) {
  clock_.Advance(1234);
  auto issued = service_->Issue(PostRequest("pt-partner", std::string(partner_secret_.Expose())));
  ASSERT_TRUE(issued);
  EXPECT_EQ(issued->expires_in, kTtl);
  const std::int64_t issued_at = kNow + 1234;
  EXPECT_TRUE(tokens_->Verify(issued->access_token, issued_at + kTtl - 1));
  auto expired = tokens_->Verify(issued->access_token, issued_at + kTtl);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::kInvalidToken);
}

TEST_F(TokenServiceTest, EveryTokenHasItsOwnJwtId) {
  auto a = service_->Issue(PostRequest("pt-partner", std::string(partner_secret_.Expose())));
  auto b = service_->Issue(PostRequest("pt-partner", std::string(partner_secret_.Expose())));
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  auto ca = tokens_->Verify(a->access_token, kNow);
  auto cb = tokens_->Verify(b->access_token, kNow);
  ASSERT_TRUE(ca);
  ASSERT_TRUE(cb);
  EXPECT_NE(ca->jwt_id, cb->jwt_id);
}

TEST_F(TokenServiceTest, AuthenticationFailuresLookIdentical) {
  const TokenRequest failures[] = {
      PostRequest("pt-unknown", std::string(partner_secret_.Expose())),    // unknown client
      PostRequest("pt-partner", "wrong-secret"),                           // wrong secret
      PostRequest("pt-partner", ""),                                       // empty secret
      PostRequest("dc-recipient", std::string(partner_secret_.Expose())),  // other's secret
      BasicRequest("pt-partner", "wrong-secret"),                          // wrong via Basic
      BasicRequest("pt-unknown", "x"),                                     // unknown via Basic
  };
  std::string public_message;
  for (const auto& request : failures) {
    auto issued = service_->Issue(request);
    ASSERT_FALSE(issued);
    EXPECT_EQ(issued.error().code, ErrorCode::kInvalidClient) << issued.error().internal;
    if (public_message.empty()) public_message = issued.error().public_message;
    EXPECT_EQ(issued.error().public_message, public_message);
    EXPECT_FALSE(issued.error().internal.empty());
  }
  EXPECT_EQ(public_message, "Client authentication failed");
}

TEST_F(TokenServiceTest, MissingSecretIsInvalidClientWithTheSameMessage) {
  TokenRequest request;
  request.grant_type = "client_credentials";
  request.body_client_id = "pt-partner";
  auto issued = service_->Issue(request);
  ASSERT_FALSE(issued);
  EXPECT_EQ(issued.error().code, ErrorCode::kInvalidClient);
  EXPECT_EQ(issued.error().public_message, "Client authentication failed");
}

TEST_F(TokenServiceTest, MissingClientIdIsInvalidClient) {
  TokenRequest request;
  request.grant_type = "client_credentials";
  request.body_client_secret = Secret(std::string(partner_secret_.Expose()));
  auto issued = service_->Issue(request);
  ASSERT_FALSE(issued);
  EXPECT_EQ(issued.error().code, ErrorCode::kInvalidClient);
  EXPECT_EQ(issued.error().public_message, "Client authentication failed");
}

TEST_F(TokenServiceTest, MissingGrantTypeIsInvalidRequest) {
  TokenRequest request = PostRequest("pt-partner", std::string(partner_secret_.Expose()));
  request.grant_type.reset();
  ExpectError(request, ErrorCode::kInvalidRequest);
  request.grant_type = "";
  ExpectError(request, ErrorCode::kInvalidRequest);
}

TEST_F(TokenServiceTest, BothAuthenticationMethodsIsInvalidRequest) {
  TokenRequest request = BasicRequest("pt-partner", std::string(partner_secret_.Expose()));
  request.body_client_id = "pt-partner";
  ExpectError(request, ErrorCode::kInvalidRequest);
  TokenRequest with_secret = BasicRequest("pt-partner", std::string(partner_secret_.Expose()));
  with_secret.body_client_secret = Secret(std::string(partner_secret_.Expose()));
  ExpectError(with_secret, ErrorCode::kInvalidRequest);
}

TEST_F(TokenServiceTest, UnknownGrantTypeIsUnsupported) {
  TokenRequest request = PostRequest("pt-partner", std::string(partner_secret_.Expose()));
  for (const char* grant : {"password", "implicit", "CLIENT_CREDENTIALS", "urn:x"}) {
    SCOPED_TRACE(grant);
    request.grant_type = grant;
    ExpectError(request, ErrorCode::kUnsupportedGrantType);
  }
}

TEST_F(TokenServiceTest, PartnerAskingForUserGrantsIsUnauthorizedClient) {
  TokenRequest request = PostRequest("pt-partner", std::string(partner_secret_.Expose()));
  request.grant_type = "authorization_code";
  ExpectError(request, ErrorCode::kUnauthorizedClient);
  request.grant_type = "refresh_token";
  ExpectError(request, ErrorCode::kUnauthorizedClient);
}

TEST_F(TokenServiceTest, RecipientAskingForAuthorizationCodeIsUnsupportedForNow) {
  TokenRequest request = PostRequest("dc-recipient", std::string(recipient_secret_.Expose()));
  request.grant_type = "authorization_code";
  ExpectError(request, ErrorCode::kUnsupportedGrantType);
}

TEST_F(TokenServiceTest, BadCredentialsWinOverUnsupportedGrant) {
  // The client is authenticated before its grant is judged, so a stranger learns nothing.
  TokenRequest request = PostRequest("pt-partner", "wrong");
  request.grant_type = "authorization_code";
  ExpectError(request, ErrorCode::kInvalidClient);
}

TEST_F(TokenServiceTest, RotatedSecretStopsWorking) {
  ASSERT_TRUE(store_->ReplaceSecret("pt-partner", "dc-recipient",
                                    hasher_.Hash("dc-recipient", Secret("new-secret")), kNow));
  ExpectError(PostRequest("dc-recipient", std::string(recipient_secret_.Expose())),
              ErrorCode::kInvalidClient);
  EXPECT_TRUE(service_->Issue(PostRequest("dc-recipient", "new-secret")));
}

}  // namespace
}  // namespace obauth::oauth
