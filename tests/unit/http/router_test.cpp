#include "http/router.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "admin/partner_service.hpp"
#include "admin/recipient_service.hpp"
#include "core/clock.hpp"
#include "core/time_format.hpp"
#include "crypto/base64url.hpp"
#include "crypto/client_secret.hpp"
#include "crypto/signing_key.hpp"
#include "oauth/access_token.hpp"
#include "oauth/token_service.hpp"
#include "oauth/usage_tracker.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace obauth::http {
namespace {

namespace bh = boost::beast::http;
namespace json = boost::json;

constexpr char kIssuer[] = "https://auth.example";
constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::int64_t kTtl = 300;
constexpr char kForm[] = "application/x-www-form-urlencoded";
constexpr char kJson[] = "application/json";
constexpr char kRequestId[] = "req-test";
constexpr char kPeer[] = "192.0.2.1:5555";

std::string HeaderOf(const Response& res, bh::field field) { return std::string(res[field]); }
std::string HeaderOf(const Response& res, std::string_view name) { return std::string(res[name]); }

// The string value of `key` in a flat JSON body (ids, secrets and tokens need no escaping).
std::string JsonString(const std::string& body, const std::string& key) {
  const std::string needle = "\"" + key + "\":\"";
  const auto start = body.find(needle);
  if (start == std::string::npos) return {};
  const auto from = start + needle.size();
  return body.substr(from, body.find('"', from) - from);
}

// Standard padded base64, as HTTP Basic uses it.
std::string Base64(std::string_view bytes) {
  std::string text = crypto::Base64UrlEncode(bytes);
  for (char& c : text) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (text.size() % 4 != 0) text.push_back('=');
  return text;
}

std::string BasicHeader(std::string_view id, std::string_view secret) {
  return "Basic " + Base64(std::string(id) + ":" + std::string(secret));
}

Request Make(bh::verb verb, std::string_view target, std::string body = {},
             std::string_view content_type = {}) {
  Request req{verb, target, 11};
  if (!content_type.empty()) req.set(bh::field::content_type, content_type);
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

class RouterTest : public test_support::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    // Wired as src/app/main.cpp does, with a manual clock.
    auto opened = store::sqlite::SqliteStore::Open(DbPath(), 2);
    ASSERT_TRUE(opened) << opened.error().internal;
    store_ = std::move(*opened);
    auto key = crypto::SigningKey::Generate();
    ASSERT_TRUE(key);
    access_tokens_ = std::make_unique<oauth::AccessTokens>(std::move(*key), kIssuer);
    tokens_ = std::make_unique<oauth::TokenService>(*store_, hasher_, *access_tokens_, usage_,
                                                    limiter_, clock_, kTtl);
    recipients_ = std::make_unique<admin::RecipientService>(*store_, *store_, hasher_, clock_);
    registrations_ = std::make_unique<admin::RegistrationService>(*store_, *store_, clock_);
    idempotency_ =
        std::make_unique<admin::Idempotency>(Secret(std::string(32, 'i')), *store_, clock_);
    router_ = std::make_unique<Router>(Services{*tokens_, *recipients_, *registrations_,
                                                *idempotency_, *store_, admin::RotateOptions{}});

    const admin::Caller operator_caller{"", "operator", "", "cli"};
    auto partner = admin::CreatePartner(*store_, hasher_, clock_, "Partner A", operator_caller);
    ASSERT_TRUE(partner);
    partner_id_ = partner->client_id;
    partner_secret_ = std::string(partner->client_secret.Expose());
    auto other = admin::CreatePartner(*store_, hasher_, clock_, "Partner B", operator_caller);
    ASSERT_TRUE(other);
    other_partner_id_ = other->client_id;
    other_partner_secret_ = std::string(other->client_secret.Expose());

    admin::RecipientInput input;
    input.name = {true, std::string("Acme")};
    input.scope = {true, std::vector<std::string>{"ACCOUNT_BASIC", "TRANSACTIONS"}};
    input.redirect_uris = {true, std::vector<std::string>{"https://acme.example/cb"}};
    auto created = recipients_->Create(PartnerCaller(), input);
    ASSERT_TRUE(created);
    recipient_id_ = created->recipient.client_id;
    recipient_secret_ = std::string(created->client_secret.Expose());
  }

  void TearDown() override {
    router_.reset();
    idempotency_.reset();
    recipients_.reset();
    tokens_.reset();
    access_tokens_.reset();
    store_.reset();
    TempDirTest::TearDown();
  }

  Routed Handle(const Request& req) const {
    return router_->Handle(req, {kRequestId, kPeer, kRequestId});
  }

  admin::Caller PartnerCaller() const { return {partner_id_, partner_id_, "setup", "test"}; }

  Routed PostToken(std::string body, std::string_view content_type = kForm,
                   std::string_view authorization = {}) const {
    Request req = Make(bh::verb::post, "/api/v1/token", std::move(body), content_type);
    if (!authorization.empty()) req.set(bh::field::authorization, authorization);
    return Handle(req);
  }

  std::string TokenFor(const std::string& id, const std::string& secret) const {
    const Routed r =
        PostToken("grant_type=client_credentials&client_id=" + id + "&client_secret=" + secret);
    EXPECT_EQ(r.response.result_int(), 200u) << r.response.body();
    return JsonString(r.response.body(), "access_token");
  }
  std::string PartnerToken() const { return TokenFor(partner_id_, partner_secret_); }

  Routed Admin(bh::verb verb, const std::string& target, const std::string& token,
               std::string body = {}, std::string_view content_type = {}) const {
    Request req = Make(verb, target, std::move(body), content_type);
    req.set(bh::field::authorization, "Bearer " + token);
    return Handle(req);
  }

  // Asserts an RFC 6749 §5.2 error body with `error` and `status`.
  static void ExpectOAuthError(const Routed& r, unsigned status, const std::string& error,
                               std::string_view route = "/api/v1/token") {
    EXPECT_EQ(r.response.result_int(), status) << r.response.body();
    EXPECT_EQ(JsonString(r.response.body(), "error"), error) << r.response.body();
    EXPECT_FALSE(JsonString(r.response.body(), "error_description").empty());
    EXPECT_EQ(HeaderOf(r.response, bh::field::cache_control), "no-store");
    EXPECT_EQ(HeaderOf(r.response, bh::field::pragma), "no-cache");
    EXPECT_EQ(HeaderOf(r.response, bh::field::content_type), "application/json");
    EXPECT_EQ(r.route, route);
  }

  std::string RecipientPath() const { return "/api/v1/recipients/" + recipient_id_; }

  Routed Rotate(const std::string& token, std::string body = {},
                std::string_view content_type = kJson, std::string_view idempotency_key = {},
                const std::string& path = {}) const {
    const std::string_view type = body.empty() ? std::string_view() : content_type;
    Request req = Make(bh::verb::post, (path.empty() ? RecipientPath() : path) + "/secret",
                       std::move(body), type);
    req.set(bh::field::authorization, "Bearer " + token);
    if (!idempotency_key.empty()) req.set("Idempotency-Key", idempotency_key);
    return Handle(req);
  }

  // POST /api/v1/introspect with a form body and the partner's Basic credentials.
  Routed Introspect(const std::string& token, std::string_view authorization = {}) const {
    Request req =
        Make(bh::verb::post, "/api/v1/introspect", token.empty() ? "" : "token=" + token, kForm);
    req.set(bh::field::authorization,
            authorization.empty() ? BasicHeader(partner_id_, partner_secret_) : authorization);
    return Handle(req);
  }
  // POST /api/v1/revoke (RFC 7009) of `token`, authenticated with Basic `id`:`secret`.
  Routed RevokeAs(const std::string& token, const std::string& id,
                  const std::string& secret) const {
    Request req =
        Make(bh::verb::post, "/api/v1/revoke", token.empty() ? "" : "token=" + token, kForm);
    req.set(bh::field::authorization, BasicHeader(id, secret));
    return Handle(req);
  }
  bool IsActive(const std::string& token) const {
    const Routed r = Introspect(token);
    EXPECT_EQ(r.response.result_int(), 200u) << r.response.body();
    return r.response.body() != R"({"active":false})";
  }

  // The token endpoint accepts this id and secret.
  bool Authenticates(const std::string& id, const std::string& secret) const {
    return PostToken("grant_type=client_credentials&client_id=" + id + "&client_secret=" + secret)
               .response.result_int() == 200u;
  }

  static json::object ParseObject(const std::string& body) {
    boost::system::error_code ec;
    json::value value = json::parse(body, ec);
    EXPECT_FALSE(ec) << body;
    EXPECT_TRUE(value.is_object()) << body;
    return value.is_object() ? value.as_object() : json::object();
  }

  ManualClock clock_{kNow};
  crypto::SecretHasher hasher_{Secret(std::string(32, 'k'))};
  oauth::UsageTracker usage_;
  oauth::AuthFailureLimiter limiter_{oauth::AuthFailureLimits{}};
  std::unique_ptr<admin::Idempotency> idempotency_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<oauth::AccessTokens> access_tokens_;
  std::unique_ptr<oauth::TokenService> tokens_;
  std::unique_ptr<admin::RecipientService> recipients_;
  std::unique_ptr<admin::RegistrationService> registrations_;
  std::unique_ptr<Router> router_;
  std::string partner_id_, partner_secret_;
  std::string other_partner_id_, other_partner_secret_;
  std::string recipient_id_, recipient_secret_;
};

TEST(Router, OnlyTokenIntrospectionAndSingleRecipientReadsAreTriedInline) {
  for (auto [verb, target] : {std::pair{bh::verb::post, "/api/v1/token"},
                              {bh::verb::post, "/api/v1/introspect?x=1"},
                              {bh::verb::get, "/api/v1/recipients/dc-abc"}}) {
    EXPECT_TRUE(Router::WorthTryingInline(Make(verb, target))) << target;
  }
  for (auto [verb, target] : {std::pair{bh::verb::get, "/api/v1/recipients"},
                              {bh::verb::get, "/api/v1/recipients/"},
                              {bh::verb::get, "/api/v1/recipientsX/dc-abc"},
                              {bh::verb::put, "/api/v1/recipients/dc-abc"},
                              {bh::verb::post, "/api/v1/recipients/dc-abc/secret"},
                              {bh::verb::get, "/api/v1/recipients/dc-abc/secret"},
                              {bh::verb::get, "/api/v1/audit"},
                              {bh::verb::get, "/api/v1/token"}}) {
    EXPECT_FALSE(Router::WorthTryingInline(Make(verb, target))) << target;
  }
}

TEST_F(RouterTest, UnknownPathIsNotFound) {
  for (const char* target :
       {"/", "/api", "/api/v1", "/api/v1/token/extra", "/api/v1/recipientsX", "/api/v1/recipients/",
        "/api/v1/recipients//secret", "/api/v1/recipients/x/other",
        "/api/v1/recipients/x/secret/extra", "/API/V1/TOKEN", "/healthz/", "*"}) {
    SCOPED_TRACE(target);
    const Routed r = Handle(Make(bh::verb::get, target));
    EXPECT_EQ(r.response.result_int(), 404u);
    EXPECT_EQ(r.response.body(), R"({"message":"Not Found"})");
    EXPECT_EQ(r.route, "unknown");
  }
}

TEST_F(RouterTest, HealthzAnswersOkIgnoringQuery) {
  for (const char* target : {"/healthz", "/healthz?probe=1"}) {
    const Routed r = Handle(Make(bh::verb::get, target));
    EXPECT_EQ(r.response.result_int(), 200u);
    EXPECT_EQ(r.response.body(), R"({"status":"ok"})");
    EXPECT_EQ(r.route, "/healthz");
  }
}

TEST_F(RouterTest, ReadyzAnswersReadyWhileTheDatabaseAnswers) {
  const Routed r = Handle(Make(bh::verb::get, "/readyz"));
  EXPECT_EQ(r.response.result_int(), 200u);
  EXPECT_EQ(r.response.body(), R"({"status":"ready"})");
  EXPECT_EQ(r.route, "/readyz");
}

struct MethodCase {
  bh::verb verb;
  std::string path;
  std::string allow;
  std::string route;
};

TEST_F(RouterTest, WrongMethodIs405WithAllowHeader) {
  const std::string id = "/api/v1/recipients/" + recipient_id_;
  const MethodCase cases[] = {
      {bh::verb::get, "/api/v1/token", "POST", "/api/v1/token"},
      {bh::verb::put, "/api/v1/token", "POST", "/api/v1/token"},
      {bh::verb::delete_, "/api/v1/token", "POST", "/api/v1/token"},
      {bh::verb::post, "/healthz", "GET", "/healthz"},
      {bh::verb::head, "/healthz", "GET", "/healthz"},
      {bh::verb::post, "/readyz", "GET", "/readyz"},
      {bh::verb::put, "/api/v1/recipients", "GET, POST", "/api/v1/recipients"},
      {bh::verb::delete_, "/api/v1/recipients", "GET, POST", "/api/v1/recipients"},
      {bh::verb::patch, "/api/v1/recipients", "GET, POST", "/api/v1/recipients"},
      {bh::verb::post, id, "GET, PUT, DELETE", "/api/v1/recipients/{client_id}"},
      {bh::verb::patch, id, "GET, PUT, DELETE", "/api/v1/recipients/{client_id}"},
      {bh::verb::get, id + "/secret", "POST", "/api/v1/recipients/{client_id}/secret"},
      {bh::verb::put, id + "/secret", "POST", "/api/v1/recipients/{client_id}/secret"},
      {bh::verb::delete_, id + "/secret", "POST", "/api/v1/recipients/{client_id}/secret"},
      {bh::verb::get, id + "/secret/previous", "DELETE",
       "/api/v1/recipients/{client_id}/secret/previous"},
      {bh::verb::post, id + "/secret/previous", "DELETE",
       "/api/v1/recipients/{client_id}/secret/previous"},
      {bh::verb::get, "/api/v1/introspect", "POST", "/api/v1/introspect"},
      {bh::verb::delete_, "/api/v1/introspect", "POST", "/api/v1/introspect"},
      {bh::verb::post, "/api/v1/audit", "GET", "/api/v1/audit"},
      {bh::verb::delete_, "/api/v1/audit", "GET", "/api/v1/audit"},
      {bh::verb::post, "/.well-known/oauth-authorization-server", "GET",
       "/.well-known/oauth-authorization-server"},
      {bh::verb::put, "/.well-known/jwks.json", "GET", "/.well-known/jwks.json"},
      {bh::verb::get, "/api/v1/revoke", "POST, DELETE", "/api/v1/revoke"},
      {bh::verb::post, "/openapi.yaml", "GET", "/openapi.yaml"},
      {bh::verb::put, "/api/v1/revoke", "POST, DELETE", "/api/v1/revoke"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(bh::to_string(c.verb)) + " " + c.path);
    // No token: the method is judged before authentication.
    const Routed r = Handle(Make(c.verb, c.path));
    EXPECT_EQ(r.response.result_int(), 405u);
    EXPECT_EQ(HeaderOf(r.response, bh::field::allow), c.allow);
    EXPECT_EQ(r.route, c.route);
  }
}

TEST(Router, TheOAuthEndpointsSpeakRfc6749ErrorsAndEveryOtherPathTheMessageFormat) {
  for (const char* target : {"/api/v1/token", "/api/v1/token?x=1", "/api/v1/introspect",
                             "/api/v1/revoke", "/api/v1/revoke?token=x"}) {
    EXPECT_EQ(Router::ErrorFormatOf(target), ErrorFormat::kOAuth) << target;
  }
  for (const char* target :
       {"/api/v1/recipients", "/api/v1/recipients/dc-abc", "/api/v1/recipients/dc-abc/secret",
        "/api/v1/providers", "/api/v2/providers?country=CA", "/api/v1/audit", "/healthz",
        "/metrics", "/.well-known/jwks.json", "/openapi.yaml", "/api/v1/token/extra",
        "/api/v1/tokens", "/API/V1/TOKEN", "/", "", "*", "http://x/api/v1/token"}) {
    EXPECT_EQ(Router::ErrorFormatOf(target), ErrorFormat::kMessage) << target;
  }
}

TEST_F(RouterTest, WrongMethodOnTheOAuthEndpointsIsAnOAuthError) {
  for (const auto& [verb, path, allow] : {std::tuple{bh::verb::get, "/api/v1/token", "POST"},
                                          {bh::verb::put, "/api/v1/introspect", "POST"},
                                          {bh::verb::get, "/api/v1/revoke", "POST, DELETE"}}) {
    SCOPED_TRACE(path);
    const Routed r = Handle(Make(verb, path));
    ExpectOAuthError(r, 405, "invalid_request", path);
    EXPECT_EQ(HeaderOf(r.response, bh::field::allow), allow);
    EXPECT_EQ(JsonString(r.response.body(), "error_description"),
              std::string("Method Not Allowed; use ") + allow);
  }
  // The admin API keeps its message.
  const Routed admin = Handle(Make(bh::verb::patch, "/api/v1/recipients"));
  EXPECT_EQ(admin.response.body(), R"({"message":"Method Not Allowed"})");
}

TEST_F(RouterTest, MetadataNamesTheIssuerEndpointsAndWhatTheServerSupports) {
  const Routed r = Handle(Make(bh::verb::get, "/.well-known/oauth-authorization-server"));
  ASSERT_EQ(r.response.result_int(), 200u);
  EXPECT_EQ(r.route, "/.well-known/oauth-authorization-server");
  EXPECT_EQ(HeaderOf(r.response, bh::field::content_type), "application/json");
  EXPECT_EQ(HeaderOf(r.response, bh::field::cache_control), "public, max-age=300");
  const json::object m = json::parse(r.response.body()).as_object();
  const std::string base = kIssuer;
  EXPECT_EQ(m.at("issuer").as_string(), base);
  EXPECT_EQ(m.at("token_endpoint").as_string(), base + "/api/v1/token");
  EXPECT_EQ(m.at("introspection_endpoint").as_string(), base + "/api/v1/introspect");
  EXPECT_EQ(m.at("jwks_uri").as_string(), base + "/.well-known/jwks.json");
  EXPECT_EQ(m.at("authorization_endpoint").as_string(), base + "/api/v1/authorize");
  EXPECT_EQ(m.at("grant_types_supported"),
            (json::array{"client_credentials", "authorization_code", "refresh_token"}));
  EXPECT_EQ(m.at("response_types_supported"), json::array{"code"});
  EXPECT_EQ(m.at("code_challenge_methods_supported"), json::array{"S256"});
  EXPECT_EQ(m.at("authorization_response_iss_parameter_supported"), json::value(true));
  const json::array methods{"client_secret_basic", "client_secret_post"};
  EXPECT_EQ(m.at("token_endpoint_auth_methods_supported"), methods);
  EXPECT_EQ(m.at("introspection_endpoint_auth_methods_supported"), methods);
  EXPECT_EQ(m.at("revocation_endpoint").as_string(), base + "/api/v1/revoke");
  EXPECT_EQ(m.at("revocation_endpoint_auth_methods_supported"), methods);
  const json::array& scopes = m.at("scopes_supported").as_array();
  EXPECT_EQ(scopes.size(), 9u);
  EXPECT_NE(std::find(scopes.begin(), scopes.end(), json::value("client:admin")), scopes.end());
  EXPECT_NE(std::find(scopes.begin(), scopes.end(), json::value("ACCOUNT_BASIC")), scopes.end());
  // PKCE plain is not offered (RFC 9700 §2.1.1).
  EXPECT_EQ(m.at("code_challenge_methods_supported").as_array().size(), 1u);
}

TEST_F(RouterTest, JwksPublishesThePublicKeyThatSignsTokens) {
  const std::string token = PartnerToken();
  const std::string header = *crypto::Base64UrlDecode(token.substr(0, token.find('.')));
  const std::string kid = JsonString(header, "kid");
  ASSERT_FALSE(kid.empty());

  const Routed r = Handle(Make(bh::verb::get, "/.well-known/jwks.json"));
  ASSERT_EQ(r.response.result_int(), 200u);
  EXPECT_EQ(r.route, "/.well-known/jwks.json");
  EXPECT_EQ(HeaderOf(r.response, bh::field::cache_control), "public, max-age=300");
  const json::array keys = json::parse(r.response.body()).at("keys").as_array();
  ASSERT_EQ(keys.size(), 1u);
  const json::object& jwk = keys[0].as_object();
  EXPECT_EQ(jwk.at("kid").as_string(), kid);
  EXPECT_EQ(jwk.at("kty"), "EC");
  EXPECT_EQ(jwk.at("crv"), "P-256");
  EXPECT_EQ(jwk.at("alg"), "ES256");
  EXPECT_EQ(jwk.at("use"), "sig");
  EXPECT_EQ(json::value_to<std::string>(jwk.at("x")).size(), 43u);
  EXPECT_EQ(json::value_to<std::string>(jwk.at("y")).size(), 43u);
  EXPECT_FALSE(jwk.contains("d")) << "the private key is published";
  EXPECT_EQ(jwk.size(), 7u);
}

TEST_F(RouterTest, ApiDescriptionIsServedAsYaml) {
  const Routed r = Handle(Make(bh::verb::get, "/openapi.yaml"));
  ASSERT_EQ(r.response.result_int(), 200u);
  EXPECT_EQ(r.route, "/openapi.yaml");
  EXPECT_EQ(HeaderOf(r.response, bh::field::content_type), "application/yaml");
  EXPECT_EQ(HeaderOf(r.response, bh::field::cache_control), "public, max-age=300");
  EXPECT_TRUE(r.constant_body.starts_with("openapi: 3.0")) << r.constant_body.substr(0, 40);
  EXPECT_NE(r.constant_body.find("operationId: regenerateDataRecipientSecret"), std::string::npos);
  EXPECT_EQ(r.response.body(), "") << "the document is served from where it is embedded";
  EXPECT_TRUE(Router::WorthTryingInline(Make(bh::verb::get, "/openapi.yaml")));
}

TEST_F(RouterTest, WellKnownDocumentsAreAnsweredInline) {
  EXPECT_TRUE(Router::WorthTryingInline(Make(bh::verb::get, "/.well-known/jwks.json")));
  EXPECT_TRUE(
      Router::WorthTryingInline(Make(bh::verb::get, "/.well-known/oauth-authorization-server")));
}

TEST_F(RouterTest, AdminRoutesWithoutTokenAre401) {
  const std::pair<bh::verb, std::string> routes[] = {
      {bh::verb::get, "/api/v1/recipients"},
      {bh::verb::post, "/api/v1/recipients"},
      {bh::verb::get, RecipientPath()},
      {bh::verb::put, RecipientPath()},
      {bh::verb::post, RecipientPath() + "/secret"},
      {bh::verb::delete_, RecipientPath()},
      {bh::verb::delete_, RecipientPath() + "/secret/previous"},
      {bh::verb::get, "/api/v1/audit"},
  };
  for (const auto& [verb, path] : routes) {
    SCOPED_TRACE(path);
    const Routed r = Handle(Make(verb, path, "{}", kJson));
    EXPECT_EQ(r.response.result_int(), 401u);
    // RFC 6750 §3.1: no error code when no credentials were sent.
    EXPECT_EQ(HeaderOf(r.response, bh::field::www_authenticate), R"(Bearer realm="obauth")");
    EXPECT_EQ(JsonString(r.response.body(), "message"),
              "Invalid Bearer Token: none was sent; get one from POST /api/v1/token and send it "
              "as Authorization: Bearer TOKEN");
  }
  // Nothing was changed by the unauthenticated requests.
  auto list = recipients_->List(PartnerCaller(), {std::nullopt, 10});
  ASSERT_TRUE(list);
  EXPECT_EQ(list->items.size(), 1u);
  EXPECT_TRUE(Authenticates(recipient_id_, recipient_secret_));
}

TEST_F(RouterTest, MalformedOrForeignTokensAre401) {
  const std::string token = PartnerToken();
  ASSERT_FALSE(token.empty());
  const char* authorizations[] = {
      "Bearer", "Bearer ", "Bearer garbage", "Bearer a.b.c", "Basic dXNlcjpwYXNz", "Token abc"};
  for (const char* authorization : authorizations) {
    SCOPED_TRACE(authorization);
    Request req = Make(bh::verb::get, "/api/v1/recipients");
    req.set(bh::field::authorization, authorization);
    EXPECT_EQ(Handle(req).response.result_int(), 401u);
  }
  // What each refusal tells the caller: the body keeps the seed's message for a token that was
  // sent; the challenge says what was wrong with it.
  const std::pair<std::string, std::string> cases[] = {
      {"Bearer garbage",
       R"(Bearer realm="obauth", error="invalid_token", error_description="the access token is malformed")"},
      {"Bearer " + token + "x",
       R"(Bearer realm="obauth", error="invalid_token", error_description="the access token was not issued by this server")"},
      {"Bearer", R"(Bearer realm="obauth")"},
      {"Basic dXNlcjpwYXNz", R"(Bearer realm="obauth")"},
  };
  for (const auto& [authorization, challenge] : cases) {
    SCOPED_TRACE(authorization);
    Request req = Make(bh::verb::get, "/api/v1/recipients");
    req.set(bh::field::authorization, authorization);
    const Routed r = Handle(req);
    EXPECT_EQ(HeaderOf(r.response, bh::field::www_authenticate), challenge);
  }
  Request basic = Make(bh::verb::get, "/api/v1/recipients");
  basic.set(bh::field::authorization, BasicHeader(partner_id_, partner_secret_));
  EXPECT_EQ(JsonString(Handle(basic).response.body(), "message"),
            "Invalid Bearer Token: this endpoint takes a bearer token from POST /api/v1/token "
            "(Authorization: Bearer TOKEN), not Basic credentials");
  Request garbage = Make(bh::verb::get, "/api/v1/recipients");
  garbage.set(bh::field::authorization, "Bearer garbage");
  EXPECT_EQ(Handle(garbage).response.body(), R"({"message":"Invalid Bearer Token"})");
  // A token from another server (another key) is rejected.
  auto other_key = crypto::SigningKey::Generate();
  ASSERT_TRUE(other_key);
  const oauth::AccessTokens other(std::move(*other_key), kIssuer);
  oauth::AccessTokenClaims claims{
      kIssuer, partner_id_, partner_id_, "client:admin", "j", kNow, kNow + 60, 0, 0, ""};
  auto forged = other.Sign(claims);
  ASSERT_TRUE(forged);
  EXPECT_EQ(Admin(bh::verb::get, "/api/v1/recipients", *forged).response.result_int(), 401u);
}

TEST_F(RouterTest, ExpiredTokenIs401) {
  const std::string token = PartnerToken();
  clock_.Advance(kTtl - 1);
  EXPECT_EQ(Admin(bh::verb::get, "/api/v1/recipients", token).response.result_int(), 200u);
  clock_.Advance(1);
  const Routed r = Admin(bh::verb::get, "/api/v1/recipients", token);
  EXPECT_EQ(r.response.result_int(), 401u);
  EXPECT_NE(r.note.find("expired"), std::string::npos) << r.note;
  EXPECT_EQ(
      HeaderOf(r.response, bh::field::www_authenticate),
      R"(Bearer realm="obauth", error="invalid_token", error_description="the access token expired; get a new one from POST /api/v1/token")");
  EXPECT_EQ(r.response.body(), R"({"message":"Invalid Bearer Token"})");
}

TEST_F(RouterTest, RecipientTokenIs403InsufficientScope) {
  const std::string token = TokenFor(recipient_id_, recipient_secret_);
  ASSERT_FALSE(token.empty());
  const Routed r = Admin(bh::verb::get, "/api/v1/recipients", token);
  EXPECT_EQ(r.response.result_int(), 403u);
  EXPECT_EQ(HeaderOf(r.response, bh::field::www_authenticate),
            R"(Bearer realm="obauth", error="insufficient_scope", scope="client:admin")");
  // The recipient cannot rotate its own secret either.
  EXPECT_EQ(Admin(bh::verb::post, RecipientPath() + "/secret", token).response.result_int(), 403u);
}

TEST_F(RouterTest, ListPagesCarryALinkToTheNextAndRefuseUnknownParameters) {
  const std::string token = PartnerToken();
  admin::RecipientInput input;
  input.name = {true, std::string("Second")};
  input.scope = {true, std::vector<std::string>{"ACCOUNT_BASIC"}};
  input.redirect_uris = {true, std::vector<std::string>{"https://s.example/cb"}};
  ASSERT_TRUE(recipients_->Create(PartnerCaller(), input));
  const Routed first = Admin(bh::verb::get, "/api/v1/recipients?limit=1", token);
  EXPECT_EQ(first.response.result_int(), 200u);
  const std::string link = HeaderOf(first.response, bh::field::link);
  ASSERT_EQ(link.rfind("</api/v1/recipients?limit=1&after=", 0), 0u) << link;
  EXPECT_EQ(link.substr(link.size() - 13), ">; rel=\"next\"");
  const std::string next = link.substr(1, link.find('>') - 1);
  const Routed second = Admin(bh::verb::get, next, token);
  EXPECT_EQ(HeaderOf(second.response, bh::field::link), "");
  EXPECT_EQ(JsonString(second.response.body().substr(1, second.response.body().size() - 2), "name"),
            "Second");
  const Routed unknown = Admin(bh::verb::get, "/api/v1/recipients?page=2", token);
  EXPECT_EQ(unknown.response.result_int(), 400u);
  EXPECT_EQ(JsonString(unknown.response.body(), "message"),
            "Unknown query parameter: this list takes limit, after");
}

TEST_F(RouterTest, TheWholeListComesInPiecesOnceItIsLong) {
  const std::string token = PartnerToken();
  admin::RecipientInput input;
  input.name = {true, std::string("Many")};
  input.scope = {true, std::vector<std::string>{"ACCOUNT_BASIC"}};
  input.redirect_uris = {true, std::vector<std::string>{"https://m.example/cb"}};
  for (int i = 0; i < 1200; ++i) ASSERT_TRUE(recipients_->Create(PartnerCaller(), input));
  const Routed r = Admin(bh::verb::get, "/api/v1/recipients", token);
  EXPECT_EQ(r.response.result_int(), 200u);
  ASSERT_NE(r.stream, nullptr);
  std::string body = r.response.body();
  int pieces = 1;
  while (true) {
    auto piece = r.stream->Next();
    ASSERT_TRUE(piece);
    if (!*piece) break;
    EXPECT_FALSE((*piece)->empty());
    body += **piece;
    ++pieces;
  }
  EXPECT_EQ(pieces, 3);  // 500, 500, 201
  const auto parsed = boost::json::parse(body);
  ASSERT_TRUE(parsed.is_array());
  EXPECT_EQ(parsed.as_array().size(), 1201u);
}

TEST_F(RouterTest, FlinksAuthKeyHeaderCarriesTheToken) {
  const std::string token = PartnerToken();
  for (const std::string& value : {token, "Bearer " + token, "  " + token + " "}) {
    Request req = Make(bh::verb::get, "/api/v1/recipients");
    req.set("flinks-auth-key", value);
    EXPECT_EQ(Handle(req).response.result_int(), 200u) << value;
  }
  // Both headers must agree.
  Request same = Make(bh::verb::get, "/api/v1/recipients");
  same.set(bh::field::authorization, "Bearer " + token);
  same.set("flinks-auth-key", token);
  EXPECT_EQ(Handle(same).response.result_int(), 200u);
  Request different = Make(bh::verb::get, "/api/v1/recipients");
  different.set(bh::field::authorization, "Bearer " + token);
  different.set("flinks-auth-key", "something-else");
  EXPECT_EQ(Handle(different).response.result_int(), 401u);
}

// ---- The token endpoint -------------------------------------------------------------------

TEST_F(RouterTest, TokenViaPostBodyHasNoStoreHeaders) {
  const Routed r = PostToken("grant_type=client_credentials&client_id=" + partner_id_ +
                             "&client_secret=" + partner_secret_);
  ASSERT_EQ(r.response.result_int(), 200u) << r.response.body();
  EXPECT_EQ(HeaderOf(r.response, bh::field::cache_control), "no-store");
  EXPECT_EQ(HeaderOf(r.response, bh::field::pragma), "no-cache");
  EXPECT_EQ(HeaderOf(r.response, bh::field::content_type), "application/json");
  const std::string& body = r.response.body();
  EXPECT_EQ(JsonString(body, "token_type"), "Bearer");
  EXPECT_EQ(JsonString(body, "scope"), "client:admin");
  EXPECT_NE(body.find(R"("expires_in":300)"), std::string::npos) << body;
  auto claims = access_tokens_->Verify(JsonString(body, "access_token"), kNow);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->subject, partner_id_);
  EXPECT_EQ(r.route, "/api/v1/token");
  // The log note names the client, never the secret.
  EXPECT_NE(r.note.find(partner_id_), std::string::npos);
  EXPECT_EQ(r.note.find(partner_secret_), std::string::npos);
}

TEST_F(RouterTest, TokenViaBasic) {
  const Routed r = PostToken("grant_type=client_credentials&scope=ACCOUNT_BASIC", kForm,
                             BasicHeader(recipient_id_, recipient_secret_));
  ASSERT_EQ(r.response.result_int(), 200u) << r.response.body();
  EXPECT_EQ(JsonString(r.response.body(), "scope"), "ACCOUNT_BASIC");
  EXPECT_EQ(HeaderOf(r.response, bh::field::pragma), "no-cache");
}

TEST_F(RouterTest, TokenViaJsonBody) {
  const Routed r = PostToken(R"({"grant_type":"client_credentials","client_id":")" + partner_id_ +
                                 R"(","client_secret":")" + partner_secret_ + R"("})",
                             "Application/JSON; charset=utf-8");
  ASSERT_EQ(r.response.result_int(), 200u) << r.response.body();
  EXPECT_EQ(JsonString(r.response.body(), "scope"), "client:admin");
}

TEST_F(RouterTest, TokenFormContentTypeIsCaseInsensitiveWithParameters) {
  const Routed r = PostToken("grant_type=client_credentials&client_id=" + partner_id_ +
                                 "&client_secret=" + partner_secret_,
                             " Application/X-WWW-Form-Urlencoded ; charset=UTF-8");
  EXPECT_EQ(r.response.result_int(), 200u) << r.response.body();
}

TEST_F(RouterTest, TokenIgnoresUnknownParametersAndQuery) {
  Request req = Make(bh::verb::post, "/api/v1/token?grant_type=password",
                     "grant_type=client_credentials&client_id=" + partner_id_ +
                         "&client_secret=" + partner_secret_ + "&foo=1&foo=2&audience",
                     kForm);
  EXPECT_EQ(Handle(req).response.result_int(), 200u);
}

TEST_F(RouterTest, TokenMissingGrantTypeIsInvalidRequest) {
  ExpectOAuthError(PostToken("client_id=" + partner_id_ + "&client_secret=" + partner_secret_), 400,
                   "invalid_request");
  // A parameter without a value counts as absent (RFC 6749 §3.1).
  ExpectOAuthError(
      PostToken("grant_type=&client_id=" + partner_id_ + "&client_secret=" + partner_secret_), 400,
      "invalid_request");
  ExpectOAuthError(PostToken(""), 400, "invalid_request");
}

TEST_F(RouterTest, TokenWithBothAuthenticationMethodsIsInvalidRequest) {
  ExpectOAuthError(PostToken("grant_type=client_credentials&client_id=" + partner_id_ +
                                 "&client_secret=" + partner_secret_,
                             kForm, BasicHeader(partner_id_, partner_secret_)),
                   400, "invalid_request");
}

TEST_F(RouterTest, TokenWithRepeatedParameterIsInvalidRequest) {
  for (const std::string& body :
       {"grant_type=client_credentials&grant_type=client_credentials&client_id=" + partner_id_ +
            "&client_secret=" + partner_secret_,
        "grant_type=client_credentials&client_id=" + partner_id_ + "&client_id=" + partner_id_ +
            "&client_secret=" + partner_secret_,
        "grant_type=client_credentials&scope=a&scope=&client_id=" + partner_id_ +
            "&client_secret=" + partner_secret_}) {
    SCOPED_TRACE(body);
    ExpectOAuthError(PostToken(body), 400, "invalid_request");
  }
}

TEST_F(RouterTest, TokenWithBadContentTypeIsInvalidRequest) {
  const std::string body = "grant_type=client_credentials&client_id=" + partner_id_ +
                           "&client_secret=" + partner_secret_;
  for (const char* content_type : {"text/plain", "multipart/form-data", "application/xml"}) {
    SCOPED_TRACE(content_type);
    ExpectOAuthError(PostToken(body, content_type), 400, "invalid_request");
  }
  ExpectOAuthError(Handle(Make(bh::verb::post, "/api/v1/token", body)), 400, "invalid_request");
}

TEST_F(RouterTest, TokenWithMalformedBodyIsInvalidRequest) {
  ExpectOAuthError(PostToken("grant_type=client%ZZcredentials"), 400, "invalid_request");
  ExpectOAuthError(PostToken("{not json", kJson), 400, "invalid_request");
  ExpectOAuthError(PostToken(R"({"grant_type":1})", kJson), 400, "invalid_request");
}

TEST_F(RouterTest, TokenBadCredentialsViaPostIs400InvalidClient) {
  for (const std::string& body :
       {"grant_type=client_credentials&client_id=" + partner_id_ + "&client_secret=wrong",
        "grant_type=client_credentials&client_id=pt-nobody&client_secret=" + partner_secret_,
        "grant_type=client_credentials&client_id=" + partner_id_,
        std::string("grant_type=client_credentials")}) {
    SCOPED_TRACE(body);
    const Routed r = PostToken(body);
    ExpectOAuthError(r, 400, "invalid_client");
    EXPECT_EQ(JsonString(r.response.body(), "error_description"), "Client authentication failed");
    EXPECT_EQ(HeaderOf(r.response, bh::field::www_authenticate), "");
  }
}

TEST_F(RouterTest, TokenBadCredentialsViaBasicIs401WithChallenge) {
  for (const std::string& authorization :
       {BasicHeader(partner_id_, "wrong"), BasicHeader("pt-nobody", partner_secret_),
        std::string("Basic !!!!"), std::string("Basic ") + Base64("no-colon"),
        std::string("basic ") + Base64(":empty-user")}) {
    SCOPED_TRACE(authorization);
    const Routed r = PostToken("grant_type=client_credentials", kForm, authorization);
    ExpectOAuthError(r, 401, "invalid_client");
    EXPECT_EQ(HeaderOf(r.response, bh::field::www_authenticate), R"(Basic realm="obauth")");
    EXPECT_EQ(JsonString(r.response.body(), "error_description"), "Client authentication failed");
  }
}

TEST_F(RouterTest, TokenBasicCredentialsAreFormDecoded) {
  // RFC 6749 §2.3.1: id and secret are form-encoded before base64, so a client may escape any
  // character. Escape every character of both.
  auto escape_all = [](std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
    return out;
  };
  const Routed r = PostToken("grant_type=client_credentials", kForm,
                             BasicHeader(escape_all(recipient_id_), escape_all(recipient_secret_)));
  EXPECT_EQ(r.response.result_int(), 200u) << r.response.body();
}

TEST_F(RouterTest, TokenUnknownGrantTypeIsUnsupportedGrantType) {
  ExpectOAuthError(PostToken("grant_type=password&client_id=" + partner_id_ +
                             "&client_secret=" + partner_secret_),
                   400, "unsupported_grant_type");
}

TEST_F(RouterTest, PartnerAskingAuthorizationCodeIsUnauthorizedClient) {
  ExpectOAuthError(PostToken("grant_type=authorization_code&code=x&client_id=" + partner_id_ +
                             "&client_secret=" + partner_secret_),
                   400, "unauthorized_client");
}

TEST_F(RouterTest, TokenScopeNotAllowedIsInvalidScope) {
  ExpectOAuthError(PostToken("grant_type=client_credentials&scope=ACCOUNT_BASIC&client_id=" +
                             partner_id_ + "&client_secret=" + partner_secret_),
                   400, "invalid_scope");
  ExpectOAuthError(PostToken("grant_type=client_credentials&scope=client%3Aadmin", kForm,
                             BasicHeader(recipient_id_, recipient_secret_)),
                   400, "invalid_scope");
}

// ---- The admin API ------------------------------------------------------------------------

TEST_F(RouterTest, PartnerCreatesListsReadsAndUpdatesRecipients) {
  const std::string token = PartnerToken();
  const Routed created = Admin(bh::verb::post, "/api/v1/recipients", token,
                               R"({"name":"Budget App","scope":"ACCOUNT_BASIC STATEMENTS",)"
                               R"("redirect_uris":"https://budget.example/cb","country":"US"})",
                               kJson);
  ASSERT_EQ(created.response.result_int(), 200u) << created.response.body();
  EXPECT_EQ(HeaderOf(created.response, bh::field::cache_control), "no-store");
  const std::string id = JsonString(created.response.body(), "client_id");
  EXPECT_TRUE(admin::IsRecipientId(id)) << id;
  EXPECT_EQ(JsonString(created.response.body(), "client_secret").size(), 43u);
  EXPECT_EQ(JsonString(created.response.body(), "scope"), "ACCOUNT_BASIC STATEMENTS");

  const Routed list = Admin(bh::verb::get, "/api/v1/recipients", token);
  ASSERT_EQ(list.response.result_int(), 200u);
  EXPECT_NE(list.response.body().find(recipient_id_), std::string::npos);
  EXPECT_NE(list.response.body().find(id), std::string::npos);
  EXPECT_EQ(list.response.body().find("client_secret"), std::string::npos);

  const Routed got = Admin(bh::verb::get, "/api/v1/recipients/" + id, token);
  ASSERT_EQ(got.response.result_int(), 200u);
  EXPECT_EQ(JsonString(got.response.body(), "name"), "Budget App");
  EXPECT_EQ(got.response.body().find("client_secret"), std::string::npos);
  EXPECT_EQ(got.route, "/api/v1/recipients/{client_id}");

  const Routed updated = Admin(bh::verb::put, "/api/v1/recipients/" + id, token,
                               R"({"client_id":")" + id + R"(","name":"Renamed"})", kJson);
  ASSERT_EQ(updated.response.result_int(), 200u) << updated.response.body();
  EXPECT_EQ(JsonString(updated.response.body(), "name"), "Renamed");
  EXPECT_EQ(JsonString(updated.response.body(), "country"), "US");
}

TEST_F(RouterTest, RecipientBodyErrors) {
  const std::string token = PartnerToken();
  const Routed wrong_type =
      Admin(bh::verb::post, "/api/v1/recipients", token, R"({"name":"x"})", "text/plain");
  EXPECT_EQ(wrong_type.response.result_int(), 415u);
  const Routed no_type = Admin(bh::verb::post, "/api/v1/recipients", token, R"({"name":"x"})");
  EXPECT_EQ(no_type.response.result_int(), 415u);
  const Routed unknown =
      Admin(bh::verb::post, "/api/v1/recipients", token, R"({"nmae":"x"})", kJson);
  EXPECT_EQ(unknown.response.result_int(), 400u);
  const Routed invalid = Admin(bh::verb::post, "/api/v1/recipients", token,
                               R"({"name":"x","scope":"TRANSACTIONS","redirect_uris":)"
                               R"("https://a.example/cb"})",
                               kJson);
  EXPECT_EQ(invalid.response.result_int(), 400u);
  EXPECT_NE(JsonString(invalid.response.body(), "message").find("'scope'"), std::string::npos)
      << invalid.response.body();
  const Routed put_other_id =
      Admin(bh::verb::put, RecipientPath(), token,
            R"({"client_id":"dc-aaaaaaaaaaaaaaaaaaaaaaaaa","name":"x"})", kJson);
  EXPECT_EQ(put_other_id.response.result_int(), 400u);
}

TEST_F(RouterTest, AnotherPartnersRecipientIs404OnEveryRoute) {
  const std::string token = TokenFor(other_partner_id_, other_partner_secret_);
  EXPECT_EQ(Admin(bh::verb::get, RecipientPath(), token).response.result_int(), 404u);
  EXPECT_EQ(Admin(bh::verb::put, RecipientPath(), token, R"({"name":"Hijacked"})", kJson)
                .response.result_int(),
            404u);
  EXPECT_EQ(Admin(bh::verb::post, RecipientPath() + "/secret", token).response.result_int(), 404u);
  EXPECT_EQ(
      Admin(bh::verb::delete_, RecipientPath() + "/secret/previous", token).response.result_int(),
      404u);
  EXPECT_EQ(Admin(bh::verb::delete_, RecipientPath(), token).response.result_int(), 404u);
  const Routed list = Admin(bh::verb::get, "/api/v1/recipients", token);
  ASSERT_EQ(list.response.result_int(), 200u);
  EXPECT_EQ(list.response.body(), "[]");
  // The owner's recipient and secret are untouched.
  auto stored = recipients_->Get(PartnerCaller(), recipient_id_);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->name, "Acme");
  EXPECT_FALSE(TokenFor(recipient_id_, recipient_secret_).empty());
}

TEST_F(RouterTest, SecretRotationTakesEffectAtOnce) {
  const std::string token = PartnerToken();
  const Routed rotated = Admin(bh::verb::post, RecipientPath() + "/secret", token);
  ASSERT_EQ(rotated.response.result_int(), 200u) << rotated.response.body();
  EXPECT_EQ(JsonString(rotated.response.body(), "client_id"), recipient_id_);
  const std::string new_secret = JsonString(rotated.response.body(), "client_secret");
  ASSERT_EQ(new_secret.size(), 43u);

  ExpectOAuthError(PostToken("grant_type=client_credentials&client_id=" + recipient_id_ +
                             "&client_secret=" + recipient_secret_),
                   400, "invalid_client");
  EXPECT_FALSE(TokenFor(recipient_id_, new_secret).empty());
}

TEST_F(RouterTest, EveryResponseIsJsonAndNoStore) {
  const Routed responses[] = {
      Handle(Make(bh::verb::get, "/nowhere")),
      Handle(Make(bh::verb::get, "/api/v1/token")),
      Handle(Make(bh::verb::get, "/api/v1/recipients")),
      PostToken("grant_type=client_credentials"),
  };
  for (const auto& r : responses) {
    EXPECT_EQ(HeaderOf(r.response, bh::field::content_type), "application/json");
    EXPECT_EQ(HeaderOf(r.response, bh::field::cache_control), "no-store");
  }
}

TEST_F(RouterTest, TokenJsonEmptyValuesCountAsAbsent) {
  // RFC 6749 §3.1, as on the form path: empty client_id/client_secret do not count as a second
  // authentication method next to Basic, and an empty scope asks for the default scopes.
  const Routed r = PostToken(R"({"grant_type":"client_credentials","client_id":"",)"
                             R"("client_secret":"","scope":""})",
                             kJson, BasicHeader(recipient_id_, recipient_secret_));
  ASSERT_EQ(r.response.result_int(), 200u) << r.response.body();
  EXPECT_EQ(JsonString(r.response.body(), "scope"), "ACCOUNT_BASIC TRANSACTIONS");
  ExpectOAuthError(PostToken(R"({"grant_type":"","client_id":")" + partner_id_ +
                                 R"(","client_secret":")" + partner_secret_ + R"("})",
                             kJson),
                   400, "invalid_request");
}

TEST_F(RouterTest, TokenJsonRepeatedParameterIsInvalidRequest) {
  ExpectOAuthError(PostToken(R"({"grant_type":"client_credentials","grant_type":"x"})", kJson,
                             BasicHeader(partner_id_, partner_secret_)),
                   400, "invalid_request");
}

// ---- Retirement ---------------------------------------------------------------------------------

TEST_F(RouterTest, DeleteRecipientIs204ThenItIsGone) {
  const std::string token = PartnerToken();
  const std::string recipient_token = TokenFor(recipient_id_, recipient_secret_);
  ASSERT_TRUE(IsActive(recipient_token));

  const Routed deleted = Admin(bh::verb::delete_, RecipientPath(), token);
  EXPECT_EQ(deleted.response.result_int(), 204u) << deleted.response.body();
  EXPECT_TRUE(deleted.response.body().empty());
  EXPECT_EQ(HeaderOf(deleted.response, bh::field::cache_control), "no-store");
  EXPECT_EQ(deleted.route, "/api/v1/recipients/{client_id}");

  EXPECT_EQ(Admin(bh::verb::get, RecipientPath(), token).response.result_int(), 404u);
  const Routed list = Admin(bh::verb::get, "/api/v1/recipients", token);
  ASSERT_EQ(list.response.result_int(), 200u);
  EXPECT_EQ(list.response.body(), "[]");
  EXPECT_EQ(Admin(bh::verb::delete_, RecipientPath(), token).response.result_int(), 404u);
  EXPECT_EQ(Rotate(token).response.result_int(), 404u);
  // Its secret stops working and its tokens become inactive.
  EXPECT_FALSE(Authenticates(recipient_id_, recipient_secret_));
  EXPECT_FALSE(IsActive(recipient_token));
  // The partner's own token is unaffected.
  EXPECT_EQ(Admin(bh::verb::get, "/api/v1/recipients", token).response.result_int(), 200u);
}

// ---- Rotation with a grace period ---------------------------------------------------------------

TEST_F(RouterTest, RotationWithGraceKeepsTheOldSecretUntilPreviousIsDeleted) {
  const std::string token = PartnerToken();
  const Routed rotated = Rotate(token, R"({"previous_secret_expires_in":600})");
  ASSERT_EQ(rotated.response.result_int(), 200u) << rotated.response.body();
  const std::string new_secret = JsonString(rotated.response.body(), "client_secret");
  EXPECT_EQ(JsonString(rotated.response.body(), "previous_secret_expires_at"),
            FormatRfc3339(kNow + 600));
  EXPECT_TRUE(Authenticates(recipient_id_, recipient_secret_));
  EXPECT_TRUE(Authenticates(recipient_id_, new_secret));

  const Routed details = Admin(bh::verb::get, RecipientPath(), token);
  EXPECT_EQ(JsonString(details.response.body(), "previous_secret_expires_at"),
            FormatRfc3339(kNow + 600));

  // A second rotation must wait for the grace period to end.
  const Routed conflict = Rotate(token);
  EXPECT_EQ(conflict.response.result_int(), 409u) << conflict.response.body();
  EXPECT_NE(JsonString(conflict.response.body(), "message").find("/secret/previous"),
            std::string::npos);
  EXPECT_TRUE(Authenticates(recipient_id_, new_secret));

  const Routed ended = Admin(bh::verb::delete_, RecipientPath() + "/secret/previous", token);
  EXPECT_EQ(ended.response.result_int(), 204u) << ended.response.body();
  EXPECT_TRUE(ended.response.body().empty());
  EXPECT_EQ(ended.route, "/api/v1/recipients/{client_id}/secret/previous");
  EXPECT_FALSE(Authenticates(recipient_id_, recipient_secret_));
  EXPECT_TRUE(Authenticates(recipient_id_, new_secret));
  // Nothing left to end: still 204.
  EXPECT_EQ(
      Admin(bh::verb::delete_, RecipientPath() + "/secret/previous", token).response.result_int(),
      204u);
  EXPECT_EQ(Rotate(token).response.result_int(), 200u);
}

TEST_F(RouterTest, PreviousSecretStopsWorkingWhenGraceExpires) {
  const std::string token = PartnerToken();
  const Routed rotated = Rotate(token, R"({"previous_secret_expires_in":60})");
  ASSERT_EQ(rotated.response.result_int(), 200u);
  clock_.Advance(59);
  EXPECT_TRUE(Authenticates(recipient_id_, recipient_secret_));
  clock_.Advance(1);
  EXPECT_FALSE(Authenticates(recipient_id_, recipient_secret_));
  EXPECT_TRUE(Authenticates(recipient_id_, JsonString(rotated.response.body(), "client_secret")));
}

TEST_F(RouterTest, ServerDefaultGraceAppliesWhenTheBodyDoesNotSetIt) {
  const Router with_default(Services{*tokens_, *recipients_, *registrations_, *idempotency_,
                                     *store_, admin::RotateOptions{600, false}});
  const std::string token = PartnerToken();
  auto rotate = [&](std::string body) {
    Request req = Make(bh::verb::post, RecipientPath() + "/secret", body,
                       body.empty() ? std::string_view() : kJson);
    req.set(bh::field::authorization, "Bearer " + token);
    return with_default.Handle(req, {kRequestId, kPeer, kRequestId});
  };
  const Routed no_body = rotate("");
  ASSERT_EQ(no_body.response.result_int(), 200u) << no_body.response.body();
  EXPECT_EQ(JsonString(no_body.response.body(), "previous_secret_expires_at"),
            FormatRfc3339(kNow + 600));
  ASSERT_EQ(
      Admin(bh::verb::delete_, RecipientPath() + "/secret/previous", token).response.result_int(),
      204u);
  const Routed other_option = rotate(R"({"revoke_tokens":true})");
  ASSERT_EQ(other_option.response.result_int(), 200u) << other_option.response.body();
  EXPECT_EQ(JsonString(other_option.response.body(), "previous_secret_expires_at"),
            FormatRfc3339(kNow + 600));
  ASSERT_EQ(
      Admin(bh::verb::delete_, RecipientPath() + "/secret/previous", token).response.result_int(),
      204u);
  const Routed explicit_zero = rotate(R"({"previous_secret_expires_in":0})");
  ASSERT_EQ(explicit_zero.response.result_int(), 200u) << explicit_zero.response.body();
  EXPECT_EQ(explicit_zero.response.body().find("previous_secret_expires_at"), std::string::npos);
}

TEST_F(RouterTest, RotationBodyErrors) {
  const std::string token = PartnerToken();
  const std::pair<std::string, unsigned> cases[] = {
      {R"({"previous_secret_expires_in":604801})", 400},
      {R"({"previous_secret_expires_in":-1})", 400},
      {R"({"previous_secret_expires_in":"600"})", 400},
      {R"({"revoke_tokens":"yes"})", 400},
      {R"({"unknown":1})", 400},
      {"{not json", 400},
      {"[]", 400},
  };
  for (const auto& [body, status] : cases) {
    SCOPED_TRACE(body);
    const Routed r = Rotate(token, body);
    EXPECT_EQ(r.response.result_int(), status) << r.response.body();
    EXPECT_FALSE(JsonString(r.response.body(), "message").empty());
  }
  EXPECT_TRUE(Authenticates(recipient_id_, recipient_secret_));
  EXPECT_EQ(Rotate(token, R"({"previous_secret_expires_in":604800})").response.result_int(), 200u);
}

TEST_F(RouterTest, RotationWithABodyButNotJsonIs415) {
  const std::string token = PartnerToken();
  for (const std::string_view type : {"text/plain", "application/x-www-form-urlencoded", ""}) {
    SCOPED_TRACE(type);
    Request req = Make(bh::verb::post, RecipientPath() + "/secret",
                       R"({"previous_secret_expires_in":600})", type);
    req.set(bh::field::authorization, "Bearer " + token);
    const Routed r = Handle(req);
    EXPECT_EQ(r.response.result_int(), 415u) << r.response.body();
  }
  EXPECT_TRUE(Authenticates(recipient_id_, recipient_secret_));
  // A blank body is no body, whatever its type.
  Request blank = Make(bh::verb::post, RecipientPath() + "/secret", " \r\n", "text/plain");
  blank.set(bh::field::authorization, "Bearer " + token);
  EXPECT_EQ(Handle(blank).response.result_int(), 200u);
}

TEST_F(RouterTest, RevokeTokensMakesEarlierTokensInactive) {
  const std::string token = PartnerToken();
  const std::string before = TokenFor(recipient_id_, recipient_secret_);
  clock_.Advance(1);
  const Routed rotated = Rotate(token, R"({"revoke_tokens":true})");
  ASSERT_EQ(rotated.response.result_int(), 200u) << rotated.response.body();
  EXPECT_FALSE(IsActive(before));
  const std::string after =
      TokenFor(recipient_id_, JsonString(rotated.response.body(), "client_secret"));
  EXPECT_TRUE(IsActive(after));
}

// ---- Introspection ------------------------------------------------------------------------------

TEST_F(RouterTest, IntrospectionByFormWithBasicShowsRfc7662Fields) {
  const std::string recipient_token = TokenFor(recipient_id_, recipient_secret_);
  const Routed r = Introspect(recipient_token);
  ASSERT_EQ(r.response.result_int(), 200u) << r.response.body();
  EXPECT_EQ(r.route, "/api/v1/introspect");
  EXPECT_EQ(HeaderOf(r.response, bh::field::cache_control), "no-store");
  const json::object body = ParseObject(r.response.body());
  EXPECT_EQ(body.at("active"), json::value(true));
  EXPECT_EQ(body.at("client_id").as_string(), recipient_id_);
  EXPECT_EQ(body.at("sub").as_string(), recipient_id_);
  EXPECT_EQ(body.at("scope").as_string(), "ACCOUNT_BASIC TRANSACTIONS");
  EXPECT_EQ(body.at("exp").as_int64(), kNow + kTtl);
  EXPECT_EQ(body.at("iat").as_int64(), kNow);
  EXPECT_EQ(body.at("iss").as_string(), kIssuer);
  EXPECT_EQ(body.at("token_type").as_string(), "Bearer");
  EXPECT_FALSE(body.at("jti").as_string().empty());
}

TEST_F(RouterTest, IntrospectionByJsonWithPostCredentials) {
  const std::string recipient_token = TokenFor(recipient_id_, recipient_secret_);
  const Routed r = Handle(Make(
      bh::verb::post, "/api/v1/introspect",
      R"({"token":")" + recipient_token + R"(","token_type_hint":"access_token",)" +
          R"("client_id":")" + partner_id_ + R"(","client_secret":")" + partner_secret_ + R"("})",
      kJson));
  ASSERT_EQ(r.response.result_int(), 200u) << r.response.body();
  EXPECT_EQ(ParseObject(r.response.body()).at("active"), json::value(true));
}

TEST_F(RouterTest, IntrospectionOfOtherOrBadTokensIsInactive) {
  const std::string foreign = TokenFor(other_partner_id_, other_partner_secret_);
  const std::string own = TokenFor(recipient_id_, recipient_secret_);
  for (const std::string& token : {foreign, std::string("garbage"), own + "x"}) {
    SCOPED_TRACE(token);
    const Routed r = Introspect(token);
    EXPECT_EQ(r.response.result_int(), 200u);
    EXPECT_EQ(r.response.body(), R"({"active":false})");
    EXPECT_EQ(r.note, "inactive");
  }
  clock_.Advance(kTtl);
  EXPECT_FALSE(IsActive(own));
}

TEST_F(RouterTest, Rfc7009RevocationEndsTheTokenAndAnswers200WithNoBody) {
  const std::string partner_token = PartnerToken();
  const std::string other = PartnerToken();
  const Routed r = RevokeAs(partner_token, partner_id_, partner_secret_);
  EXPECT_EQ(r.response.result_int(), 200u);
  EXPECT_EQ(r.response.body(), "");
  EXPECT_EQ(HeaderOf(r.response, bh::field::cache_control), "no-store");
  EXPECT_EQ(r.route, "/api/v1/revoke");
  EXPECT_EQ(Admin(bh::verb::get, "/api/v1/recipients", partner_token).response.result_int(), 401u);
  EXPECT_FALSE(IsActive(partner_token));
  // Only that token: the partner's other one still works.
  EXPECT_EQ(Admin(bh::verb::get, "/api/v1/recipients", other).response.result_int(), 200u);
  // Revoking it again, or something that is no token, is no error (RFC 7009 §2.2).
  for (const std::string& token : {partner_token, std::string("garbage"), other + "x"}) {
    EXPECT_EQ(RevokeAs(token, partner_id_, partner_secret_).response.result_int(), 200u);
  }
  EXPECT_EQ(Admin(bh::verb::get, "/api/v1/recipients", other).response.result_int(), 200u);
}

TEST_F(RouterTest, Rfc7009RevocationReachesOnlyOwnTokensAndOwnRecipients) {
  const std::string recipient_token = TokenFor(recipient_id_, recipient_secret_);
  const std::string partner_token = PartnerToken();
  // Another partner, and a recipient revoking its partner's token: 200, nothing changes.
  EXPECT_EQ(
      RevokeAs(recipient_token, other_partner_id_, other_partner_secret_).response.result_int(),
      200u);
  EXPECT_EQ(RevokeAs(partner_token, recipient_id_, recipient_secret_).response.result_int(), 200u);
  EXPECT_TRUE(IsActive(recipient_token));
  EXPECT_TRUE(IsActive(partner_token));
  // The recipient's own partner may end it.
  EXPECT_EQ(RevokeAs(recipient_token, partner_id_, partner_secret_).response.result_int(), 200u);
  EXPECT_FALSE(IsActive(recipient_token));
}

TEST_F(RouterTest, Rfc7009RevocationNeedsClientAuthenticationAndAToken) {
  const std::string token = PartnerToken();
  const Routed wrong = RevokeAs(token, partner_id_, "wrong-secret");
  ExpectOAuthError(wrong, 401, "invalid_client", "/api/v1/revoke");
  EXPECT_EQ(HeaderOf(wrong.response, bh::field::www_authenticate), R"(Basic realm="obauth")");
  Request anonymous = Make(bh::verb::post, "/api/v1/revoke", "token=" + token, kForm);
  ExpectOAuthError(Handle(anonymous), 400, "invalid_client", "/api/v1/revoke");
  ExpectOAuthError(RevokeAs("", partner_id_, partner_secret_), 400, "invalid_request",
                   "/api/v1/revoke");
  EXPECT_TRUE(IsActive(token));
  // client_secret_post in a JSON body works too.
  const Routed json = Handle(Make(bh::verb::post, "/api/v1/revoke",
                                  R"({"token":")" + token + R"(","client_id":")" + partner_id_ +
                                      R"(","client_secret":")" + partner_secret_ + R"("})",
                                  kJson));
  EXPECT_EQ(json.response.result_int(), 200u) << json.response.body();
  EXPECT_FALSE(IsActive(token));
}

TEST_F(RouterTest, BearerRevocationOfTheConnectionIs204ForDeleteAndPost) {
  for (const bh::verb verb : {bh::verb::delete_, bh::verb::post}) {
    SCOPED_TRACE(std::string(bh::to_string(verb)));
    const std::string token = TokenFor(recipient_id_, recipient_secret_);
    Request req = Make(verb, "/api/v1/revoke");
    req.set(bh::field::authorization, "Bearer " + token);
    const Routed r = Handle(req);
    EXPECT_EQ(r.response.result_int(), 204u) << r.response.body();
    EXPECT_EQ(r.response.body(), "");
    EXPECT_FALSE(IsActive(token));
    // A retry after a lost answer succeeds the same.
    EXPECT_EQ(Handle(req).response.result_int(), 204u);
  }
  // The flinks-auth-key header is a bearer token too.
  const std::string token = TokenFor(recipient_id_, recipient_secret_);
  Request keyed = Make(bh::verb::delete_, "/api/v1/revoke");
  keyed.set("flinks-auth-key", token);
  EXPECT_EQ(Handle(keyed).response.result_int(), 204u);
  EXPECT_FALSE(IsActive(token));
}

TEST_F(RouterTest, BearerRevocationWithoutOrWithABadTokenIsRefused) {
  const Routed none = Handle(Make(bh::verb::delete_, "/api/v1/revoke"));
  ExpectOAuthError(none, 400, "invalid_request", "/api/v1/revoke");
  // Both ways the endpoint takes are named.
  const std::string description = JsonString(none.response.body(), "error_description");
  EXPECT_NE(description.find("bearer token"), std::string::npos) << description;
  EXPECT_NE(description.find("token="), std::string::npos) << description;
  // The same for a POST with nothing, and for a DELETE with client credentials.
  EXPECT_EQ(Handle(Make(bh::verb::post, "/api/v1/revoke")).response.body(), none.response.body());
  Request basic = Make(bh::verb::delete_, "/api/v1/revoke", "token=x", kForm);
  basic.set(bh::field::authorization, BasicHeader(partner_id_, partner_secret_));
  EXPECT_EQ(Handle(basic).response.body(), none.response.body());
  Request bad = Make(bh::verb::delete_, "/api/v1/revoke");
  bad.set(bh::field::authorization, "Bearer garbage");
  const Routed r = Handle(bad);
  ExpectOAuthError(r, 401, "invalid_token", "/api/v1/revoke");
  EXPECT_EQ(
      HeaderOf(r.response, bh::field::www_authenticate),
      R"(Bearer realm="obauth", error="invalid_token", error_description="the access token is malformed")");
  EXPECT_EQ(JsonString(r.response.body(), "error_description"), "the access token is malformed");
  const std::string token = TokenFor(recipient_id_, recipient_secret_);
  clock_.Advance(kTtl);
  Request expired = Make(bh::verb::delete_, "/api/v1/revoke");
  expired.set(bh::field::authorization, "Bearer " + token);
  ExpectOAuthError(Handle(expired), 401, "invalid_token", "/api/v1/revoke");
}

TEST_F(RouterTest, IntrospectionWithoutTokenIsInvalidRequest) {
  ExpectOAuthError(Introspect(""), 400, "invalid_request", "/api/v1/introspect");
  Request empty = Make(bh::verb::post, "/api/v1/introspect", "token=", kForm);
  empty.set(bh::field::authorization, BasicHeader(partner_id_, partner_secret_));
  ExpectOAuthError(Handle(empty), 400, "invalid_request", "/api/v1/introspect");
  Request json_missing = Make(bh::verb::post, "/api/v1/introspect", "{}", kJson);
  json_missing.set(bh::field::authorization, BasicHeader(partner_id_, partner_secret_));
  ExpectOAuthError(Handle(json_missing), 400, "invalid_request", "/api/v1/introspect");
}

TEST_F(RouterTest, IntrospectionCallerErrors) {
  const std::string token = TokenFor(recipient_id_, recipient_secret_);
  const Routed wrong_basic = Introspect(token, BasicHeader(partner_id_, "wrong"));
  ExpectOAuthError(wrong_basic, 401, "invalid_client", "/api/v1/introspect");
  EXPECT_EQ(HeaderOf(wrong_basic.response, bh::field::www_authenticate), R"(Basic realm="obauth")");
  ExpectOAuthError(
      Handle(Make(bh::verb::post, "/api/v1/introspect",
                  "token=" + token + "&client_id=" + partner_id_ + "&client_secret=wrong", kForm)),
      400, "invalid_client", "/api/v1/introspect");
  ExpectOAuthError(Handle(Make(bh::verb::post, "/api/v1/introspect", "token=" + token, kForm)), 400,
                   "invalid_client", "/api/v1/introspect");
  ExpectOAuthError(Introspect(token, BasicHeader(recipient_id_, recipient_secret_)), 400,
                   "unauthorized_client", "/api/v1/introspect");
}

TEST_F(RouterTest, IntrospectionWithABearerTokenSaysClientCredentialsAreRequired) {
  const std::string admin = PartnerToken();
  const std::string token = TokenFor(recipient_id_, recipient_secret_);
  Request with_token = Make(bh::verb::post, "/api/v1/introspect", "token=" + token, kForm);
  with_token.set(bh::field::authorization, "Bearer " + admin);
  Request without_body = Make(bh::verb::post, "/api/v1/introspect");
  without_body.set(bh::field::authorization, "Bearer " + admin);
  Request keyed = Make(bh::verb::post, "/api/v1/introspect", R"({"token":"x"})", kJson);
  keyed.set("flinks-auth-key", admin);
  for (const Request* req : {&with_token, &without_body, &keyed}) {
    const Routed r = Handle(*req);
    ExpectOAuthError(r, 400, "invalid_client", "/api/v1/introspect");
    const std::string description = JsonString(r.response.body(), "error_description");
    EXPECT_NE(description.find("Client credentials are required"), std::string::npos)
        << description;
  }
  // With credentials as well, the bearer token is ignored.
  Request both = Make(
      bh::verb::post, "/api/v1/introspect",
      "token=" + token + "&client_id=" + partner_id_ + "&client_secret=" + partner_secret_, kForm);
  both.set("flinks-auth-key", admin);
  EXPECT_EQ(Handle(both).response.result_int(), 200u);
}

// ---- Audit trail --------------------------------------------------------------------------------

TEST_F(RouterTest, AuditPagesWithLimitAndNextCursor) {
  const std::string token = PartnerToken();
  ASSERT_EQ(Rotate(token).response.result_int(), 200u);
  ASSERT_EQ(Rotate(token, R"({"revoke_tokens":true})").response.result_int(), 200u);
  ASSERT_EQ(Rotate(token).response.result_int(), 200u);
  // partner.created, recipient.created and three rotations.
  const Routed all = Admin(bh::verb::get, "/api/v1/audit", token);
  ASSERT_EQ(all.response.result_int(), 200u) << all.response.body();
  EXPECT_EQ(all.route, "/api/v1/audit");
  const json::object everything = ParseObject(all.response.body());
  const json::array& all_events = everything.at("events").as_array();
  ASSERT_EQ(all_events.size(), 5u);
  EXPECT_TRUE(everything.at("next").is_null());
  const json::object& newest = all_events[0].as_object();
  EXPECT_EQ(newest.at("action").as_string(), "recipient.secret_rotated");
  EXPECT_EQ(newest.at("actor").as_string(), partner_id_);
  EXPECT_EQ(newest.at("client_id").as_string(), recipient_id_);
  EXPECT_EQ(newest.at("request_id").as_string(), kRequestId);
  EXPECT_EQ(newest.at("source").as_string(), kPeer);
  EXPECT_EQ(newest.at("at").as_string(), FormatRfc3339(kNow));
  EXPECT_EQ(all_events[1].at("options").at("revoke_tokens"), json::value(true));
  EXPECT_EQ(all_events[4].at("action").as_string(), "partner.created");

  std::vector<std::string> paged;
  std::string target = "/api/v1/audit?limit=2";
  for (int page = 0; page < 5; ++page) {
    const Routed r = Admin(bh::verb::get, target, token);
    ASSERT_EQ(r.response.result_int(), 200u) << r.response.body();
    const json::object body = ParseObject(r.response.body());
    const json::array& events = body.at("events").as_array();
    EXPECT_LE(events.size(), 2u);
    for (const auto& e : events) paged.emplace_back(e.at("id").as_string());
    if (body.at("next").is_null()) break;
    target = "/api/v1/audit?limit=2&after=" + std::string(body.at("next").as_string());
  }
  std::vector<std::string> expected;
  for (const auto& e : all_events) expected.emplace_back(e.at("id").as_string());
  EXPECT_EQ(paged, expected);

  const Routed filtered =
      Admin(bh::verb::get, "/api/v1/audit?client_id=" + recipient_id_ + "&limit=200", token);
  ASSERT_EQ(filtered.response.result_int(), 200u);
  EXPECT_EQ(ParseObject(filtered.response.body()).at("events").as_array().size(), 4u);

  // Another partner sees only its own trail.
  const Routed other =
      Admin(bh::verb::get, "/api/v1/audit", TokenFor(other_partner_id_, other_partner_secret_));
  const json::object other_body = ParseObject(other.response.body());
  const json::array& other_events = other_body.at("events").as_array();
  ASSERT_EQ(other_events.size(), 1u);
  EXPECT_EQ(other_events[0].at("client_id").as_string(), other_partner_id_);
}

TEST_F(RouterTest, AuditRejectsBadLimitOrCursor) {
  const std::string token = PartnerToken();
  for (const char* query :
       {"limit=0", "limit=201", "limit=-1", "limit=abc", "limit=", "limit=1.5", "after=0",
        "after=abc", "after=-5", "after=", "after=99999999999999999999"}) {
    SCOPED_TRACE(query);
    const Routed r = Admin(bh::verb::get, std::string("/api/v1/audit?") + query, token);
    EXPECT_EQ(r.response.result_int(), 400u) << r.response.body();
    EXPECT_FALSE(JsonString(r.response.body(), "message").empty());
  }
  EXPECT_EQ(Admin(bh::verb::get, "/api/v1/audit?limit=1&after=1", token).response.result_int(),
            200u);
}

TEST_F(RouterTest, AuditNeverShowsASecret) {
  const std::string token = PartnerToken();
  const Routed rotated = Rotate(token, R"({"previous_secret_expires_in":600})", kJson, "key-1");
  ASSERT_EQ(rotated.response.result_int(), 200u);
  const std::string body = Admin(bh::verb::get, "/api/v1/audit", token).response.body();
  for (const std::string& secret : {recipient_secret_, partner_secret_, token,
                                    JsonString(rotated.response.body(), "client_secret")}) {
    EXPECT_EQ(body.find(secret), std::string::npos);
  }
  EXPECT_EQ(body.find("key-1"), std::string::npos) << "the idempotency key is not needed either";
}

// ---- Idempotency-Key ----------------------------------------------------------------------------

TEST_F(RouterTest, RotationRetryWithTheSameKeyReplaysTheSameSecret) {
  const std::string token = PartnerToken();
  const std::string body = R"({"previous_secret_expires_in":600})";
  const Routed first = Rotate(token, body, kJson, "rotate-1");
  ASSERT_EQ(first.response.result_int(), 200u) << first.response.body();
  EXPECT_EQ(HeaderOf(first.response, "Idempotent-Replayed"), "");
  const std::string secret = JsonString(first.response.body(), "client_secret");

  clock_.Advance(3600);
  const Routed retry = Rotate(PartnerToken(), body, kJson, "rotate-1");
  ASSERT_EQ(retry.response.result_int(), 200u) << retry.response.body();
  EXPECT_EQ(retry.response.body(), first.response.body());
  EXPECT_EQ(JsonString(retry.response.body(), "client_secret"), secret);
  EXPECT_EQ(HeaderOf(retry.response, "Idempotent-Replayed"), "true");
  EXPECT_EQ(HeaderOf(retry.response, bh::field::cache_control), "no-store");
  EXPECT_EQ(HeaderOf(retry.response, bh::field::content_type), "application/json");

  // One rotation only: the replayed secret works, and the trail shows one rotation.
  EXPECT_TRUE(Authenticates(recipient_id_, secret));
  auto events = recipients_->Audit(PartnerCaller(), recipient_id_, std::nullopt, 50);
  ASSERT_TRUE(events);
  EXPECT_EQ(std::count_if(events->begin(), events->end(),
                          [](const auto& e) { return e.action == "recipient.secret_rotated"; }),
            1);
  EXPECT_NE((*events)[0].options_json.find(R"("idempotency_key":true)"), std::string::npos);
}

TEST_F(RouterTest, CreateRetryWithTheSameKeyReplaysTheSameRecipient) {
  const std::string token = PartnerToken();
  const std::string body =
      R"({"name":"Budget","scope":"ACCOUNT_BASIC","redirect_uris":"https://b.example/cb"})";
  auto create = [&] {
    Request req = Make(bh::verb::post, "/api/v1/recipients", body, kJson);
    req.set(bh::field::authorization, "Bearer " + token);
    req.set("Idempotency-Key", "create-1");
    return Handle(req);
  };
  const Routed first = create();
  ASSERT_EQ(first.response.result_int(), 200u) << first.response.body();
  const Routed retry = create();
  ASSERT_EQ(retry.response.result_int(), 200u) << retry.response.body();
  EXPECT_EQ(retry.response.body(), first.response.body());
  EXPECT_EQ(HeaderOf(retry.response, "Idempotent-Replayed"), "true");
  auto list = recipients_->List(PartnerCaller(), {std::nullopt, 10});
  ASSERT_TRUE(list);
  EXPECT_EQ(list->items.size(), 2u);
  EXPECT_TRUE(Authenticates(JsonString(first.response.body(), "client_id"),
                            JsonString(retry.response.body(), "client_secret")));
}

TEST_F(RouterTest, SameKeyForADifferentRequestIs422) {
  const std::string token = PartnerToken();
  ASSERT_EQ(Rotate(token, {}, kJson, "k").response.result_int(), 200u);
  const Routed other_body = Rotate(token, R"({"revoke_tokens":true})", kJson, "k");
  EXPECT_EQ(other_body.response.result_int(), 422u) << other_body.response.body();
  EXPECT_FALSE(JsonString(other_body.response.body(), "message").empty());

  // Another path (another recipient) with the same key is a different request too.
  auto created = recipients_->Create(PartnerCaller(), [] {
    admin::RecipientInput in;
    in.name = {true, std::string("Second")};
    in.scope = {true, std::vector<std::string>{"ACCOUNT_BASIC"}};
    in.redirect_uris = {true, std::vector<std::string>{"https://s.example/cb"}};
    return in;
  }());
  ASSERT_TRUE(created);
  const std::string second_path = "/api/v1/recipients/" + created->recipient.client_id;
  EXPECT_EQ(Rotate(token, {}, kJson, "k", second_path).response.result_int(), 422u);
  EXPECT_TRUE(
      Authenticates(created->recipient.client_id, std::string(created->client_secret.Expose())));

  // Keys are per partner: another partner may use the same one.
  const std::string other_token = TokenFor(other_partner_id_, other_partner_secret_);
  Request req =
      Make(bh::verb::post, "/api/v1/recipients",
           R"({"name":"B","scope":"ACCOUNT_BASIC","redirect_uris":"https://b.example/cb"})", kJson);
  req.set(bh::field::authorization, "Bearer " + other_token);
  req.set("Idempotency-Key", "k");
  EXPECT_EQ(Handle(req).response.result_int(), 200u);
}

TEST_F(RouterTest, InvalidIdempotencyKeyIs400AndChangesNothing) {
  const std::string token = PartnerToken();
  for (const std::string& key : {std::string(256, 'k'), std::string("has space"),
                                 std::string("caf\xc3\xa9"), std::string("del\x7f")}) {
    SCOPED_TRACE(key);
    const Routed r = Rotate(token, {}, kJson, key);
    EXPECT_EQ(r.response.result_int(), 400u) << r.response.body();
    EXPECT_NE(JsonString(r.response.body(), "message").find("Idempotency-Key"), std::string::npos);
  }
  Request empty = Make(bh::verb::post, RecipientPath() + "/secret");
  empty.set(bh::field::authorization, "Bearer " + token);
  empty.set("Idempotency-Key", "");
  EXPECT_EQ(Handle(empty).response.result_int(), 400u);
  EXPECT_TRUE(Authenticates(recipient_id_, recipient_secret_));
  EXPECT_EQ(Rotate(token, {}, kJson, std::string(255, 'k')).response.result_int(), 200u);
}

TEST_F(RouterTest, KeyInFlightIs409) {
  const std::string token = PartnerToken();
  auto claim = idempotency_->in_flight().TryClaim(partner_id_, "busy");
  ASSERT_TRUE(claim.has_value());
  const Routed r = Rotate(token, {}, kJson, "busy");
  EXPECT_EQ(r.response.result_int(), 409u) << r.response.body();
  EXPECT_TRUE(Authenticates(recipient_id_, recipient_secret_));
  claim.reset();
  EXPECT_EQ(Rotate(token, {}, kJson, "busy").response.result_int(), 200u);
}

TEST_F(RouterTest, ReplayIsForgottenAfter24Hours) {
  const std::string token = PartnerToken();
  const Routed first = Rotate(token, {}, kJson, "daily");
  ASSERT_EQ(first.response.result_int(), 200u);
  clock_.Advance(admin::kReplayLifetimeSeconds);
  const std::string fresh_token = PartnerToken();
  const Routed same_day = Rotate(fresh_token, {}, kJson, "daily");
  EXPECT_EQ(HeaderOf(same_day.response, "Idempotent-Replayed"), "true");
  clock_.Advance(1);
  const Routed later = Rotate(PartnerToken(), {}, kJson, "daily");
  ASSERT_EQ(later.response.result_int(), 200u) << later.response.body();
  EXPECT_EQ(HeaderOf(later.response, "Idempotent-Replayed"), "");
  EXPECT_NE(JsonString(later.response.body(), "client_secret"),
            JsonString(first.response.body(), "client_secret"));
}

TEST(SetCommonHeaders, AddsRequestIdServerAndNosniff) {
  Response res{bh::status::ok, 11};
  SetCommonHeaders(res, "req-123");
  EXPECT_EQ(HeaderOf(res, "X-Request-Id"), "req-123");
  EXPECT_EQ(HeaderOf(res, bh::field::server), "obauth");
  EXPECT_EQ(HeaderOf(res, "X-Content-Type-Options"), "nosniff");
}

}  // namespace
}  // namespace obauth::http
