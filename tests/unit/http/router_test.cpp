#include "http/router.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <memory>
#include <string>

#include "admin/recipient_service.hpp"
#include "core/clock.hpp"
#include "crypto/base64url.hpp"
#include "crypto/client_secret.hpp"
#include "crypto/signing_key.hpp"
#include "oauth/access_token.hpp"
#include "oauth/token_service.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace obauth::http {
namespace {

namespace bh = boost::beast::http;

constexpr char kIssuer[] = "https://auth.example";
constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::int64_t kTtl = 300;
constexpr char kForm[] = "application/x-www-form-urlencoded";
constexpr char kJson[] = "application/json";

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
    tokens_ =
        std::make_unique<oauth::TokenService>(*store_, hasher_, *access_tokens_, clock_, kTtl);
    recipients_ = std::make_unique<admin::RecipientService>(*store_, hasher_, clock_);
    router_ = std::make_unique<Router>(Services{*tokens_, *access_tokens_, *recipients_, clock_});

    auto partner = admin::CreatePartner(*store_, hasher_, clock_, "Partner A");
    ASSERT_TRUE(partner);
    partner_id_ = partner->client_id;
    partner_secret_ = std::string(partner->client_secret.Expose());
    auto other = admin::CreatePartner(*store_, hasher_, clock_, "Partner B");
    ASSERT_TRUE(other);
    other_partner_id_ = other->client_id;
    other_partner_secret_ = std::string(other->client_secret.Expose());

    admin::RecipientInput input;
    input.name = {true, std::string("Acme")};
    input.scope = {true, std::vector<std::string>{"ACCOUNT_BASIC", "TRANSACTIONS"}};
    input.redirect_uris = {true, std::vector<std::string>{"https://acme.example/cb"}};
    auto created = recipients_->Create(admin::Caller{partner_id_}, input);
    ASSERT_TRUE(created);
    recipient_id_ = created->recipient.client_id;
    recipient_secret_ = std::string(created->client_secret.Expose());
  }

  void TearDown() override {
    router_.reset();
    recipients_.reset();
    tokens_.reset();
    access_tokens_.reset();
    store_.reset();
    TempDirTest::TearDown();
  }

  Routed Handle(const Request& req) const { return router_->Handle(req); }

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
  static void ExpectOAuthError(const Routed& r, unsigned status, const std::string& error) {
    EXPECT_EQ(r.response.result_int(), status) << r.response.body();
    EXPECT_EQ(JsonString(r.response.body(), "error"), error) << r.response.body();
    EXPECT_FALSE(JsonString(r.response.body(), "error_description").empty());
    EXPECT_EQ(HeaderOf(r.response, bh::field::cache_control), "no-store");
    EXPECT_EQ(HeaderOf(r.response, bh::field::pragma), "no-cache");
    EXPECT_EQ(HeaderOf(r.response, bh::field::content_type), "application/json");
    EXPECT_EQ(r.route, "/api/v1/token");
  }

  std::string RecipientPath() const { return "/api/v1/recipients/" + recipient_id_; }

  ManualClock clock_{kNow};
  crypto::SecretHasher hasher_{Secret(std::string(32, 'k'))};
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<oauth::AccessTokens> access_tokens_;
  std::unique_ptr<oauth::TokenService> tokens_;
  std::unique_ptr<admin::RecipientService> recipients_;
  std::unique_ptr<Router> router_;
  std::string partner_id_, partner_secret_;
  std::string other_partner_id_, other_partner_secret_;
  std::string recipient_id_, recipient_secret_;
};

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
      {bh::verb::put, "/api/v1/recipients", "GET, POST", "/api/v1/recipients"},
      {bh::verb::delete_, "/api/v1/recipients", "GET, POST", "/api/v1/recipients"},
      {bh::verb::patch, "/api/v1/recipients", "GET, POST", "/api/v1/recipients"},
      {bh::verb::post, id, "GET, PUT", "/api/v1/recipients/{client_id}"},
      {bh::verb::delete_, id, "GET, PUT", "/api/v1/recipients/{client_id}"},
      {bh::verb::patch, id, "GET, PUT", "/api/v1/recipients/{client_id}"},
      {bh::verb::get, id + "/secret", "POST", "/api/v1/recipients/{client_id}/secret"},
      {bh::verb::put, id + "/secret", "POST", "/api/v1/recipients/{client_id}/secret"},
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

TEST_F(RouterTest, AdminRoutesWithoutTokenAre401) {
  const std::pair<bh::verb, std::string> routes[] = {
      {bh::verb::get, "/api/v1/recipients"},
      {bh::verb::post, "/api/v1/recipients"},
      {bh::verb::get, RecipientPath()},
      {bh::verb::put, RecipientPath()},
      {bh::verb::post, RecipientPath() + "/secret"},
  };
  for (const auto& [verb, path] : routes) {
    SCOPED_TRACE(path);
    const Routed r = Handle(Make(verb, path, "{}", kJson));
    EXPECT_EQ(r.response.result_int(), 401u);
    EXPECT_EQ(HeaderOf(r.response, bh::field::www_authenticate),
              R"(Bearer realm="obauth", error="invalid_token")");
    EXPECT_EQ(JsonString(r.response.body(), "message"), "Invalid Bearer Token");
  }
  // Nothing was changed by the unauthenticated POSTs.
  auto list = recipients_->List(admin::Caller{partner_id_});
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), 1u);
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
  // A token from another server (another key) is rejected.
  auto other_key = crypto::SigningKey::Generate();
  ASSERT_TRUE(other_key);
  const oauth::AccessTokens other(std::move(*other_key), kIssuer);
  oauth::AccessTokenClaims claims{kIssuer, partner_id_, partner_id_, "client:admin",
                                  "j",     kNow,        kNow + 60};
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
  const Routed list = Admin(bh::verb::get, "/api/v1/recipients", token);
  ASSERT_EQ(list.response.result_int(), 200u);
  EXPECT_EQ(list.response.body(), "[]");
  // The owner's recipient and secret are untouched.
  auto stored = recipients_->Get(admin::Caller{partner_id_}, recipient_id_);
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

TEST(SetCommonHeaders, AddsRequestIdServerAndNosniff) {
  Response res{bh::status::ok, 11};
  SetCommonHeaders(res, "req-123");
  EXPECT_EQ(HeaderOf(res, "X-Request-Id"), "req-123");
  EXPECT_EQ(HeaderOf(res, bh::field::server), "obauth");
  EXPECT_EQ(HeaderOf(res, "X-Content-Type-Options"), "nosniff");
}

}  // namespace
}  // namespace obauth::http
