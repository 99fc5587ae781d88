// RFC 7662 introspection at POST /api/v1/introspect (issue 3): a partner, authenticated with
// Basic or body credentials, form or JSON, learns the RFC 7662 fields of its own tokens and of
// its recipients' tokens, and {"active":false} for everything else: expired, revoked, retired,
// malformed, tampered, signed by another server, or another partner's. Recipients may not
// introspect; bad credentials and a missing token are RFC 6749 §5.2 errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/serialize.hpp>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

namespace json = boost::json;
using obauth::testing::Base64UrlEncode;
using obauth::testing::BasicAuthorization;
using obauth::testing::FormBody;
using obauth::testing::FormEncode;
using obauth::testing::IntAt;
using obauth::testing::Keys;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;

constexpr std::string_view kInactive = R"({"active":false})";

std::string Basic(const Credentials& c) {
  return BasicAuthorization(FormEncode(c.client_id), FormEncode(c.client_secret));
}

class TokenIntrospection : public ObauthTest {
 protected:
  void Start(std::vector<std::string> args = {}) {
    partner_ = CreatePartner();
    const bool short_lived = std::find(args.begin(), args.end(), "--token-ttl") != args.end();
    StartServer(std::move(args));
    // A 1-second admin token lives until the end of the second it was issued in: stop the
    // clock, so the recipient is created before it expires (an instrumented server is slow).
    if (short_lived) FreezeClock();
    admin_token_ = AdminToken(partner_);
    recipient_ = CreateRecipient(admin_token_);
  }

  HttpResponse IntrospectForm(std::vector<std::pair<std::string, std::string>> fields,
                              Headers headers = {}) {
    headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    return Send({"POST", std::string(kIntrospectPath), std::move(headers), FormBody(fields)});
  }
  HttpResponse IntrospectJson(std::string body, Headers headers = {}) {
    headers.emplace_back("Content-Type", "application/json");
    return Send({"POST", std::string(kIntrospectPath), std::move(headers), std::move(body)});
  }

  // 200 {"active":false}, not cached.
  static void ExpectInactive(const HttpResponse& r) {
    EXPECT_EQ(r.status, 200) << r.Describe();
    EXPECT_EQ(r.body, kInactive);
    EXPECT_EQ(r.Header("Content-Type").value_or(""), "application/json");
    EXPECT_EQ(r.Header("Cache-Control").value_or(""), "no-store");
  }
  // 200 with active true and the RFC 7662 fields, which are the claims of `token`.
  static void ExpectActive(const HttpResponse& r, const std::string& token) {
    ASSERT_EQ(r.status, 200) << r.Describe();
    EXPECT_EQ(r.Header("Content-Type").value_or(""), "application/json");
    EXPECT_EQ(r.Header("Cache-Control").value_or(""), "no-store");
    const json::object body = ParseJsonObject(r.body);
    EXPECT_EQ(Keys(body), (std::vector<std::string>{"active", "aud", "client_id", "exp", "iat",
                                                    "iss", "jti", "scope", "sub", "token_type"}));
    EXPECT_TRUE(body.at("active").is_bool() && body.at("active").as_bool()) << r.body;
    EXPECT_EQ(StringAt(body, "token_type"), "Bearer");
    const json::object claims = DecodeJwt(token).payload;
    for (const std::string_view name : {"client_id", "sub", "scope", "iss", "aud", "jti"}) {
      EXPECT_EQ(StringAt(body, name), StringAt(claims, name)) << name;
    }
    EXPECT_EQ(IntAt(body, "iat"), IntAt(claims, "iat"));
    EXPECT_EQ(IntAt(body, "exp"), IntAt(claims, "exp"));
  }

  Credentials partner_;
  std::string admin_token_;
  CreatedRecipient recipient_;
};

TEST_F(TokenIntrospection, ActiveWithTheRfc7662FieldsForItsRecipientsToken) {
  Start();
  const std::string token = Token(recipient_.credentials, "ACCOUNT_BASIC TRANSACTIONS");
  const HttpResponse r = Introspect(partner_, token);
  ExpectActive(r, token);
  const json::object body = ParseJsonObject(r.body);
  EXPECT_EQ(StringAt(body, "client_id"), recipient_.id());
  EXPECT_EQ(StringAt(body, "sub"), recipient_.id());
  EXPECT_EQ(StringAt(body, "scope"), "ACCOUNT_BASIC TRANSACTIONS");
  EXPECT_EQ(StringAt(body, "iss"), server().base_url());
  EXPECT_EQ(IntAt(body, "exp") - IntAt(body, "iat"), 300);
}

TEST_F(TokenIntrospection, ActiveForThePartnersOwnToken) {
  Start();
  const HttpResponse r = Introspect(partner_, admin_token_);
  ExpectActive(r, admin_token_);
  const json::object body = ParseJsonObject(r.body);
  EXPECT_EQ(StringAt(body, "client_id"), partner_.client_id);
  EXPECT_EQ(StringAt(body, "scope"), "client:admin");
}

TEST_F(TokenIntrospection, AcceptsFormOrJsonWithBasicOrBodyCredentials) {
  Start();
  const std::string token = Token(recipient_.credentials);
  const json::object with_credentials{{"token", token},
                                      {"client_id", partner_.client_id},
                                      {"client_secret", partner_.client_secret}};
  const std::vector<std::pair<std::string, HttpResponse>> cases = {
      {"form, body credentials", IntrospectForm({{"token", token},
                                                 {"client_id", partner_.client_id},
                                                 {"client_secret", partner_.client_secret}})},
      {"form, Basic", IntrospectForm({{"token", token}}, {{"Authorization", Basic(partner_)}})},
      {"form, hint and an unknown parameter",
       IntrospectForm({{"token", token}, {"token_type_hint", "access_token"}, {"foo", "bar"}},
                      {{"Authorization", Basic(partner_)}})},
      {"JSON, body credentials", IntrospectJson(json::serialize(with_credentials))},
      {"JSON, Basic", IntrospectJson(json::serialize(json::object{{"token", token}}),
                                     {{"Authorization", Basic(partner_)}})},
      {"JSON with charset", Send({"POST",
                                  std::string(kIntrospectPath),
                                  {{"Content-Type", "application/json; charset=utf-8"}},
                                  json::serialize(with_credentials)})},
  };
  for (const auto& [what, r] : cases) {
    SCOPED_TRACE(what);
    ExpectActive(r, token);
  }
}

TEST_F(TokenIntrospection, InactiveForMalformedOrTamperedTokens) {
  Start();
  const std::string token = Token(recipient_.credentials);
  const auto first = token.find('.');
  const auto second = token.find('.', first + 1);
  auto flip = [&](std::size_t at) {
    std::string t = token;
    t[at] = t[at] == 'A' ? 'B' : 'A';
    return t;
  };
  json::object widened = DecodeJwt(token).payload;
  widened["scope"] = std::string(kAllDataScopes);
  json::object other_client = DecodeJwt(token).payload;
  other_client["client_id"] = other_client["sub"] = partner_.client_id;
  auto forge = [&](const json::object& claims) {
    return token.substr(0, first) + "." + Base64UrlEncode(json::serialize(claims)) +
           token.substr(second);
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not a JWS", "not-a-token"},
      {"three empty parts", ".."},
      {"three garbage parts", "a.b.c"},
      {"extra part", token + ".x"},
      {"signature removed", token.substr(0, second + 1)},
      {"signature char flipped", flip(second + 10)},
      {"payload char flipped", flip(first + 10)},
      {"header char flipped", flip(5)},
      {"scope widened", forge(widened)},
      {"client swapped", forge(other_client)},
      {"alg none", Base64UrlEncode(R"({"alg":"none","typ":"at+jwt"})") + "." +
                       token.substr(first + 1, second - first)},
      {"longer than any token", std::string(5000, 'a')},
  };
  for (const auto& [what, bad] : cases) {
    SCOPED_TRACE(what);
    ASSERT_NE(bad, token);
    ExpectInactive(Introspect(partner_, bad));
  }
  ExpectActive(Introspect(partner_, token), token);
}

TEST_F(TokenIntrospection, InactiveForAnotherServersToken) {
  // Both servers name the same issuer, so only the signing key tells them apart.
  const std::vector<std::string> args = {"--issuer", "https://obauth.example.test"};
  Start(args);
  const std::filesystem::path other_db = temp_dir() / "other" / "obauth.db";
  const CommandResult created =
      Obauth({"partner", "create", "--create", "--db", other_db.string(), "--name", "Elsewhere"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const json::object other_partner = ParseJsonObject(created.out);
  obauth::testing::ServerProcess other(
      {ObauthBinary(), other_db.string(), temp_dir() / "other.log", args});
  const HttpResponse issued = obauth::testing::SendHttp(
      other.host(), other.port(),
      {"POST",
       std::string(kTokenPath),
       {{"Content-Type", "application/x-www-form-urlencoded"}},
       FormBody({{"grant_type", "client_credentials"},
                 {"client_id", StringAt(other_partner, "client_id")},
                 {"client_secret", StringAt(other_partner, "client_secret")}})});
  ASSERT_EQ(issued.status, 200) << issued.Describe();
  const std::string foreign = StringAt(ParseJsonObject(issued.body), "access_token");
  ASSERT_EQ(StringAt(DecodeJwt(foreign).payload, "iss"), "https://obauth.example.test");

  ExpectInactive(Introspect(partner_, foreign));
  ExpectInvalidBearerToken(AdminGet(foreign, kRecipientsPath),
                           "the access token was not issued by this server");
  EXPECT_EQ(other.Stop().ToString(), "exit 0");
}

TEST_F(TokenIntrospection, InactiveForAnotherPartnersTokens) {
  Start();
  const Credentials other = CreatePartner("Other Partner");
  const std::string other_admin = AdminToken(other);
  const CreatedRecipient theirs = CreateRecipient(other_admin, FullRecipientJson("Theirs"));
  const std::string their_token = Token(theirs.credentials);

  ExpectInactive(Introspect(partner_, their_token));
  ExpectInactive(Introspect(partner_, other_admin));
  // The same tokens are active for their own partner, and mine for me only.
  ExpectActive(Introspect(other, their_token), their_token);
  ExpectActive(Introspect(other, other_admin), other_admin);
  const std::string mine = Token(recipient_.credentials);
  ExpectInactive(Introspect(other, mine));
  ExpectActive(Introspect(partner_, mine), mine);
}

TEST_F(TokenIntrospection, InactiveForRevokedTokensAndRetiredRecipients) {
  Start();
  const std::string revoked = Token(recipient_.credentials);
  const std::string fresh_secret =
      RotatedSecret(admin_token_, recipient_.id(), R"({"revoke_tokens":true})");
  ExpectInactive(Introspect(partner_, revoked));
  const std::string after = Token({recipient_.id(), fresh_secret});
  ExpectActive(Introspect(partner_, after), after);

  ExpectNoContent(AdminDelete(admin_token_, RecipientPath(recipient_.id())));
  ExpectInactive(Introspect(partner_, after));
  ExpectInactive(Introspect(partner_, revoked));
}

TEST_F(TokenIntrospection, InactiveOnceExpired) {
  Start({"--token-ttl", "1"});  // the clock stands still from here
  const std::string token = Token(recipient_.credentials);
  const std::int64_t exp = IntAt(DecodeJwt(token).payload, "exp");
  ASSERT_EQ(exp, NowSeconds() + 1);
  ExpectActive(Introspect(partner_, token), token);  // one second before exp

  AdvanceClock(1);  // exp
  ExpectInactive(Introspect(partner_, token));
}

TEST_F(TokenIntrospection, RecipientCredentialsAre400UnauthorizedClient) {
  Start();
  const std::string token = Token(recipient_.credentials);
  ExpectOAuthError(Introspect(recipient_.credentials, token), 400, "unauthorized_client");
  ExpectOAuthError(
      IntrospectForm({{"token", token}}, {{"Authorization", Basic(recipient_.credentials)}}), 400,
      "unauthorized_client");
  ExpectOAuthError(Introspect(recipient_.credentials, admin_token_), 400, "unauthorized_client");
}

TEST_F(TokenIntrospection, BadCredentialsAreInvalidClient) {
  Start();
  const std::string token = Token(recipient_.credentials);
  const Credentials wrong{partner_.client_id, "wrong-secret"};
  const Credentials unknown{"pt-" + std::string(25, 'z'), partner_.client_secret};

  for (const Credentials& c : {wrong, unknown, Credentials{partner_.client_id, ""}}) {
    SCOPED_TRACE(c.client_id + ":" + c.client_secret);
    ExpectOAuthError(Introspect(c, token), 400, "invalid_client");
  }
  ExpectOAuthError(IntrospectForm({{"token", token}}), 400, "invalid_client");
  for (const Credentials& c : {wrong, unknown}) {
    SCOPED_TRACE("Basic " + c.client_id + ":" + c.client_secret);
    const HttpResponse r = IntrospectForm({{"token", token}}, {{"Authorization", Basic(c)}});
    ExpectOAuthError(r, 401, "invalid_client");
    EXPECT_EQ(r.Header("WWW-Authenticate").value_or("").rfind("Basic", 0), 0u);
  }
  // A retired recipient's secret is just wrong credentials too.
  ExpectNoContent(AdminDelete(admin_token_, RecipientPath(recipient_.id())));
  ExpectOAuthError(Introspect(recipient_.credentials, token), 400, "invalid_client");
  // Two authentication methods at once are refused.
  ExpectOAuthError(IntrospectForm({{"token", token},
                                   {"client_id", partner_.client_id},
                                   {"client_secret", partner_.client_secret}},
                                  {{"Authorization", Basic(partner_)}}),
                   400, "invalid_request");
}

TEST_F(TokenIntrospection, MissingTokenOrUnreadableBodyIsInvalidRequest) {
  Start();
  const std::string token = Token(recipient_.credentials);
  const Headers basic = {{"Authorization", Basic(partner_)}};
  ExpectOAuthError(IntrospectForm({}, basic), 400, "invalid_request");
  ExpectOAuthError(IntrospectForm({{"token", ""}}, basic), 400, "invalid_request");
  ExpectOAuthError(IntrospectForm({{"token_type_hint", "access_token"}}, basic), 400,
                   "invalid_request");
  ExpectOAuthError(IntrospectForm({{"token", token}, {"token", token}}, basic), 400,
                   "invalid_request");
  ExpectOAuthError(IntrospectJson("{}", basic), 400, "invalid_request");
  ExpectOAuthError(IntrospectJson(R"({"token":5})", basic), 400, "invalid_request");
  ExpectOAuthError(IntrospectJson(R"({"token":)", basic), 400, "invalid_request");
  ExpectOAuthError(IntrospectJson("[]", basic), 400, "invalid_request");
  Headers text = basic;
  text.emplace_back("Content-Type", "text/plain");
  ExpectOAuthError(Send({"POST", std::string(kIntrospectPath), text, "token=" + token}), 400,
                   "invalid_request");
}

TEST_F(TokenIntrospection, OnlyPostIsAllowed) {
  Start();
  const HttpResponse r =
      Get(std::string(kIntrospectPath) + "?token=x", {{"Authorization", Basic(partner_)}});
  ExpectOAuthError(r, 405, "invalid_request");
  EXPECT_EQ(r.Header("Allow").value_or(""), "POST");
  EXPECT_EQ(StringAt(ParseJsonObject(r.body), "error_description"), "Method Not Allowed; use POST");
}

TEST_F(TokenIntrospection, ABearerTokenInsteadOfCredentialsIsToldCredentialsAreRequired) {
  Start();
  const std::string token = Token(recipient_.credentials);
  const std::vector<HttpResponse> answers = {
      // The partner's access token where its credentials belong, with and without token=.
      IntrospectForm({{"token", token}}, {{"Authorization", "Bearer " + admin_token_}}),
      Send({"POST",
            std::string(kIntrospectPath),
            {{"Authorization", "Bearer " + admin_token_}},
            {}}),
      IntrospectJson(R"({"token":")" + token + R"("})", {{"flinks-auth-key", admin_token_}}),
  };
  for (const HttpResponse& r : answers) {
    ExpectOAuthError(r, 400, "invalid_client");
    EXPECT_EQ(r.Header("Pragma").value_or(""), "no-cache");
    const std::string description = StringAt(ParseJsonObject(r.body), "error_description");
    EXPECT_NE(description.find("Client credentials are required"), std::string::npos)
        << description;
    EXPECT_NE(description.find("HTTP Basic"), std::string::npos) << description;
  }
  // The same request with the partner's credentials works.
  ExpectActive(IntrospectForm({{"token", token}}, {{"Authorization", Basic(partner_)}}), token);
}

}  // namespace
}  // namespace obauth::e2e
