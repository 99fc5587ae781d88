// The fdx connector end to end (docs/fdx.md, "A real Data Provider behind obauth"): two obauth
// instances on this machine. The fixture's server is the provider A, with its sandbox
// institution; the hub B, on a SQLite file of its own, catalogues provider 7000 with an fdx
// connector to A and is registered at A as a Data Recipient. The customer goes from B's
// authorize URL through A's sign-in and consent pages and back; the recipient then reads the
// customer's data through B.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "consent_test.hpp"
#include "e2e/tls_proxy.hpp"
#include "testing/encoding.hpp"
#include "testing/json.hpp"

namespace obauth::e2e {
namespace {

namespace json = boost::json;
using obauth::testing::FormEncode;
using obauth::testing::ParseJsonObject;
using obauth::testing::ServerOptions;
using obauth::testing::StringAt;

constexpr std::int64_t kHubProvider = 7000;

class Connector : public ConsentTest {
 protected:
  void TearDown() override {
    hub_.reset();
    proxy_.reset();
    ConsentTest::TearDown();
  }

  enum class Tls {
    kNone,       // the hub reaches A over plain http (loopback)
    kTrusted,    // over https through nginx, the hub trusting its certificate (SSL_CERT_FILE)
    kUntrusted,  // over https, the hub not trusting it
  };

  // A (the fixture's server) with its world, then the hub and everything it needs.
  void StartHub(Tls tls = Tls::kNone) {
    SetUpWorld();
    a_issuer_ = Issuer();
    std::vector<std::string> hub_environment;
    if (tls != Tls::kNone) {
      // A published at https://localhost:PORT through nginx: its issuer says so.
      proxy_ = std::make_unique<TlsProxy>(temp_dir() / "tls", Issuer());
      const std::string listen = server().host() + ":" + std::to_string(server().port());
      StopServer();
      a_issuer_ = proxy_->Url("localhost");
      StartServer({"--listen", listen, "--issuer", a_issuer_});
      admin_token_ = AdminToken(partner_);
      if (tls == Tls::kTrusted)
        hub_environment.push_back("SSL_CERT_FILE=" + proxy_->trusted_file());
    }
    const std::string a = a_issuer_;
    const auto dir = temp_dir() / "hub";
    std::filesystem::create_directories(dir);
    hub_db_ = (dir / "hub.db").string();
    const std::string catalogue = R"([{"provider_id": )" + std::to_string(kHubProvider) +
                                  R"(, "name": "Bank A", "country": "CA",
        "scopes": ["ACCOUNT_BASIC", "ACCOUNT_DETAILED", "ACCOUNT_PAYMENTS", "INVESTMENTS",
                   "TRANSACTIONS", "STATEMENTS", "CUSTOMER_CONTACT", "CUSTOMER_PERSONAL"],
        "data_inventory": {},
        "availableAccountTypes": {"depositAccounts": "true", "investmentAccounts": "true",
                                  "loanAccounts": "true", "locAccounts": "true"},
        "connector": {"type": "fdx", "issuer": ")" +
                                  a + R"(", "fdx_base_url": ")" + a +
                                  R"(/api/fdx/5", "authorize_params": {"provider_id": "9000"}}}])";
    const auto file = dir / "catalogue.json";
    std::ofstream(file) << catalogue;
    const CommandResult imported =
        Obauth({"providers", "import", "--create", file.string(), "--db", hub_db_});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
    hub_ = std::make_unique<ServerProcess>(ServerOptions{
        ObauthBinary(), hub_db_, dir / "hub.log", {"--log-level", "debug"}, hub_environment});
    hub_issuer_ = "http://" + hub_->host() + ":" + std::to_string(hub_->port());

    // obauth (the hub) as a Data Recipient at A, ACTIVE with the sandbox.
    const json::object body{
        {"name", "Hub"},
        {"redirect_uris", json::array{json::string(hub_issuer_ + "/api/v1/authorize/callback")}},
        {"scope", std::string(kAllDataScopes)}};
    const CreatedRecipient at_a = CreateRecipient(admin_token_, json::serialize(body));
    hub_at_a_ = at_a.id();
    ASSERT_EQ(
        Send({"POST",
              "/api/v1/recipients/providers/requests/" + at_a.id() + "/" + std::to_string(kSandbox),
              {{"Authorization", "Bearer " + admin_token_}},
              ""})
            .status,
        200);
    for (const char* action : {"approve", "activate"}) {
      const CommandResult moved =
          ObauthOnDb({"registrations", action, at_a.id(), std::to_string(kSandbox)});
      ASSERT_EQ(moved.exit_code, 0) << moved.err;
    }
    const auto input = dir / "stdin";
    std::ofstream(input) << at_a.credentials.client_secret << "\n";
    const CommandResult connected = obauth::testing::RunCommand(
        {"/bin/sh", "-c", R"(exec "$@" < "$0")", input.string(), ObauthBinary(), "providers",
         "connect", std::to_string(kHubProvider), "--client-id", at_a.id(), "--db", hub_db_});
    std::filesystem::remove(input);
    ASSERT_EQ(connected.exit_code, 0) << connected.err;

    // The hub's own partner and its recipient "App", ACTIVE with provider 7000.
    const CommandResult partner =
        Obauth({"partner", "create", "--create", "--name", "Hub Partner", "--db", hub_db_});
    ASSERT_EQ(partner.exit_code, 0) << partner.err;
    const json::object created = ParseJsonObject(partner.out);
    hub_partner_ = {StringAt(created, "client_id"), StringAt(created, "client_secret")};
    const std::string hub_admin = HubToken(hub_partner_, "client:admin");
    const json::object app{{"name", "App"},
                           {"redirect_uris", json::array{json::string(kCallback)}},
                           {"scope", std::string(kAllDataScopes)}};
    const HttpResponse made =
        HubSend({"POST",
                 "/api/v1/recipients",
                 {{"Authorization", "Bearer " + hub_admin}, {"Content-Type", "application/json"}},
                 json::serialize(app)});
    ASSERT_EQ(made.status, 200) << made.Describe();
    const json::object app_created = ParseJsonObject(made.body);
    app_ = {StringAt(app_created, "client_id"), StringAt(app_created, "client_secret")};
    ASSERT_EQ(HubSend({"POST",
                       "/api/v1/recipients/providers/requests/" + app_.client_id + "/" +
                           std::to_string(kHubProvider),
                       {{"Authorization", "Bearer " + hub_admin}},
                       ""})
                  .status,
              200);
    for (const char* action : {"approve", "activate"}) {
      const CommandResult moved = Obauth(
          {"registrations", action, app_.client_id, std::to_string(kHubProvider), "--db", hub_db_});
      ASSERT_EQ(moved.exit_code, 0) << moved.err;
    }
  }

  HttpResponse HubSend(HttpRequest request) {
    return obauth::testing::SendHttp(hub_->host(), hub_->port(), std::move(request));
  }
  HttpResponse HubBrowserGet(Browser& browser, std::string_view target) {
    Headers headers;
    if (browser.cookie) headers.emplace_back("Cookie", *browser.cookie);
    HttpResponse r = HubSend({"GET", std::string(target), std::move(headers), {}});
    if (const auto set = r.Header("Set-Cookie")) browser.cookie = set->substr(0, set->find(';'));
    return r;
  }
  std::string HubToken(const Credentials& c, std::string scope) {
    const HttpResponse r = HubSend(
        {"POST",
         "/api/v1/token",
         {{"Content-Type", "application/x-www-form-urlencoded"}},
         "grant_type=client_credentials&client_id=" + FormEncode(c.client_id) +
             "&client_secret=" + FormEncode(c.client_secret) + "&scope=" + FormEncode(scope)});
    EXPECT_EQ(r.status, 200) << r.Describe();
    return StringAt(ParseJsonObject(r.body), "access_token");
  }

  // The hub's authorize target for the App.
  std::string HubAuthorize(std::string scope = "ACCOUNT_BASIC ACCOUNT_DETAILED TRANSACTIONS") {
    return "/api/v1/authorize?client_id=" + FormEncode(app_.client_id) +
           "&redirect_uri=" + FormEncode(std::string(kCallback)) + "&state=app-state" +
           "&response_type=code&scope=" + FormEncode(scope) +
           "&provider_id=" + std::to_string(kHubProvider) +
           "&code_challenge=" + std::string(kChallenge) + "&code_challenge_method=S256";
  }

  // The target of an absolute URL on `issuer`; fails the test when it is elsewhere.
  static std::string TargetOn(const std::string& issuer, const std::string& url) {
    EXPECT_TRUE(url.starts_with(issuer + "/")) << url << " is not on " << issuer;
    return url.starts_with(issuer) ? url.substr(issuer.size()) : url;
  }

  // The whole flow: hub → A's pages (approving `accounts`, all when nullopt) → hub → the App's
  // redirect URI. The final Location.
  std::string ConsentThroughHub(std::optional<std::vector<std::string>> accounts = std::nullopt,
                                std::string_view decision = "approve") {
    Browser at_hub, at_a;
    const HttpResponse sent = HubBrowserGet(at_hub, HubAuthorize());
    EXPECT_EQ(sent.status, 302) << sent.Describe();
    const std::string to_a = sent.Header("Location").value_or("");
    const HttpResponse sign_in = BrowserGet(at_a, TargetOn(a_issuer_, to_a));
    EXPECT_EQ(sign_in.status, 200) << sign_in.Describe();
    const HttpResponse consent =
        BrowserPost(at_a, "/api/v1/authorize/login",
                    {{"transaction", InputValue(sign_in.body, "transaction")},
                     {"csrf", InputValue(sign_in.body, "csrf")},
                     {"username", "alice"},
                     {"password", "sandbox"}});
    EXPECT_EQ(consent.status, 200) << consent.Describe();
    const HttpResponse decided = Decide(at_a, consent, decision, accounts);
    EXPECT_EQ(decided.status, 302) << decided.Describe();
    const std::string back = decided.Header("Location").value_or("");
    const HttpResponse done = HubBrowserGet(at_hub, TargetOn(hub_issuer_, back));
    EXPECT_EQ(done.status, 302) << done.Describe();
    return done.Header("Location").value_or("");
  }

  // The App's connection access token at the hub for `code`.
  std::string HubAccessToken(const std::string& code) {
    const HttpResponse r = HubSend({"POST",
                                    "/api/v1/token",
                                    {{"Content-Type", "application/x-www-form-urlencoded"}},
                                    "grant_type=authorization_code&code=" + FormEncode(code) +
                                        "&redirect_uri=" + FormEncode(std::string(kCallback)) +
                                        "&code_verifier=" + std::string(kVerifier) +
                                        "&client_id=" + FormEncode(app_.client_id) +
                                        "&client_secret=" + FormEncode(app_.client_secret)});
    EXPECT_EQ(r.status, 200) << r.Describe();
    return StringAt(ParseJsonObject(r.body), "access_token");
  }

  HttpResponse HubFdx(const std::string& token, const std::string& path) {
    return HubSend({"GET", "/api/fdx/5" + path, {{"Authorization", "Bearer " + token}}, {}});
  }

  // The statuses of the hub's connections at A, oldest first.
  std::vector<std::string> HubConnectionsAtA() {
    const HttpResponse r = AdminGet(admin_token_, RecipientPath(hub_at_a_) + "/connections");
    EXPECT_EQ(r.status, 200) << r.Describe();
    std::vector<std::string> out;
    const json::value list = json::parse(r.body);
    for (const auto& c : list.as_array()) {
      out.push_back(StringAt(c.as_object(), "status"));
    }
    return out;
  }

  std::string a_issuer_;  // A's issuer: its address, or https://localhost:PORT through nginx
  std::unique_ptr<TlsProxy> proxy_;
  std::string hub_db_;
  std::string hub_at_a_;  // the hub's client id at A
  std::unique_ptr<ServerProcess> hub_;
  std::string hub_issuer_;
  Credentials hub_partner_;
  Credentials app_;
};

TEST_F(Connector, TheHubSendsTheBrowserToTheProviderWithPkceAndItsOwnClient) {
  StartHub();
  Browser at_hub;
  const HttpResponse sent = HubBrowserGet(at_hub, HubAuthorize());
  ASSERT_EQ(sent.status, 302) << sent.Describe();
  const std::string location = sent.Header("Location").value_or("");
  EXPECT_TRUE(location.starts_with(a_issuer_ + "/api/v1/authorize?")) << location;
  const auto query = QueryOf(location);
  EXPECT_EQ(query.at("response_type"), "code");
  EXPECT_EQ(query.at("redirect_uri"), hub_issuer_ + "/api/v1/authorize/callback");
  EXPECT_EQ(query.at("provider_id"), "9000");  // the connector's authorize_params
  EXPECT_EQ(query.at("scope"), "ACCOUNT_BASIC ACCOUNT_DETAILED TRANSACTIONS");
  EXPECT_EQ(query.at("code_challenge_method"), "S256");
  EXPECT_EQ(query.at("code_challenge").size(), 43u);
  EXPECT_NE(query.at("code_challenge"), kChallenge);  // the hub's own, not the App's
  EXPECT_NE(query.at("client_id"), app_.client_id);
  EXPECT_FALSE(query.at("state").empty());
  EXPECT_TRUE(at_hub.cookie.has_value()) << "the callback needs the browser's session";
}

TEST_F(Connector, ACustomerConsentsAtTheProviderAndTheAppReadsOnlyTheSharedAccountThroughTheHub) {
  StartHub();
  // The customer shares one of alice's accounts at A.
  Browser probe;
  const HttpResponse sign_in = BrowserGet(probe, AuthorizeTarget());
  ASSERT_EQ(sign_in.status, 200);
  const HttpResponse page = BrowserPost(probe, "/api/v1/authorize/login",
                                        {{"transaction", InputValue(sign_in.body, "transaction")},
                                         {"csrf", InputValue(sign_in.body, "csrf")},
                                         {"username", "alice"},
                                         {"password", "sandbox"}});
  const auto all = CheckboxValues(page.body, "account");
  ASSERT_GE(all.size(), 2u);

  const std::string location = ConsentThroughHub(std::vector<std::string>{all[0]});
  ASSERT_TRUE(location.starts_with(std::string(kCallback) + "?")) << location;
  const auto query = QueryOf(location);
  EXPECT_EQ(query.at("state"), "app-state");
  EXPECT_EQ(query.at("iss"), hub_issuer_);
  const std::string token = HubAccessToken(query.at("code"));
  ASSERT_FALSE(token.empty());

  const HttpResponse accounts = HubFdx(token, "/accounts");
  ASSERT_EQ(accounts.status, 200) << accounts.Describe();
  EXPECT_NE(accounts.body.find(all[0]), std::string::npos) << accounts.body;
  EXPECT_EQ(accounts.body.find(all[1]), std::string::npos) << accounts.body;
  EXPECT_TRUE(accounts.Header("ob-trace-id").has_value());

  // Paging links name the hub, never the provider.
  const HttpResponse transactions = HubFdx(token, "/accounts/" + all[0] + "/transactions?limit=3");
  ASSERT_EQ(transactions.status, 200) << transactions.Describe();
  const json::object listed = ParseJsonObject(transactions.body);
  EXPECT_EQ(listed.at("transactions").as_array().size(), 3u);
  const std::string next(listed.at("links").at("next").at("href").as_string());
  EXPECT_TRUE(next.starts_with(hub_issuer_ + "/api/fdx/5/accounts/" + all[0] + "/transactions"))
      << next;
  EXPECT_EQ(transactions.body.find(a_issuer_), std::string::npos) << transactions.body;
  const HttpResponse second = HubFdx(token, TargetOn(hub_issuer_ + "/api/fdx/5", next));
  ASSERT_EQ(second.status, 200) << second.Describe();

  // The account the customer did not share: 701, as the provider says it.
  const HttpResponse other = HubFdx(token, "/accounts/" + all[1]);
  EXPECT_EQ(other.status, 404) << other.Describe();
  EXPECT_EQ(ParseJsonObject(other.body).at("code").as_int64(), 701) << other.body;
  // A scope the App did not get: 602 from the hub itself.
  const HttpResponse statements = HubFdx(token, "/accounts/" + all[0] + "/statements");
  EXPECT_EQ(statements.status, 401) << statements.Describe();

  // The provider stopped: 503 at once, never a hang.
  StopServer();
  const auto start = std::chrono::steady_clock::now();
  const HttpResponse down = HubFdx(token, "/accounts");
  EXPECT_EQ(down.status, 503) << down.Describe();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(Connector, TheHubRefreshesTheProvidersShortLivedTokensAndReadsAtOnceAllSucceed) {
  StartHub();
  // A's access tokens now live 20 s, less than the hub's 30 s margin: each read through the hub
  // refreshes the connection's provider tokens first (one refresh at a time per connection).
  const std::string listen = server().host() + ":" + std::to_string(server().port());
  StopServer();
  StartServer({"--listen", listen, "--token-ttl", "20"});
  const std::string token = HubAccessToken(QueryOf(ConsentThroughHub()).at("code"));
  for (int i = 0; i < 3; ++i) {
    const HttpResponse read = HubFdx(token, "/accounts");
    ASSERT_EQ(read.status, 200) << read.Describe();
  }
  constexpr int kAtOnce = 8;
  std::atomic<int> ok = 0;
  std::vector<std::thread> readers;
  for (int i = 0; i < kAtOnce; ++i) {
    readers.emplace_back([&] {
      if (HubFdx(token, "/accounts").status == 200) ++ok;
    });
  }
  for (auto& r : readers) r.join();
  EXPECT_EQ(ok, kAtOnce);
  // A issued the hub tokens for the code, then for each refresh: at least one per sequential
  // read and one for the burst, at most one per read.
  const std::string issued = "note=issued to " + hub_at_a_;
  const auto count = [&] {
    std::ifstream log(server_logs().back());
    int n = 0;
    for (std::string line; std::getline(log, line);) {
      if (line.find("route=/api/v1/token status=200") != std::string::npos &&
          line.find(issued) != std::string::npos) {
        ++n;
      }
    }
    return n;
  };
  EXPECT_TRUE(Eventually([&] { return count() >= 1 + 3 + 1; }, std::chrono::seconds(5))) << count();
  EXPECT_LE(count(), 1 + 3 + kAtOnce);
}

TEST_F(Connector, RevokingTheConnectionAtTheHubRevokesItAtTheProviderToo) {
  StartHub();
  const std::string token = HubAccessToken(QueryOf(ConsentThroughHub()).at("code"));
  ASSERT_EQ(HubFdx(token, "/accounts").status, 200);
  EXPECT_EQ(HubConnectionsAtA(), std::vector<std::string>{"ACTIVE"});
  ASSERT_EQ(
      HubSend({"DELETE", "/api/v1/revoke", {{"Authorization", "Bearer " + token}}, ""}).status,
      204);
  EXPECT_EQ(HubFdx(token, "/accounts").status, 401);  // 602 at once at the hub
  // The hub's housekeeping revokes it at A within its period (5 s).
  EXPECT_TRUE(Eventually([&] { return HubConnectionsAtA() == std::vector<std::string>{"REVOKED"}; },
                         std::chrono::seconds(15)));
}

TEST_F(Connector, TheHubAnswers503WhileTheProviderIsDownAndRecoversByItself) {
  StartHub();
  const std::string token = HubAccessToken(QueryOf(ConsentThroughHub()).at("code"));
  ASSERT_EQ(HubFdx(token, "/accounts").status, 200);
  const std::string listen = server().host() + ":" + std::to_string(server().port());
  StopServer();
  for (int i = 0; i < 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const HttpResponse down = HubFdx(token, "/accounts");
    EXPECT_EQ(down.status, 503) << down.Describe();
    EXPECT_EQ(ParseJsonObject(down.body).at("code").as_int64(), 503) << down.body;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  }
  StartServer({"--listen", listen});  // A again, at the address the hub knows
  const HttpResponse back = HubFdx(token, "/accounts");
  EXPECT_EQ(back.status, 200) << back.Describe();
}

TEST_F(Connector, OverHttpsTheHubVerifiesTheProvidersCertificate) {
  StartHub(Tls::kTrusted);
  const auto query = QueryOf(ConsentThroughHub());
  ASSERT_EQ(query.count("code"), 1u) << "no code";
  const std::string token = HubAccessToken(query.at("code"));
  const HttpResponse accounts = HubFdx(token, "/accounts");
  EXPECT_EQ(accounts.status, 200) << accounts.Describe();
  EXPECT_EQ(accounts.body.find(a_issuer_), std::string::npos) << accounts.body;
}

TEST_F(Connector, AProviderWhoseCertificateIsNotTrustedIsUnavailableToTheApp) {
  StartHub(Tls::kUntrusted);
  Browser at_hub;
  const HttpResponse sent = HubBrowserGet(at_hub, HubAuthorize());
  ASSERT_EQ(sent.status, 302) << sent.Describe();
  const std::string location = sent.Header("Location").value_or("");
  ASSERT_TRUE(location.starts_with(std::string(kCallback) + "?")) << location;
  EXPECT_EQ(QueryOf(location).at("error"), "temporarily_unavailable");
  EXPECT_EQ(QueryOf(location).at("state"), "app-state");
}

TEST_F(Connector, ACustomerWhoDeniesAtTheProviderSendsTheAppAccessDenied) {
  StartHub();
  const std::string location = ConsentThroughHub(std::nullopt, "deny");
  ASSERT_TRUE(location.starts_with(std::string(kCallback) + "?")) << location;
  const auto query = QueryOf(location);
  EXPECT_EQ(query.at("error"), "access_denied");
  EXPECT_EQ(query.at("state"), "app-state");
  EXPECT_EQ(query.count("code"), 0u);
}

TEST_F(Connector, ACallbackFromAnotherBrowserOrWithAForgedStateIsRefused) {
  StartHub();
  Browser at_hub, other;
  ASSERT_EQ(HubBrowserGet(at_hub, HubAuthorize()).status, 302);
  const HttpResponse forged =
      HubBrowserGet(at_hub, "/api/v1/authorize/callback?code=abc&state=not-sealed-here");
  EXPECT_EQ(forged.status, 400) << forged.Describe();
  EXPECT_FALSE(forged.Header("Location").has_value());
  const HttpResponse sent = HubBrowserGet(other, HubAuthorize());
  const std::string state = QueryOf(sent.Header("Location").value_or("")).at("state");
  Browser third;
  const HttpResponse stolen =
      HubBrowserGet(third, "/api/v1/authorize/callback?code=abc&state=" + FormEncode(state));
  EXPECT_EQ(stolen.status, 400) << stolen.Describe();
  EXPECT_FALSE(stolen.Header("Location").has_value());
}

}  // namespace
}  // namespace obauth::e2e
