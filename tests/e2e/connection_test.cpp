// The customer's grants and connections (reference §5.1, §5.5): the code exchange with PKCE, a
// code's single use, the refresh grant, revocation by the recipient, the partner's list of a
// recipient's connections, the sandbox's connected-apps page, and two instances on one database.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <thread>

#include "consent_test.hpp"

namespace obauth::e2e {
namespace {

namespace json = boost::json;
using obauth::testing::ParseJson;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;

class Connections : public ConsentTest {
 protected:
  std::string ErrorOf(const HttpResponse& r) {
    if (r.status == 200) return "(200)";
    return StringAt(ParseJsonObject(r.body), "error");
  }

  HttpResponse RevokeWithBearer(std::string_view token, std::string method = "DELETE") {
    return Send({std::move(method),
                 "/api/v1/revoke",
                 {{"Authorization", "Bearer " + std::string(token)}},
                 ""});
  }

  bool Active(std::string_view access_token) {
    return Introspection(partner_, access_token).at("active").as_bool();
  }
};

TEST_F(Connections, TheCodeBecomesAConnectionsAccessAndRefreshTokens) {
  SetUpWorld();
  const json::object token = Connect({{"scope", "ACCOUNT_BASIC TRANSACTIONS"}});
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(StringAt(token, "token_type"), "Bearer");
  EXPECT_EQ(token.at("expires_in").as_int64(), 300);
  EXPECT_EQ(StringAt(token, "scope"), "ACCOUNT_BASIC TRANSACTIONS");
  EXPECT_GE(StringAt(token, "refresh_token").size(), 43u);
  const auto claims = DecodeJwt(StringAt(token, "access_token")).payload;
  EXPECT_EQ(StringAt(claims, "client_id"), recipient_.id());
  EXPECT_EQ(claims.at("provider_id").as_int64(), kSandbox);
  EXPECT_EQ(StringAt(claims, "scope"), "ACCOUNT_BASIC TRANSACTIONS");
  const std::string sub = StringAt(claims, "sub");
  EXPECT_TRUE(std::regex_match(
      sub, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << sub;
  // The same customer, again: the same subject; another customer: another.
  const auto again = DecodeJwt(StringAt(Connect(), "access_token")).payload;
  EXPECT_EQ(StringAt(again, "sub"), sub);
  const auto bob = DecodeJwt(StringAt(Connect({}, "bob"), "access_token")).payload;
  EXPECT_NE(StringAt(bob, "sub"), sub);
  EXPECT_TRUE(Active(StringAt(token, "access_token")) == false)
      << "the second consent of alice superseded the first connection";
  EXPECT_TRUE(Active(StringAt(Connect(), "access_token")));
}

TEST_F(Connections, TwoRecipientsSeeUnrelatedSubjectsForOneCustomer) {
  SetUpWorld();
  const auto first = DecodeJwt(StringAt(Connect(), "access_token")).payload;
  const CreatedRecipient other = CreateRecipient(
      admin_token_, R"({"name":"Other App","redirect_uris":["https://app.example/callback"],)"
                    R"("scope":"ACCOUNT_BASIC TRANSACTIONS"})");
  Send({"POST",
        "/api/v1/recipients/providers/requests/" + other.id() + "/" + std::to_string(kSandbox),
        {{"Authorization", "Bearer " + admin_token_}},
        ""});
  for (const char* action : {"approve", "activate"}) {
    ASSERT_EQ(ObauthOnDb({"registrations", action, other.id(), std::to_string(kSandbox)}).exit_code,
              0);
  }
  const std::string code = ApprovedCode({{"client_id", other.id()}});
  const HttpResponse r =
      ExchangeCode(code, std::string(kVerifier), std::string(kCallback), &other.credentials);
  ASSERT_EQ(r.status, 200) << r.Describe();
  const auto second = DecodeJwt(StringAt(ParseJsonObject(r.body), "access_token")).payload;
  EXPECT_NE(StringAt(second, "sub"), StringAt(first, "sub"));
}

TEST_F(Connections, ACodeNeedsItsRedirectUriVerifierAndClient) {
  SetUpWorld();
  const CreatedRecipient other = CreateRecipient(admin_token_);
  const std::string code = ApprovedCode();
  EXPECT_EQ(ErrorOf(ExchangeCode(code, std::string(kVerifier), "https://app.example/other")),
            "invalid_grant");
  EXPECT_EQ(ErrorOf(ExchangeCode(code, std::nullopt)), "invalid_grant");
  EXPECT_EQ(ErrorOf(ExchangeCode(code, std::string(43, 'a'))), "invalid_grant");
  EXPECT_EQ(ErrorOf(ExchangeCode(code, std::string(kVerifier), std::string(kCallback),
                                 &other.credentials)),
            "invalid_grant");
  EXPECT_EQ(ErrorOf(ExchangeCode(code, std::string(kVerifier), "")), "invalid_request");
  EXPECT_EQ(ErrorOf(ExchangeCode("")), "invalid_request");
  EXPECT_EQ(ErrorOf(ExchangeCode("not-a-code-of-this-server-000000000000000")), "invalid_grant");
  // None of those used it up.
  EXPECT_EQ(ExchangeCode(code).status, 200);
  // Without PKCE a verifier is a downgrade attempt.
  const std::string plain = ApprovedCode({{"code_challenge", ""}, {"code_challenge_method", ""}});
  EXPECT_EQ(ErrorOf(ExchangeCode(plain)), "invalid_grant");
  EXPECT_EQ(ExchangeCode(plain, std::nullopt).status, 200);
  // A partner cannot use the grant at all.
  EXPECT_EQ(ErrorOf(ExchangeCode(code, std::string(kVerifier), std::string(kCallback), &partner_)),
            "unauthorized_client");
}

TEST_F(Connections, ACodeWorksOnceAndItsReuseRevokesTheConnection) {
  SetUpWorld();
  const std::string code = ApprovedCode();
  const HttpResponse first = ExchangeCode(code);
  ASSERT_EQ(first.status, 200) << first.Describe();
  const auto token = ParseJsonObject(first.body);
  RememberSecret(token.at("refresh_token").as_string());
  EXPECT_TRUE(Active(StringAt(token, "access_token")));
  const HttpResponse second = ExchangeCode(code);
  EXPECT_EQ(ErrorOf(second), "invalid_grant");
  EXPECT_FALSE(Active(StringAt(token, "access_token"))) << "RFC 6749 §4.1.2";
  EXPECT_EQ(ErrorOf(Refresh(StringAt(token, "refresh_token"))), "invalid_grant");
  const auto events = AuditEvents(admin_token_, "client_id=" + recipient_.id());
  std::vector<std::string> actions;
  for (const auto& e : events) actions.push_back(StringAt(e, "action"));
  EXPECT_NE(std::find(actions.begin(), actions.end(), "connection.created"), actions.end());
  EXPECT_NE(std::find(actions.begin(), actions.end(), "connection.revoked"), actions.end());
}

TEST_F(Connections, ACodeExpiresAfterSixtySeconds) {
  SetUpWorld();
  FreezeClock();
  const std::string code = ApprovedCode();
  AdvanceClock(61);
  EXPECT_EQ(ErrorOf(ExchangeCode(code)), "invalid_grant");
}

TEST_F(Connections, OfManyConcurrentExchangesOfOneCodeExactlyOneSucceeds) {
  SetUpWorld();
  const std::string code = ApprovedCode();
  std::atomic<int> succeeded{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      const HttpResponse r = ExchangeCodeAt(server().host(), server().port(), code);
      (r.status == 200 ? succeeded : refused)++;
      if (r.status == 200) RememberSecret(ParseJsonObject(r.body).at("refresh_token").as_string());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(succeeded.load(), 1);
  EXPECT_EQ(refused.load(), 7);
}

TEST_F(Connections, RefreshGivesANewAccessTokenAndKeepsTheRefreshToken) {
  SetUpWorld();
  const json::object token = Connect({{"scope", "ACCOUNT_BASIC TRANSACTIONS"}});
  const std::string refresh = StringAt(token, "refresh_token");
  const HttpResponse r = Refresh(refresh);
  ASSERT_EQ(r.status, 200) << r.Describe();
  const auto body = ParseJsonObject(r.body);
  EXPECT_FALSE(body.contains("refresh_token")) << "reference §5.1: not rotated";
  EXPECT_EQ(StringAt(body, "scope"), "ACCOUNT_BASIC TRANSACTIONS");
  const auto claims = DecodeJwt(StringAt(body, "access_token")).payload;
  EXPECT_EQ(StringAt(claims, "sub"),
            StringAt(DecodeJwt(StringAt(token, "access_token")).payload, "sub"));
  // Narrower is allowed, wider is not.
  const HttpResponse narrower = Refresh(refresh, "ACCOUNT_BASIC");
  ASSERT_EQ(narrower.status, 200) << narrower.Describe();
  EXPECT_EQ(StringAt(ParseJsonObject(narrower.body), "scope"), "ACCOUNT_BASIC");
  EXPECT_EQ(ErrorOf(Refresh(refresh, "ACCOUNT_BASIC STATEMENTS")), "invalid_scope");
  // Still the same refresh token, again and again.
  EXPECT_EQ(Refresh(refresh).status, 200);
  // Another client cannot use it.
  const CreatedRecipient other = CreateRecipient(admin_token_);
  EXPECT_EQ(ErrorOf(Refresh(refresh, std::nullopt, &other.credentials)), "invalid_grant");
  EXPECT_EQ(ErrorOf(Refresh("not-a-refresh-token-0000000000000000000000")), "invalid_grant");
  EXPECT_EQ(ErrorOf(Refresh("")), "invalid_request");
}

TEST_F(Connections, ARefreshTokenDiesAfterThirtyIdleDaysButEachUseRestartsTheClock) {
  SetUpWorld();
  FreezeClock();
  const std::string refresh = StringAt(Connect(), "refresh_token");
  AdvanceClock(29 * 86400);
  EXPECT_EQ(Refresh(refresh).status, 200);
  AdvanceClock(29 * 86400);
  EXPECT_EQ(Refresh(refresh).status, 200) << "used 29 days ago, not 58";
  AdvanceClock(30 * 86400 + 1);
  EXPECT_EQ(ErrorOf(Refresh(refresh)), "invalid_grant");
}

TEST_F(Connections, TheConnectionsTokenRevokesTheWholeConnection) {
  SetUpWorld();
  for (const std::string method : {"DELETE", "POST"}) {
    const json::object token = Connect();
    const std::string access = StringAt(token, "access_token");
    const HttpResponse refreshed = Refresh(StringAt(token, "refresh_token"));
    const std::string other_access = StringAt(ParseJsonObject(refreshed.body), "access_token");
    const HttpResponse revoked = RevokeWithBearer(access, method);
    EXPECT_EQ(revoked.status, 204) << method << " " << revoked.Describe();
    EXPECT_FALSE(Active(access));
    EXPECT_FALSE(Active(other_access)) << "every access token of the connection";
    EXPECT_EQ(ErrorOf(Refresh(StringAt(token, "refresh_token"))), "invalid_grant");
    EXPECT_EQ(RevokeWithBearer(access, method).status, 204) << "a retry changes nothing";
  }
  // The recipient's own client_credentials tokens are untouched.
  EXPECT_EQ(RequestToken(recipient_.credentials).status, 200);
}

TEST_F(Connections, RevokingTheRefreshTokenWithTheRecipientsCredentialsEndsTheConnection) {
  SetUpWorld();
  const json::object token = Connect();
  const std::string refresh = StringAt(token, "refresh_token");
  // Another client naming it changes nothing (RFC 7009 §2.2: and is told nothing).
  const CreatedRecipient other = CreateRecipient(admin_token_);
  const auto revoke = [&](const Credentials& c) {
    return Send({"POST",
                 "/api/v1/revoke",
                 {{"Content-Type", "application/x-www-form-urlencoded"}},
                 obauth::testing::FormBody({{"token", refresh},
                                            {"token_type_hint", "refresh_token"},
                                            {"client_id", c.client_id},
                                            {"client_secret", c.client_secret}})});
  };
  EXPECT_EQ(revoke(other.credentials).status, 200);
  EXPECT_EQ(Refresh(refresh).status, 200);
  EXPECT_EQ(revoke(recipient_.credentials).status, 200);
  EXPECT_EQ(ErrorOf(Refresh(refresh)), "invalid_grant");
  EXPECT_FALSE(Active(StringAt(token, "access_token")));
}

TEST_F(Connections, AConnectionsTokenIsNotTheRecipientsClientToken) {
  SetUpWorld();
  const std::string access = StringAt(Connect(), "access_token");
  const HttpResponse r = AdminGet(access, "/api/v2/providers");
  EXPECT_EQ(r.status, 403) << r.Describe();
}

TEST_F(Connections, ThePartnerListsARecipientsConnectionsWithoutAnyToken) {
  SetUpWorld();
  const json::object first = Connect();
  const json::object second = Connect({{"scope", "ACCOUNT_BASIC"}}, "bob");
  ASSERT_EQ(RevokeWithBearer(StringAt(second, "access_token")).status, 204);
  const HttpResponse r = AdminGet(admin_token_, RecipientPath(recipient_.id()) + "/connections");
  ASSERT_EQ(r.status, 200) << r.Describe();
  const json::array list = ParseJson(r.body).as_array();
  ASSERT_EQ(list.size(), 2u);
  const auto& alice = list[0].as_object();
  EXPECT_EQ(StringAt(alice, "status"), "ACTIVE");
  EXPECT_EQ(StringAt(alice, "client_id"), recipient_.id());
  EXPECT_EQ(alice.at("provider_id").as_int64(), kSandbox);
  EXPECT_EQ(StringAt(alice, "sub"),
            StringAt(DecodeJwt(StringAt(first, "access_token")).payload, "sub"));
  EXPECT_EQ(alice.at("accounts").as_array().size(), 4u);
  EXPECT_TRUE(alice.at("revoked_at").is_null());
  EXPECT_EQ(StringAt(list[1].as_object(), "status"), "REVOKED");
  EXPECT_EQ(r.body.find(StringAt(first, "refresh_token")), std::string::npos);
  EXPECT_EQ(r.body.find(StringAt(first, "access_token")), std::string::npos);
  // Pages; and another partner does not see the recipient.
  const HttpResponse page =
      AdminGet(admin_token_, RecipientPath(recipient_.id()) + "/connections?limit=1");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(ParseJson(page.body).as_array().size(), 1u);
  EXPECT_TRUE(page.Header("Link").has_value());
  const std::string stranger = AdminToken(CreatePartner("Stranger"));
  EXPECT_EQ(AdminGet(stranger, RecipientPath(recipient_.id()) + "/connections").status, 404);
}

TEST_F(Connections, TheCustomerRevokesAConnectionOnTheConnectedAppsPage) {
  SetUpWorld();
  const json::object token = Connect();
  const std::string apps = "/sandbox/" + std::to_string(kSandbox) + "/apps";
  Browser browser;
  const HttpResponse sign_in = BrowserGet(browser, apps);
  ASSERT_EQ(sign_in.status, 200) << sign_in.Describe();
  const std::string csrf = InputValue(sign_in.body, "csrf");
  const HttpResponse listed =
      BrowserPost(browser, apps, {{"csrf", csrf}, {"username", "alice"}, {"password", "sandbox"}});
  ASSERT_EQ(listed.status, 200) << listed.Describe();
  EXPECT_NE(listed.body.find("Budget Buddy"), std::string::npos) << listed.body;
  const std::string connection = InputValue(listed.body, "connection");
  ASSERT_FALSE(connection.empty()) << listed.body;
  // Bob sees none of alice's.
  Browser bob;
  BrowserGet(bob, apps);
  const HttpResponse bobs = BrowserPost(bob, apps,
                                        {{"csrf", InputValue(BrowserGet(bob, apps).body, "csrf")},
                                         {"username", "bob"},
                                         {"password", "sandbox"}});
  EXPECT_EQ(bobs.body.find("Budget Buddy"), std::string::npos);
  // Revoke.
  const HttpResponse after = BrowserPost(browser, apps,
                                         {{"csrf", csrf},
                                          {"transaction", InputValue(listed.body, "transaction")},
                                          {"connection", connection},
                                          {"revoke", connection}});
  ASSERT_EQ(after.status, 200) << after.Describe();
  EXPECT_EQ(after.body.find("Budget Buddy"), std::string::npos) << after.body;
  EXPECT_EQ(ErrorOf(Refresh(StringAt(token, "refresh_token"))), "invalid_grant");
  EXPECT_FALSE(Active(StringAt(token, "access_token")));
  bool by_customer = false;
  for (const auto& e : AuditEvents(admin_token_, "client_id=" + recipient_.id())) {
    if (StringAt(e, "action") == "connection.revoked" && StringAt(e, "actor") == "customer") {
      by_customer = true;
    }
  }
  EXPECT_TRUE(by_customer);
}

TEST_F(Connections, ACodeFromOneInstanceIsRedeemedAtAnotherAndRevocationIsSeenWithinASecond) {
  SetUpWorld("Budget Buddy", std::string(kAllDataScopes), {"--issuer", "https://obauth.test"});
  auto other = StartAnotherServer({"--issuer", "https://obauth.test"}, "other.log");
  const std::string code = ApprovedCode();
  const auto exchange = ExchangeCodeAt(other->host(), other->port(), code);
  ASSERT_EQ(exchange.status, 200) << exchange.Describe();
  const auto token = ParseJsonObject(exchange.body);
  RememberSecret(token.at("refresh_token").as_string());
  const std::string access = StringAt(token, "access_token");
  const auto providers_at_b = [&] {
    return obauth::testing::SendHttp(
        other->host(), other->port(),
        {"POST",
         std::string(kIntrospectPath),
         {{"Content-Type", "application/x-www-form-urlencoded"}},
         obauth::testing::FormBody({{"token", access},
                                    {"client_id", partner_.client_id},
                                    {"client_secret", partner_.client_secret}})});
  };
  ASSERT_NE(providers_at_b().body.find("\"active\":true"), std::string::npos);
  ASSERT_EQ(RevokeWithBearer(access).status, 204);  // at A
  EXPECT_TRUE(Eventually(
      [&] { return providers_at_b().body.find("\"active\":false") != std::string::npos; },
      std::chrono::seconds(1)));
}

TEST_F(Connections, ASigkillDuringCodeExchangesNeverRedeemsACodeTwice) {
  SetUpWorld();
  std::mt19937 random(20261203);
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::vector<std::string> codes;
    for (int i = 0; i < 32; ++i) codes.push_back(ApprovedCode());
    std::map<std::string, int> successes;
    std::mutex mu;
    const auto exchange = [&](const std::string& code) {
      const HttpResponse r = ExchangeCodeAt(server().host(), server().port(), code);
      if (r.status == 200) {
        RememberSecret(ParseJsonObject(r.body).at("refresh_token").as_string());
        std::lock_guard lock(mu);
        ++successes[code];
      }
    };
    // Four clients exchange each of their codes twice (the second is a reuse) until the kill.
    std::vector<std::thread> clients;
    for (int c = 0; c < 4; ++c) {
      clients.emplace_back([&, c] {
        try {
          for (std::size_t i = static_cast<std::size_t>(c); i < codes.size(); i += 4) {
            exchange(codes[i]);
            exchange(codes[i]);
          }
        } catch (const std::exception&) {
          // The server died under the request.
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + random() % 40));
    server().Signal(SIGKILL);
    const auto status = server().WaitFor(std::chrono::seconds(10));
    EXPECT_TRUE(status && status->kind == obauth::testing::ExitStatus::Kind::kSignaled);
    for (auto& t : clients) t.join();
    StartServer();
    // After the restart each code is tried once more: one exchanged before the kill (answered
    // or not) is refused, one never exchanged works now.
    for (const auto& code : codes) exchange(code);
    for (const auto& code : codes) {
      EXPECT_LE(successes[code], 1) << "a code was redeemed twice";
    }
  }
}

}  // namespace
}  // namespace obauth::e2e
