#include "oauth/token_service.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "forwarding_store.hpp"
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
    forwarding_ = std::make_unique<test_support::ForwardingStore>(*store_);
    auto key = crypto::SigningKey::Generate();
    ASSERT_TRUE(key);
    tokens_ = std::make_unique<AccessTokens>(std::move(*key), kIssuer);
    service_ = std::make_unique<TokenService>(*forwarding_, hasher_, *tokens_, usage_, limiter_,
                                              clock_, kTtl, &metrics_);

    CreatePartnerOrFail("pt-partner", partner_secret_);
    CreatePartnerOrFail("pt-other", other_partner_secret_);
    store::Recipient recipient;
    recipient.client_id = "dc-recipient";
    recipient.partner_id = "pt-partner";
    recipient.name = "Recipient";
    recipient.scope = "ACCOUNT_BASIC TRANSACTIONS STATEMENTS";
    recipient.redirect_uris = {"https://r.example/cb"};
    recipient.created_at = recipient.updated_at = kNow;
    ASSERT_TRUE(store_->CreateRecipient(recipient, hasher_.Hash("dc-recipient", recipient_secret_),
                                        nullptr, Event("recipient.created", "dc-recipient")));
    recipient.client_id = "dc-foreign";
    recipient.partner_id = "pt-other";
    ASSERT_TRUE(store_->CreateRecipient(recipient, hasher_.Hash("dc-foreign", foreign_secret_),
                                        nullptr, Event("recipient.created", "dc-foreign")));
  }

  void TearDown() override {
    service_.reset();
    tokens_.reset();
    forwarding_.reset();
    store_.reset();
    TempDirTest::TearDown();
  }

  store::AuditEvent Event(std::string action, std::string client_id) const {
    return store::AuditEvent{0,
                             clock_.NowSeconds(),
                             "pt-partner",
                             "pt-partner",
                             std::move(action),
                             std::move(client_id),
                             "req",
                             "test",
                             "{}"};
  }

  void CreatePartnerOrFail(const std::string& id, const Secret& secret) {
    ASSERT_TRUE(store_->CreatePartner({id, "Partner", kNow}, hasher_.Hash(id, secret),
                                      Event("partner.created", id)));
  }

  // Rotates the recipient's secret to `secret`; the grace period of the old one, when given.
  void Rotate(const std::string& secret, std::int64_t grace = 0, bool revoke_tokens = false) {
    auto rotated = store_->RotateSecret(
        {"pt-partner", "dc-recipient", hasher_.Hash("dc-recipient", Secret(secret)),
         clock_.NowSeconds(), grace, revoke_tokens},
        nullptr, Event("recipient.secret_rotated", "dc-recipient"));
    ASSERT_TRUE(rotated) << rotated.error().internal;
  }

  void Retire(const std::string& client_id, const std::string& partner_id = "pt-partner") {
    ASSERT_TRUE(store_->RetireRecipient(partner_id, client_id, clock_.NowSeconds(),
                                        Event("recipient.deleted", client_id)));
  }

  std::string IssueOrFail(const std::string& client_id, const Secret& secret) {
    auto issued = service_->Issue(PostRequest(client_id, std::string(secret.Expose())));
    EXPECT_TRUE(issued) << (issued ? "" : issued.error().internal);
    return issued ? issued->access_token : std::string();
  }

  std::vector<store::SecretRecord> Secrets(const std::string& client_id) {
    auto client = store_->FindClient(client_id);
    EXPECT_TRUE(client);
    return client ? client->secrets : std::vector<store::SecretRecord>{};
  }

  // Drained usage, ordered by secret id.
  std::vector<store::SecretUse> DrainUsage() {
    auto uses = usage_.Drain();
    std::sort(uses.begin(), uses.end(),
              [](const auto& a, const auto& b) { return a.secret_id < b.secret_id; });
    return uses;
  }

  static ClientAuthentication PostCaller(std::string client_id, std::string secret) {
    ClientAuthentication caller;
    caller.body_client_id = std::move(client_id);
    caller.body_client_secret = Secret(std::move(secret));
    return caller;
  }
  ClientAuthentication PartnerCaller() const {
    return PostCaller("pt-partner", std::string(partner_secret_.Expose()));
  }

  // Asserts the token is active for the partner, and returns its claims.
  AccessTokenClaims ExpectActive(const std::string& token) {
    auto result = service_->Introspect(PartnerCaller(), token);
    EXPECT_TRUE(result) << (result ? "" : result.error().internal);
    EXPECT_TRUE(result && result->claims.has_value()) << "inactive";
    return result && result->claims ? *result->claims : AccessTokenClaims{};
  }
  void ExpectInactive(const std::string& token, const ClientAuthentication& caller) {
    auto result = service_->Introspect(caller, token);
    ASSERT_TRUE(result) << result.error().internal;
    EXPECT_FALSE(result->claims.has_value()) << "active for " << result->claims->client_id;
  }
  void ExpectInactive(const std::string& token) { ExpectInactive(token, PartnerCaller()); }

  void ExpectValidateRejects(const std::string& token) {
    auto claims = service_->Authorize(token);
    ASSERT_FALSE(claims) << "accepted a token of " << claims->client_id;
    EXPECT_EQ(claims.error().code, ErrorCode::kInvalidToken);
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
  const Secret other_partner_secret_{"other-partner-secret-0123456789"};
  const Secret foreign_secret_{"foreign-recipient-secret-0123456789"};
  ManualClock clock_{kNow};
  crypto::SecretHasher hasher_{Secret(std::string(32, 'k'))};
  UsageTracker usage_;
  AuthFailureLimiter limiter_{AuthFailureLimits{}};
  DomainMetrics metrics_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<test_support::ForwardingStore> forwarding_;
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

TEST_F(TokenServiceTest, TooManyFailuresFromOneAddressAreRefusedThereWithoutCheckingTheSecret) {
  auto from = [](TokenRequest r, std::string source) {
    r.source = std::move(source);
    return r;
  };
  const std::string secret(partner_secret_.Expose());
  for (int i = 0; i < AuthFailureLimits{}.per_client_and_address; ++i) {
    auto failed = service_->Issue(from(PostRequest("pt-partner", "guess"), "10.0.0.66"));
    ASSERT_FALSE(failed);
    ASSERT_EQ(failed.error().code, ErrorCode::kInvalidClient);
  }
  auto refused = service_->Issue(from(PostRequest("pt-partner", secret), "10.0.0.66"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kTooManyAttempts);
  EXPECT_EQ(refused.error().retry_after_seconds, AuthFailureLimits{}.window_seconds);
  EXPECT_EQ(refused.error().internal.find(secret), std::string::npos);
  // The partner itself, from its own address, is not locked out by the guesses.
  EXPECT_TRUE(service_->Issue(from(PostRequest("pt-partner", secret), "10.0.0.7")));
}

TEST_F(TokenServiceTest, CountsTokensByClientKindAndFailuresByReason) {
  using Failure = DomainMetrics::AuthFailure;
  IssueOrFail("pt-partner", partner_secret_);
  IssueOrFail("dc-recipient", recipient_secret_);
  IssueOrFail("dc-recipient", recipient_secret_);
  EXPECT_EQ(metrics_.tokens_issued(DomainMetrics::ClientKind::kPartner), 1u);
  EXPECT_EQ(metrics_.tokens_issued(DomainMetrics::ClientKind::kRecipient), 2u);

  EXPECT_FALSE(service_->Issue(PostRequest("pt-nobody", "whatever-secret")));
  EXPECT_FALSE(service_->Issue(PostRequest("pt-partner", "wrong-secret")));
  EXPECT_FALSE(service_->Issue(PostRequest("pt-partner", "wrong-secret")));
  TokenRequest no_secret;
  no_secret.grant_type = "client_credentials";
  no_secret.body_client_id = "pt-partner";
  EXPECT_FALSE(service_->Issue(no_secret));
  TokenRequest nothing;
  nothing.grant_type = "client_credentials";
  EXPECT_FALSE(service_->Issue(nothing));
  Retire("dc-recipient");
  EXPECT_FALSE(
      service_->Issue(PostRequest("dc-recipient", std::string(recipient_secret_.Expose()))));
  EXPECT_EQ(metrics_.auth_failures(Failure::kUnknownClient), 1u);
  EXPECT_EQ(metrics_.auth_failures(Failure::kWrongSecret), 2u);
  EXPECT_EQ(metrics_.auth_failures(Failure::kMissingSecret), 1u);
  EXPECT_EQ(metrics_.auth_failures(Failure::kNoCredentials), 1u);
  EXPECT_EQ(metrics_.auth_failures(Failure::kInactiveClient), 1u);
  EXPECT_EQ(metrics_.auth_failures(Failure::kRateLimited), 0u);
  EXPECT_EQ(metrics_.tokens_issued(DomainMetrics::ClientKind::kRecipient), 2u) << "no new token";
}

TEST_F(TokenServiceTest, CountsAuthenticationsWithThePreviousSecretAndRateLimitedOnes) {
  Rotate("new-secret", 600);
  IssueOrFail("dc-recipient", Secret("new-secret"));
  EXPECT_EQ(metrics_.previous_secret_authentications(), 0u);
  IssueOrFail("dc-recipient", recipient_secret_);
  IssueOrFail("dc-recipient", recipient_secret_);
  EXPECT_EQ(metrics_.previous_secret_authentications(), 2u);

  for (int i = 0; i <= AuthFailureLimits{}.per_client_and_address; ++i) {
    EXPECT_FALSE(service_->Issue(PostRequest("pt-partner", "guess")));
  }
  EXPECT_EQ(metrics_.auth_failures(DomainMetrics::AuthFailure::kWrongSecret),
            static_cast<std::uint64_t>(AuthFailureLimits{}.per_client_and_address));
  EXPECT_EQ(metrics_.auth_failures(DomainMetrics::AuthFailure::kRateLimited), 1u);
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
  Rotate("new-secret");
  ExpectError(PostRequest("dc-recipient", std::string(recipient_secret_.Expose())),
              ErrorCode::kInvalidClient);
  EXPECT_TRUE(service_->Issue(PostRequest("dc-recipient", "new-secret")));
}

// ---- Rotation with a grace period ---------------------------------------------------------------

TEST_F(TokenServiceTest, AuthenticatesWithCurrentAndPreviousSecretDuringGrace) {
  Rotate("new-secret", 600);
  EXPECT_TRUE(service_->Issue(PostRequest("dc-recipient", "new-secret")));
  EXPECT_TRUE(
      service_->Issue(BasicRequest("dc-recipient", std::string(recipient_secret_.Expose()))));
  clock_.Advance(599);
  EXPECT_TRUE(
      service_->Issue(PostRequest("dc-recipient", std::string(recipient_secret_.Expose()))));
  EXPECT_TRUE(service_->Issue(PostRequest("dc-recipient", "new-secret")));
}

TEST_F(TokenServiceTest, RejectsPreviousSecretAfterGracePeriod) {
  Rotate("new-secret", 600);
  clock_.Advance(600);  // the expiry instant: no longer valid
  auto issued =
      service_->Issue(PostRequest("dc-recipient", std::string(recipient_secret_.Expose())));
  ASSERT_FALSE(issued);
  EXPECT_EQ(issued.error().code, ErrorCode::kInvalidClient);
  EXPECT_EQ(issued.error().public_message, "Client authentication failed");
  clock_.Advance(86400);
  ExpectError(BasicRequest("dc-recipient", std::string(recipient_secret_.Expose())),
              ErrorCode::kInvalidClient);
  EXPECT_TRUE(service_->Issue(PostRequest("dc-recipient", "new-secret")));
}

TEST_F(TokenServiceTest, RejectsPreviousSecretRevokedDuringGrace) {
  Rotate("new-secret", 600);
  ASSERT_TRUE(store_->RevokePreviousSecret("pt-partner", "dc-recipient", clock_.NowSeconds(),
                                           Event("recipient.previous_secret_revoked", "")));
  ExpectError(PostRequest("dc-recipient", std::string(recipient_secret_.Expose())),
              ErrorCode::kInvalidClient);
  EXPECT_TRUE(service_->Issue(PostRequest("dc-recipient", "new-secret")));
}

TEST_F(TokenServiceTest, ConsidersAtMostTwoValidSecrets) {
  // A backend that returned more valid secrets than the rule allows: only the first two count.
  const std::int64_t later = kNow + 600;
  forwarding_->edit_client = [&](store::ClientCredentials& client) {
    if (client.client_id != "dc-recipient") return;
    client.secrets = {{1, hasher_.Hash("dc-recipient", Secret("current")), std::nullopt},
                      {2, hasher_.Hash("dc-recipient", Secret("expired")), kNow - 1},
                      {3, hasher_.Hash("dc-recipient", Secret("previous")), later},
                      {4, hasher_.Hash("dc-recipient", Secret("third")), later}};
  };
  EXPECT_TRUE(service_->Issue(PostRequest("dc-recipient", "current")));
  // An expired secret neither works nor takes one of the two places.
  ExpectError(PostRequest("dc-recipient", "expired"), ErrorCode::kInvalidClient);
  EXPECT_TRUE(service_->Issue(PostRequest("dc-recipient", "previous")));
  ExpectError(PostRequest("dc-recipient", "third"), ErrorCode::kInvalidClient);
}

TEST_F(TokenServiceTest, UsageTrackerRecordsWhichSecretAndCountsPreviousOnes) {
  Rotate("new-secret", 600);
  const auto secrets = Secrets("dc-recipient");
  ASSERT_EQ(secrets.size(), 2u);
  const std::int64_t current_id = secrets[0].id;
  const std::int64_t previous_id = secrets[1].id;
  ASSERT_FALSE(secrets[0].expires_at.has_value());

  EXPECT_TRUE(service_->Issue(PostRequest("dc-recipient", "new-secret")));
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(10);
    EXPECT_TRUE(
        service_->Issue(PostRequest("dc-recipient", std::string(recipient_secret_.Expose()))));
  }
  clock_.Advance(10);
  EXPECT_TRUE(service_->Issue(PostRequest("dc-recipient", "new-secret")));

  const auto uses = DrainUsage();
  ASSERT_EQ(uses.size(), 2u);
  const auto& current = uses[0].secret_id == current_id ? uses[0] : uses[1];
  const auto& previous = uses[0].secret_id == previous_id ? uses[0] : uses[1];
  EXPECT_EQ(current.secret_id, current_id);
  EXPECT_EQ(current.client_id, "dc-recipient");
  EXPECT_EQ(current.last_used_at, kNow + 40);
  EXPECT_EQ(current.previous_authentications, 0);
  EXPECT_EQ(previous.secret_id, previous_id);
  EXPECT_EQ(previous.last_used_at, kNow + 30);
  EXPECT_EQ(previous.previous_authentications, 3);
  EXPECT_TRUE(usage_.Drain().empty());

  // What the tracker gathered is what the store shows after a flush.
  ASSERT_TRUE(store_->RecordSecretUse(uses));
  auto recipient = store_->GetRecipient("pt-partner", "dc-recipient", clock_.NowSeconds());
  ASSERT_TRUE(recipient);
  EXPECT_EQ(recipient->secrets.previous_authentications, 3);
  EXPECT_EQ(recipient->secrets.previous_last_used_at, std::optional<std::int64_t>(kNow + 30));
  EXPECT_EQ(recipient->secrets.secret_last_used_at, std::optional<std::int64_t>(kNow + 40));
}

TEST_F(TokenServiceTest, FailedAuthenticationRecordsNoUsage) {
  ExpectError(PostRequest("dc-recipient", "wrong"), ErrorCode::kInvalidClient);
  ExpectError(PostRequest("dc-unknown", "wrong"), ErrorCode::kInvalidClient);
  EXPECT_TRUE(usage_.Drain().empty());
}

TEST_F(TokenServiceTest, RetiredClientIsInvalidClient) {
  Retire("dc-recipient");
  ExpectError(PostRequest("dc-recipient", std::string(recipient_secret_.Expose())),
              ErrorCode::kInvalidClient);
  // Even if its secret were still stored, a retired client never authenticates.
  const std::string hash = hasher_.Hash("dc-recipient", recipient_secret_);
  forwarding_->edit_client = [&](store::ClientCredentials& client) {
    if (client.client_id == "dc-recipient") client.secrets = {{1, hash, std::nullopt}};
  };
  auto issued =
      service_->Issue(PostRequest("dc-recipient", std::string(recipient_secret_.Expose())));
  ASSERT_FALSE(issued);
  EXPECT_EQ(issued.error().code, ErrorCode::kInvalidClient);
  EXPECT_EQ(issued.error().public_message, "Client authentication failed");
  EXPECT_NE(issued.error().internal.find("retired"), std::string::npos) << issued.error().internal;
  EXPECT_TRUE(usage_.Drain().empty());
}

TEST_F(TokenServiceTest, DisabledClientIsInvalidClient) {
  forwarding_->edit_client = [](store::ClientCredentials& client) { client.disabled = true; };
  auto issued = service_->Issue(PostRequest("pt-partner", std::string(partner_secret_.Expose())));
  ASSERT_FALSE(issued);
  EXPECT_EQ(issued.error().code, ErrorCode::kInvalidClient);
  EXPECT_EQ(issued.error().public_message, "Client authentication failed");
}

TEST_F(TokenServiceTest, TokenCarriesTheClientsTokenEpoch) {
  Rotate("new-secret", 0, true);
  auto issued = service_->Issue(PostRequest("dc-recipient", "new-secret"));
  ASSERT_TRUE(issued);
  auto claims = tokens_->Verify(issued->access_token, kNow);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->token_epoch, 1);
}

// ---- Authorize ----------------------------------------------------------------------------------

TEST_F(TokenServiceTest, AuthorizeNamesTheRecipientBehindAnActiveToken) {
  const std::string token = IssueOrFail("dc-recipient", recipient_secret_);
  auto principal = service_->Authorize(token);
  ASSERT_TRUE(principal) << principal.error().internal;
  EXPECT_EQ(principal->kind, PrincipalKind::kRecipient);
  EXPECT_FALSE(principal->IsPartner());
  EXPECT_EQ(principal->client_id, "dc-recipient");
  EXPECT_EQ(principal->partner_id, "pt-partner");
  EXPECT_EQ(principal->claims.client_id, "dc-recipient");
  EXPECT_EQ(principal->claims.scope, "ACCOUNT_BASIC TRANSACTIONS STATEMENTS");
}

TEST_F(TokenServiceTest, AuthorizeNamesThePartnerAsItsOwnTenant) {
  auto issued = service_->Issue(PostRequest("pt-partner", std::string(partner_secret_.Expose())));
  ASSERT_TRUE(issued) << issued.error().internal;
  auto principal = service_->Authorize(issued->access_token);
  ASSERT_TRUE(principal) << principal.error().internal;
  EXPECT_EQ(principal->kind, PrincipalKind::kPartner);
  EXPECT_EQ(principal->client_id, "pt-partner");
  EXPECT_EQ(principal->partner_id, "pt-partner");
}

TEST_F(TokenServiceTest, ValidateRejectsTokensIssuedBeforeRevocationButNotAfter) {
  const std::string before = IssueOrFail("dc-recipient", recipient_secret_);
  clock_.Advance(5);
  Rotate("new-secret", 600, true);
  ExpectValidateRejects(before);
  // The previous secret still works in its grace period, and its new tokens are active.
  const std::string with_previous = IssueOrFail("dc-recipient", recipient_secret_);
  const std::string with_current = IssueOrFail("dc-recipient", Secret("new-secret"));
  EXPECT_TRUE(service_->Authorize(with_previous));
  EXPECT_TRUE(service_->Authorize(with_current));
}

TEST_F(TokenServiceTest, RotationWithoutRevocationKeepsTokensActive) {
  const std::string before = IssueOrFail("dc-recipient", recipient_secret_);
  Rotate("new-secret");
  EXPECT_TRUE(service_->Authorize(before));
}

TEST_F(TokenServiceTest, ValidateRejectsRetiredClientsToken) {
  const std::string token = IssueOrFail("dc-recipient", recipient_secret_);
  Retire("dc-recipient");
  ExpectValidateRejects(token);
  // Even with an epoch that would otherwise pass.
  forwarding_->edit_client = [](store::ClientCredentials& client) { client.token_epoch = 0; };
  ExpectValidateRejects(token);
}

TEST_F(TokenServiceTest, ValidateRejectsExpiredTamperedAndUnknownClientsTokens) {
  const std::string token = IssueOrFail("pt-partner", partner_secret_);
  std::string tampered = token;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  ExpectValidateRejects(tampered);
  ExpectValidateRejects("");
  ExpectValidateRejects("a.b.c");
  AccessTokenClaims ghost{kIssuer, "dc-ghost", "dc-ghost", "ACCOUNT_BASIC", "j", kNow, kNow + 60,
                          0,       0,          ""};
  auto signed_ghost = tokens_->Sign(ghost);
  ASSERT_TRUE(signed_ghost);
  ExpectValidateRejects(*signed_ghost);
  clock_.Advance(kTtl);
  ExpectValidateRejects(token);
}

// ---- Introspection (RFC 7662) -------------------------------------------------------------------

TEST_F(TokenServiceTest, IntrospectionShowsOwnRecipientsToken) {
  const std::string token = IssueOrFail("dc-recipient", recipient_secret_);
  const AccessTokenClaims claims = ExpectActive(token);
  EXPECT_EQ(claims.client_id, "dc-recipient");
  EXPECT_EQ(claims.subject, "dc-recipient");
  EXPECT_EQ(claims.scope, "ACCOUNT_BASIC TRANSACTIONS STATEMENTS");
  EXPECT_EQ(claims.issuer, kIssuer);
  EXPECT_EQ(claims.issued_at, kNow);
  EXPECT_EQ(claims.expires_at, kNow + kTtl);
  EXPECT_FALSE(claims.jwt_id.empty());
}

TEST_F(TokenServiceTest, IntrospectionShowsThePartnersOwnToken) {
  const std::string token = IssueOrFail("pt-partner", partner_secret_);
  EXPECT_EQ(ExpectActive(token).client_id, "pt-partner");
}

TEST_F(TokenServiceTest, IntrospectionByBasicCaller) {
  const std::string token = IssueOrFail("dc-recipient", recipient_secret_);
  ClientAuthentication caller;
  caller.basic = ClientCredentialPair{"pt-partner", partner_secret_};
  auto result = service_->Introspect(caller, token);
  ASSERT_TRUE(result) << result.error().internal;
  EXPECT_TRUE(result->claims.has_value());
}

TEST_F(TokenServiceTest, IntrospectionOfAnotherPartnersTokensIsInactive) {
  ExpectInactive(IssueOrFail("dc-foreign", foreign_secret_));
  ExpectInactive(IssueOrFail("pt-other", other_partner_secret_));
  // And the other partner learns nothing about ours.
  ExpectInactive(IssueOrFail("dc-recipient", recipient_secret_),
                 PostCaller("pt-other", std::string(other_partner_secret_.Expose())));
}

TEST_F(TokenServiceTest, IntrospectionOfExpiredTamperedOrRevokedTokensIsInactive) {
  const std::string token = IssueOrFail("dc-recipient", recipient_secret_);
  std::string tampered = token;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  ExpectInactive(tampered);
  ExpectInactive("not-a-token");
  ExpectInactive("");

  clock_.Advance(1);
  Rotate("new-secret", 0, true);
  ExpectInactive(token);

  const std::string fresh = IssueOrFail("dc-recipient", Secret("new-secret"));
  ExpectActive(fresh);
  clock_.Advance(kTtl);
  // The partner's own credentials still work; the token is simply over.
  ExpectInactive(fresh);
}

TEST_F(TokenServiceTest, IntrospectionOfRetiredRecipientsTokenIsInactive) {
  const std::string token = IssueOrFail("dc-recipient", recipient_secret_);
  Retire("dc-recipient");
  ExpectInactive(token);
}

TEST_F(TokenServiceTest, RecipientMayNotIntrospect) {
  const std::string token = IssueOrFail("dc-recipient", recipient_secret_);
  auto result = service_->Introspect(
      PostCaller("dc-recipient", std::string(recipient_secret_.Expose())), token);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kUnauthorizedClient);
}

TEST_F(TokenServiceTest, IntrospectionWithBadCallerCredentialsIsInvalidClient) {
  const std::string token = IssueOrFail("dc-recipient", recipient_secret_);
  for (const auto& caller : {PostCaller("pt-partner", "wrong"), PostCaller("pt-nobody", "x"),
                             PostCaller("pt-other", std::string(partner_secret_.Expose()))}) {
    auto result = service_->Introspect(caller, token);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidClient) << result.error().internal;
    EXPECT_EQ(result.error().public_message, "Client authentication failed");
  }
  ClientAuthentication nobody;
  auto anonymous = service_->Introspect(nobody, token);
  ASSERT_FALSE(anonymous);
  EXPECT_EQ(anonymous.error().code, ErrorCode::kInvalidClient);
  ClientAuthentication both = PartnerCaller();
  both.basic = ClientCredentialPair{"pt-partner", partner_secret_};
  auto ambiguous = service_->Introspect(both, token);
  ASSERT_FALSE(ambiguous);
  EXPECT_EQ(ambiguous.error().code, ErrorCode::kInvalidRequest);
}

TEST_F(TokenServiceTest, PublishedKeysKeepARetiredKeyForTheTokenLifetimeAndTheConfiguredSkew) {
  auto old_key = crypto::SigningKey::Generate();
  auto new_key = crypto::SigningKey::Generate();
  ASSERT_TRUE(old_key && new_key);
  const KeyRing ring({{*old_key, 0}, {*new_key, kNow}});
  const auto kids = [&](std::int64_t skew, std::int64_t now) {
    const AccessTokens tokens(ring, kIssuer, skew);
    ManualClock clock(now);
    const TokenService service(*forwarding_, hasher_, tokens, usage_, limiter_, clock, kTtl);
    return service.PublishedKeys().size();
  };
  // The old key retired at kNow; its last token expires at kNow + kTtl.
  EXPECT_EQ(kids(0, kNow + kTtl - 1), 2u);
  EXPECT_EQ(kids(0, kNow + kTtl), 1u);
  EXPECT_EQ(kids(kDefaultClockSkew, kNow + kTtl + kDefaultClockSkew - 1), 2u);
  EXPECT_EQ(kids(kDefaultClockSkew, kNow + kTtl + kDefaultClockSkew), 1u);
  EXPECT_EQ(kids(kMaxClockSkew, kNow + kTtl + kMaxClockSkew - 1), 2u);
  EXPECT_EQ(kids(kMaxClockSkew, kNow + kTtl + kMaxClockSkew), 1u);
}

}  // namespace
}  // namespace obauth::oauth
