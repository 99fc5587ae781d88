// POST /api/v1/token: bodies, client authentication methods, grants, scopes, the 200 answer,
// the access token's shape, and every RFC 6749 §5.2 error over real HTTP.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

namespace json = boost::json;
using obauth::testing::BasicAuthorization;
using obauth::testing::FormEncode;
using obauth::testing::IntAt;
using obauth::testing::Keys;
using obauth::testing::ParseJsonObject;
using obauth::testing::PercentEncodeAll;
using obauth::testing::StringAt;

// The Authorization value for client_secret_basic, RFC 6749 §2.3.1.
std::string Basic(const Credentials& c) {
  return BasicAuthorization(FormEncode(c.client_id), FormEncode(c.client_secret));
}

class TokenEndpoint : public ObauthTest {
 protected:
  void SetUp() override {
    partner_ = CreatePartner();
    StartServer();
  }

  // A recipient registered with ACCOUNT_BASIC and TRANSACTIONS.
  Credentials Recipient() {
    return CreateRecipient(AdminToken(partner_),
                           R"({"name":"Budget App","scope":["TRANSACTIONS","ACCOUNT_BASIC"],)"
                           R"("redirect_uris":["https://budget.example/cb"]})")
        .credentials;
  }

  // A 200 token answer: fields, no caching, a Bearer token with this scope.
  static json::object ExpectIssued(const HttpResponse& r, std::string_view scope) {
    EXPECT_EQ(r.status, 200) << r.Describe();
    if (r.status != 200) return {};
    EXPECT_EQ(r.Header("Content-Type").value_or(""), "application/json");
    EXPECT_EQ(r.Header("Cache-Control").value_or(""), "no-store");
    EXPECT_EQ(r.Header("Pragma").value_or(""), "no-cache");
    json::object body = ParseJsonObject(r.body);
    EXPECT_EQ(Keys(body),
              (std::vector<std::string>{"access_token", "expires_in", "scope", "token_type"}));
    EXPECT_EQ(StringAt(body, "token_type"), "Bearer");
    EXPECT_EQ(StringAt(body, "scope"), scope);
    EXPECT_FALSE(StringAt(body, "access_token").empty());
    return body;
  }

  Credentials partner_;
};

TEST_F(TokenEndpoint, IssuesAdminTokenForFormBody) {
  ExpectIssued(PostTokenForm({{"grant_type", "client_credentials"},
                              {"client_id", partner_.client_id},
                              {"client_secret", partner_.client_secret},
                              {"scope", "client:admin"}}),
               "client:admin");
}

TEST_F(TokenEndpoint, IssuesAdminTokenForJsonBody) {
  const json::object body{{"grant_type", "client_credentials"},
                          {"client_id", partner_.client_id},
                          {"client_secret", partner_.client_secret},
                          {"scope", "client:admin"}};
  ExpectIssued(PostTokenJson(json::serialize(body)), "client:admin");
}

TEST_F(TokenEndpoint, AcceptsFormContentTypeWithCharsetParameter) {
  ExpectIssued(Send({"POST",
                     std::string(kTokenPath),
                     {{"Content-Type", "application/x-www-form-urlencoded; charset=UTF-8"}},
                     obauth::testing::FormBody({{"grant_type", "client_credentials"},
                                                {"client_id", partner_.client_id},
                                                {"client_secret", partner_.client_secret}})}),
               "client:admin");
}

TEST_F(TokenEndpoint, PartnerDefaultScopeIsClientAdmin) {
  ExpectIssued(RequestToken(partner_), "client:admin");
}

TEST_F(TokenEndpoint, AcceptsClientSecretBasic) {
  ExpectIssued(PostTokenForm({{"grant_type", "client_credentials"}, {"scope", "client:admin"}},
                             {{"Authorization", Basic(partner_)}}),
               "client:admin");
  ExpectIssued(
      PostTokenJson(R"({"grant_type":"client_credentials"})", {{"Authorization", Basic(partner_)}}),
      "client:admin");
}

TEST_F(TokenEndpoint, BasicCredentialsAreFormDecodedPerRfc6749Section2_3_1) {
  // '-' is legal as is, but a client may encode it (%2D); the server must decode, not compare.
  ASSERT_NE(partner_.client_id.find('-'), std::string::npos);
  const std::string authorization = BasicAuthorization(PercentEncodeAll(partner_.client_id),
                                                       PercentEncodeAll(partner_.client_secret));
  ExpectIssued(
      PostTokenForm({{"grant_type", "client_credentials"}}, {{"Authorization", authorization}}),
      "client:admin");
  // Recipient ids ("dc-...") too.
  const Credentials recipient = Recipient();
  ExpectIssued(PostTokenForm({{"grant_type", "client_credentials"}},
                             {{"Authorization",
                               BasicAuthorization(PercentEncodeAll(recipient.client_id),
                                                  PercentEncodeAll(recipient.client_secret))}}),
               "ACCOUNT_BASIC TRANSACTIONS");
}

TEST_F(TokenEndpoint, BasicAndBodyCredentialsTogetherAreInvalidRequest) {
  ExpectOAuthError(PostTokenForm({{"grant_type", "client_credentials"},
                                  {"client_id", partner_.client_id},
                                  {"client_secret", partner_.client_secret}},
                                 {{"Authorization", Basic(partner_)}}),
                   400, "invalid_request");
  ExpectOAuthError(
      PostTokenForm({{"grant_type", "client_credentials"}, {"client_id", partner_.client_id}},
                    {{"Authorization", Basic(partner_)}}),
      400, "invalid_request");
}

TEST_F(TokenEndpoint, FailedClientAuthenticationGivesOneIdenticalAnswer) {
  const std::string unknown_id = "pt-" + std::string(25, 'x');
  struct Case {
    std::string name;
    std::string id;
    std::optional<std::string> secret;
  };
  const std::vector<Case> cases = {
      {"wrong secret", partner_.client_id, partner_.client_secret + "x"},
      {"unknown id", unknown_id, partner_.client_secret},
      {"missing secret", partner_.client_id, std::nullopt},
      {"empty secret", partner_.client_id, ""},
  };
  std::optional<std::string> first_body;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    // client_secret_basic: 401 and a Basic challenge (RFC 6749 §5.2).
    const HttpResponse basic =
        PostTokenForm({{"grant_type", "client_credentials"}},
                      {{"Authorization",
                        BasicAuthorization(FormEncode(c.id), FormEncode(c.secret.value_or("")))}});
    ExpectOAuthError(basic, 401, "invalid_client");
    EXPECT_EQ(basic.Header("WWW-Authenticate").value_or("").rfind("Basic", 0), 0u);
    // client_secret_post: the 400 that Flinks documents, no challenge.
    std::vector<std::pair<std::string, std::string>> fields = {{"grant_type", "client_credentials"},
                                                               {"client_id", c.id}};
    if (c.secret) fields.emplace_back("client_secret", *c.secret);
    const HttpResponse post = PostTokenForm(fields);
    ExpectOAuthError(post, 400, "invalid_client");
    EXPECT_FALSE(post.Header("WWW-Authenticate").has_value());

    if (!first_body) first_body = basic.body;
    EXPECT_EQ(basic.body, *first_body);
    EXPECT_EQ(post.body, *first_body);
  }
}

TEST_F(TokenEndpoint, NoClientCredentialsAtAllIsInvalidClient) {
  ExpectOAuthError(PostTokenForm({{"grant_type", "client_credentials"}}), 400, "invalid_client");
}

TEST_F(TokenEndpoint, MalformedBasicCredentialsAreInvalidClientWithChallenge) {
  for (const std::string& authorization :
       {std::string("Basic !!!not-base64!!!"), "Basic " + obauth::testing::Base64Encode("no-colon"),
        "Basic " + obauth::testing::Base64Encode("bad%zzescape:secret")}) {
    SCOPED_TRACE(authorization);
    const HttpResponse r =
        PostTokenForm({{"grant_type", "client_credentials"}}, {{"Authorization", authorization}});
    ExpectOAuthError(r, 401, "invalid_client");
    EXPECT_EQ(r.Header("WWW-Authenticate").value_or("").rfind("Basic", 0), 0u);
  }
}

TEST_F(TokenEndpoint, UnknownGrantTypeIsUnsupportedGrantType) {
  for (const char* grant : {"password", "urn:ietf:params:oauth:grant-type:jwt-bearer"}) {
    SCOPED_TRACE(grant);
    ExpectOAuthError(PostTokenForm({{"grant_type", grant},
                                    {"client_id", partner_.client_id},
                                    {"client_secret", partner_.client_secret}}),
                     400, "unsupported_grant_type");
  }
}

TEST_F(TokenEndpoint, ARecipientsUnknownCodeIsInvalidGrantAndAMissingRedirectUriInvalidRequest) {
  const Credentials recipient = Recipient();
  ExpectOAuthError(PostTokenForm({{"grant_type", "authorization_code"},
                                  {"code", "abc"},
                                  {"redirect_uri", "https://app.example/cb"},
                                  {"client_id", recipient.client_id},
                                  {"client_secret", recipient.client_secret}}),
                   400, "invalid_grant");
  ExpectOAuthError(PostTokenForm({{"grant_type", "authorization_code"},
                                  {"code", "abc"},
                                  {"client_id", recipient.client_id},
                                  {"client_secret", recipient.client_secret}}),
                   400, "invalid_request");
}

TEST_F(TokenEndpoint, PartnerAskingForAuthorizationCodeGrantIsUnauthorizedClient) {
  for (const char* grant : {"authorization_code", "refresh_token"}) {
    SCOPED_TRACE(grant);
    ExpectOAuthError(PostTokenForm({{"grant_type", grant},
                                    {"client_id", partner_.client_id},
                                    {"client_secret", partner_.client_secret}}),
                     400, "unauthorized_client");
  }
}

TEST_F(TokenEndpoint, MissingGrantTypeIsInvalidRequest) {
  ExpectOAuthError(
      PostTokenForm({{"client_id", partner_.client_id}, {"client_secret", partner_.client_secret}}),
      400, "invalid_request");
}

TEST_F(TokenEndpoint, RepeatedParameterIsInvalidRequest) {
  ExpectOAuthError(Send({"POST",
                         std::string(kTokenPath),
                         {{"Content-Type", "application/x-www-form-urlencoded"}},
                         "grant_type=client_credentials&grant_type=client_credentials&client_id=" +
                             FormEncode(partner_.client_id) +
                             "&client_secret=" + FormEncode(partner_.client_secret)}),
                   400, "invalid_request");
}

TEST_F(TokenEndpoint, UnreadableBodyIsInvalidRequest) {
  struct Case {
    std::string content_type;
    std::string body;
  };
  const std::vector<Case> cases = {
      {"text/plain", "grant_type=client_credentials"},
      {"", "grant_type=client_credentials"},
      {"application/json", "{not json"},
      {"application/json", "[\"client_credentials\"]"},
      {"application/json", R"({"grant_type":42})"},
      {"application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=%zz"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.content_type + " " + c.body);
    Headers headers;
    if (!c.content_type.empty()) headers.emplace_back("Content-Type", c.content_type);
    ExpectOAuthError(Send({"POST", std::string(kTokenPath), headers, c.body}), 400,
                     "invalid_request");
  }
}

TEST_F(TokenEndpoint, PartnerAskingForDataScopeIsInvalidScope) {
  ExpectOAuthError(RequestToken(partner_, "ACCOUNT_BASIC"), 400, "invalid_scope");
  ExpectOAuthError(RequestToken(partner_, "client:admin ACCOUNT_BASIC"), 400, "invalid_scope");
}

TEST_F(TokenEndpoint, RecipientAskingForClientAdminIsInvalidScope) {
  ExpectOAuthError(RequestToken(Recipient(), "client:admin"), 400, "invalid_scope");
}

TEST_F(TokenEndpoint, RecipientAskingForUnregisteredScopeIsInvalidScope) {
  ExpectOAuthError(RequestToken(Recipient(), "ACCOUNT_BASIC STATEMENTS"), 400, "invalid_scope");
}

TEST_F(TokenEndpoint, RecipientDefaultScopeIsItsRegisteredScopes) {
  // Registered as ["TRANSACTIONS","ACCOUNT_BASIC"]: stored in the documented order.
  ExpectIssued(RequestToken(Recipient()), "ACCOUNT_BASIC TRANSACTIONS");
}

TEST_F(TokenEndpoint, RecipientMayAskForPartOfItsScopes) {
  ExpectIssued(RequestToken(Recipient(), "TRANSACTIONS"), "TRANSACTIONS");
}

TEST_F(TokenEndpoint, ExpiresInDefaultsTo300Seconds) {
  const json::object body = ExpectIssued(RequestToken(partner_), "client:admin");
  EXPECT_EQ(IntAt(body, "expires_in"), 300);
}

TEST_F(TokenEndpoint, AccessTokenIsEs256SignedJwtWithRfc9068Claims) {
  const std::int64_t before = NowSeconds();
  const json::object body = ExpectIssued(RequestToken(partner_), "client:admin");
  const std::int64_t after = NowSeconds();
  const DecodedJwt jwt = DecodeJwt(StringAt(body, "access_token"));

  EXPECT_EQ(StringAt(jwt.header, "typ"), "at+jwt");
  EXPECT_EQ(StringAt(jwt.header, "alg"), "ES256");
  EXPECT_EQ(jwt.signature.size(), 64u);  // R and S, 32 bytes each (RFC 7518 §3.4)

  const auto& claims = jwt.payload;
  for (const char* claim : {"iss", "sub", "client_id", "scope", "iat", "exp", "jti"}) {
    EXPECT_TRUE(claims.contains(claim)) << claim << " missing from " << json::serialize(claims);
  }
  EXPECT_EQ(StringAt(claims, "iss"), server().base_url());
  EXPECT_EQ(StringAt(claims, "sub"), partner_.client_id);
  EXPECT_EQ(StringAt(claims, "client_id"), partner_.client_id);
  EXPECT_EQ(StringAt(claims, "scope"), "client:admin");
  EXPECT_GE(IntAt(claims, "iat"), before);
  EXPECT_LE(IntAt(claims, "iat"), after);
  EXPECT_EQ(IntAt(claims, "exp") - IntAt(claims, "iat"), IntAt(body, "expires_in"));
  EXPECT_FALSE(StringAt(claims, "jti").empty());

  // A second token is a different token with its own id.
  const DecodedJwt other = DecodeJwt(Token(partner_));
  EXPECT_NE(StringAt(other.payload, "jti"), StringAt(claims, "jti"));
}

TEST_F(TokenEndpoint, RecipientTokenNamesTheRecipient) {
  const Credentials recipient = Recipient();
  const DecodedJwt jwt = DecodeJwt(Token(recipient));
  EXPECT_EQ(StringAt(jwt.payload, "sub"), recipient.client_id);
  EXPECT_EQ(StringAt(jwt.payload, "client_id"), recipient.client_id);
  EXPECT_EQ(StringAt(jwt.payload, "scope"), "ACCOUNT_BASIC TRANSACTIONS");
}

TEST_F(TokenEndpoint, GetIsMethodNotAllowedAsAnOAuthError) {
  const HttpResponse r = Get(kTokenPath);
  ExpectOAuthError(r, 405, "invalid_request");
  EXPECT_EQ(r.Header("Allow").value_or(""), "POST");
  EXPECT_EQ(r.Header("Pragma").value_or(""), "no-cache");
  EXPECT_EQ(StringAt(ParseJsonObject(r.body), "error_description"), "Method Not Allowed; use POST");
}

TEST_F(TokenEndpoint, ABearerTokenInsteadOfCredentialsIsToldCredentialsAreRequired) {
  const HttpResponse r = PostTokenForm({{"grant_type", "client_credentials"}},
                                       {{"Authorization", "Bearer " + AdminToken(partner_)}});
  ExpectOAuthError(r, 400, "invalid_client");
  const std::string description = StringAt(ParseJsonObject(r.body), "error_description");
  EXPECT_NE(description.find("Client credentials are required"), std::string::npos) << description;
}

class TokenLifetime : public ObauthTest {};

TEST_F(TokenLifetime, TokenTtlOptionSetsExpiresInAndExp) {
  const Credentials partner = CreatePartner();
  StartServer({"--token-ttl", "120"});
  const HttpResponse r = RequestToken(partner);
  ASSERT_EQ(r.status, 200) << r.Describe();
  const json::object body = ParseJsonObject(r.body);
  EXPECT_EQ(IntAt(body, "expires_in"), 120);
  const DecodedJwt jwt = DecodeJwt(StringAt(body, "access_token"));
  EXPECT_EQ(IntAt(jwt.payload, "exp") - IntAt(jwt.payload, "iat"), 120);
}

}  // namespace
}  // namespace obauth::e2e
