// The Data Recipient admin API: create, list, details, update, with the partner's admin token
// from either header, and every error the issue names (400, 401, 403, 404, 405, 415).
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <functional>
#include <regex>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

namespace json = boost::json;
using obauth::testing::Base64UrlEncode;
using obauth::testing::Keys;
using obauth::testing::ParseJson;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;

const std::vector<std::string> kSummaryKeys = {"client_id", "client_uri",  "contacts",
                                               "country",   "description", "logo_uri",
                                               "name",      "terms_uri"};
// Details add the secret bookkeeping of issue 3 to the summary.
const std::vector<std::string> kDetailKeys = {"client_id",
                                              "client_uri",
                                              "contacts",
                                              "country",
                                              "description",
                                              "logo_uri",
                                              "name",
                                              "previous_secret_authentications",
                                              "previous_secret_expires_at",
                                              "previous_secret_last_used_at",
                                              "redirect_uris",
                                              "scope",
                                              "secret_last_used_at",
                                              "terms_uri"};

json::object Without(json::object o, std::string_view key) {
  o.erase(key);
  return o;
}

json::object With(json::object o, std::string_view key, json::value value) {
  o[key] = std::move(value);
  return o;
}

class AdminApi : public ObauthTest {
 protected:
  void SetUp() override {
    partner_ = CreatePartner();
    StartServer();
    token_ = AdminToken(partner_);
  }

  // Every admin route, with a body each would accept.
  struct Route {
    std::string method;
    std::string target;
    std::string body;
  };
  std::vector<Route> EveryRoute(std::string_view client_id) const {
    // The retirement comes last: every route before it still finds the recipient.
    return {{"GET", std::string(kRecipientsPath), ""},
            {"POST", std::string(kRecipientsPath), FullRecipientJson()},
            {"GET", RecipientPath(client_id), ""},
            {"PUT", RecipientPath(client_id), R"({"redirect_uris":["https://x.example/cb"]})"},
            {"POST", RecipientPath(client_id) + "/secret", ""},
            {"DELETE", RecipientPath(client_id) + "/secret/previous", ""},
            {"GET", std::string(kAuditPath), ""},
            {"DELETE", RecipientPath(client_id), ""}};
  }

  HttpResponse SendRoute(const Route& route, Headers headers) {
    if (!route.body.empty()) headers.emplace_back("Content-Type", "application/json");
    return Send({route.method, route.target, std::move(headers), route.body});
  }

  // The answer of POST or PUT with this body and content type.
  HttpResponse SendJson(std::string method, std::string target, std::string body,
                        std::string content_type = "application/json") {
    Headers headers = {{"Authorization", "Bearer " + token_}};
    if (!content_type.empty()) headers.emplace_back("Content-Type", content_type);
    return Send({std::move(method), std::move(target), std::move(headers), std::move(body)});
  }

  HttpResponse List() { return AdminGet(token_, kRecipientsPath); }

  Credentials partner_;
  std::string token_;
};

TEST_F(AdminApi, CreateAnswersTheWholeRecipientWithItsSecret) {
  const HttpResponse r = AdminPost(token_, kRecipientsPath, FullRecipientJson("Flinks Fake"));
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_EQ(r.Header("Content-Type").value_or(""), "application/json");
  const json::object created = ParseJsonObject(r.body);
  std::vector<std::string> keys = kDetailKeys;
  keys.insert(keys.begin() + 1, "client_secret");
  EXPECT_EQ(Keys(created), keys);
  EXPECT_TRUE(std::regex_match(StringAt(created, "client_id"), std::regex("^dc-[a-z0-9]{25}$")))
      << StringAt(created, "client_id");
  EXPECT_GE(StringAt(created, "client_secret").size(), 43u);  // 256 bits of base64url
  EXPECT_EQ(StringAt(created, "name"), "Flinks Fake");
  // The request sent an array; the answer is the space-separated string of reference §6.1.
  EXPECT_EQ(StringAt(created, "scope"), "ACCOUNT_BASIC ACCOUNT_DETAILED TRANSACTIONS");
  EXPECT_EQ(json::serialize(created.at("redirect_uris")),
            R"(["https://flinks.fake.com/callback"])");
  EXPECT_EQ(StringAt(created, "logo_uri"), "https://flinks.fake.com/logo.png");
  EXPECT_EQ(StringAt(created, "description"), "Description of Flinks Fake");
  EXPECT_EQ(StringAt(created, "terms_uri"), "https://flinks.fake.com/callback/terms.html");
  EXPECT_EQ(StringAt(created, "client_uri"), "https://flinks.fake.com");
  EXPECT_EQ(StringAt(created, "country"), "CA");
  EXPECT_EQ(json::serialize(created.at("contacts")), R"([{"email":"john.doe@flinks.fake.com"}])");
}

TEST_F(AdminApi, CreateGivesEveryRecipientItsOwnIdAndSecret) {
  const CreatedRecipient a = CreateRecipient(token_);
  const CreatedRecipient b = CreateRecipient(token_);
  EXPECT_NE(a.id(), b.id());
  EXPECT_NE(a.credentials.client_secret, b.credentials.client_secret);
}

TEST_F(AdminApi, CreateAcceptsScopeAsOneSpaceSeparatedString) {
  const CreatedRecipient r = CreateRecipient(
      token_,
      R"({"name":"N","scope":"TRANSACTIONS  ACCOUNT_BASIC","redirect_uris":["https://a.example/cb"]})");
  EXPECT_EQ(StringAt(r.body, "scope"), "ACCOUNT_BASIC TRANSACTIONS");
  const CreatedRecipient all =
      CreateRecipient(token_, R"({"name":"N","scope":")" + std::string(kAllDataScopes) +
                                  R"(","redirect_uris":["https://a.example/cb"]})");
  EXPECT_EQ(StringAt(all.body, "scope"), kAllDataScopes);
}

TEST_F(AdminApi, CreateWithOnlyRequiredFieldsLeavesTheOthersEmpty) {
  const CreatedRecipient r = CreateRecipient(
      token_,
      R"({"name":"Minimal","scope":["ACCOUNT_BASIC"],"redirect_uris":"https://a.example/cb"})");
  EXPECT_EQ(json::serialize(r.body.at("redirect_uris")), R"(["https://a.example/cb"])");
  for (const char* field : {"logo_uri", "description", "terms_uri", "client_uri", "country"}) {
    EXPECT_TRUE(!r.body.contains(field) || r.body.at(field).is_null()) << field;
  }
}

TEST_F(AdminApi, CreateAcceptsTheLongestAllowedNameAndDescriptionInCharacters) {
  std::string name;
  for (int i = 0; i < 256; ++i) name += "\xC3\xA9";  // 256 characters, 512 bytes
  json::object body = ParseJsonObject(FullRecipientJson());
  body["name"] = name;
  body["description"] = std::string(512, 'd');
  const CreatedRecipient r = CreateRecipient(token_, json::serialize(body));
  EXPECT_EQ(StringAt(r.body, "name"), name);
}

TEST_F(AdminApi, NewPartnerHasAnEmptyList) {
  const HttpResponse r = List();
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_EQ(r.body, "[]");
}

TEST_F(AdminApi, ListShowsSummaryFieldsOnlyOldestFirst) {
  const CreatedRecipient a = CreateRecipient(token_, FullRecipientJson("First"));
  const CreatedRecipient b = CreateRecipient(token_, FullRecipientJson("Second"));
  const HttpResponse r = List();
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_EQ(r.body.find(a.credentials.client_secret), std::string::npos);
  const json::value list = ParseJson(r.body);
  ASSERT_TRUE(list.is_array()) << r.body;
  ASSERT_EQ(list.as_array().size(), 2u) << r.body;
  const std::vector<const CreatedRecipient*> expected = {&a, &b};
  for (std::size_t i = 0; i < 2; ++i) {
    const json::object& item = list.as_array()[i].as_object();
    EXPECT_EQ(Keys(item), kSummaryKeys) << json::serialize(item);
    for (const auto& key : kSummaryKeys) {
      EXPECT_EQ(json::serialize(item.at(key)), json::serialize(expected[i]->body.at(key))) << key;
    }
  }
}

TEST_F(AdminApi, DetailsShowEverythingButTheSecret) {
  const CreatedRecipient created = CreateRecipient(token_);
  const HttpResponse r = AdminGet(token_, RecipientPath(created.id()));
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_EQ(r.body.find(created.credentials.client_secret), std::string::npos);
  const json::object details = ParseJsonObject(r.body);
  EXPECT_EQ(Keys(details), kDetailKeys);
  EXPECT_EQ(json::serialize(details), json::serialize(Without(created.body, "client_secret")));
}

TEST_F(AdminApi, NewRecipientHasEmptySecretBookkeeping) {
  const CreatedRecipient created = CreateRecipient(token_);
  for (const json::object& details : {created.body, RecipientDetails(token_, created.id())}) {
    SCOPED_TRACE(json::serialize(details));
    EXPECT_TRUE(details.at("secret_last_used_at").is_null());
    EXPECT_TRUE(details.at("previous_secret_expires_at").is_null());
    EXPECT_TRUE(details.at("previous_secret_last_used_at").is_null());
    EXPECT_EQ(obauth::testing::IntAt(details, "previous_secret_authentications"), 0);
  }
}

TEST_F(AdminApi, PutRedirectUrisReplacesTheWholeList) {
  const CreatedRecipient created = CreateRecipient(token_);
  const HttpResponse r = AdminPut(
      token_, RecipientPath(created.id()),
      R"({"redirect_uris":["https://flinks.fake.com/callback2","https://other.example/cb"]})");
  ASSERT_EQ(r.status, 200) << r.Describe();
  const json::object answer = ParseJsonObject(r.body);
  EXPECT_EQ(Keys(answer), kDetailKeys);
  EXPECT_EQ(json::serialize(answer.at("redirect_uris")),
            R"(["https://flinks.fake.com/callback2","https://other.example/cb"])");
  const json::object details = RecipientDetails(token_, created.id());
  EXPECT_EQ(json::serialize(details), json::serialize(answer));
  // Nothing else changed.
  EXPECT_EQ(json::serialize(Without(details, "redirect_uris")),
            json::serialize(Without(Without(created.body, "client_secret"), "redirect_uris")));
}

TEST_F(AdminApi, PutRedirectUrisAcceptsOneString) {
  const CreatedRecipient created = CreateRecipient(token_);
  const HttpResponse r = AdminPut(token_, RecipientPath(created.id()),
                                  R"({"redirect_uris":"https://single.example/cb"})");
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_EQ(json::serialize(RecipientDetails(token_, created.id()).at("redirect_uris")),
            R"(["https://single.example/cb"])");
}

TEST_F(AdminApi, PutUpdatesTheOtherDocumentedFields) {
  const CreatedRecipient created = CreateRecipient(token_);
  const json::object update{
      {"name", "Renamed"},
      {"scope", "ACCOUNT_BASIC STATEMENTS"},
      {"logo_uri", "https://new.example/logo.png"},
      {"description", "New description"},
      {"terms_uri", "https://new.example/terms"},
      {"client_uri", "https://new.example/"},
      {"country", "US"},
      {"contacts", json::array{json::object{{"email", "a@new.example"}},
                               json::object{{"email", "b@new.example"}}}},
  };
  const HttpResponse r = AdminPut(token_, RecipientPath(created.id()), json::serialize(update));
  ASSERT_EQ(r.status, 200) << r.Describe();
  const json::object details = RecipientDetails(token_, created.id());
  EXPECT_EQ(json::serialize(details), r.body);
  for (const auto& member : update) {
    if (member.key() == "scope") continue;
    EXPECT_EQ(json::serialize(details.at(member.key())), json::serialize(member.value()))
        << member.key();
  }
  EXPECT_EQ(StringAt(details, "scope"), "ACCOUNT_BASIC STATEMENTS");
  EXPECT_EQ(json::serialize(details.at("redirect_uris")),
            json::serialize(created.body.at("redirect_uris")));

  // The recipient's token follows its new scopes.
  EXPECT_EQ(StringAt(DecodeJwt(Token(created.credentials)).payload, "scope"),
            "ACCOUNT_BASIC STATEMENTS");

  // null clears an optional field.
  const HttpResponse cleared =
      AdminPut(token_, RecipientPath(created.id()), R"({"description":null})");
  ASSERT_EQ(cleared.status, 200) << cleared.Describe();
  EXPECT_TRUE(RecipientDetails(token_, created.id()).at("description").is_null());
}

TEST_F(AdminApi, PutAcceptsTheBodyThatGetAnswered) {
  const CreatedRecipient created = CreateRecipient(token_);
  const json::object details = RecipientDetails(token_, created.id());
  const HttpResponse r = AdminPut(token_, RecipientPath(created.id()), json::serialize(details));
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_EQ(r.body, json::serialize(details));
}

TEST_F(AdminApi, PutIgnoresTheSecretBookkeepingOfDetails) {
  const CreatedRecipient created = CreateRecipient(token_);
  // Sent back with other values, the read-only bookkeeping changes nothing...
  const HttpResponse r =
      AdminPut(token_, RecipientPath(created.id()),
               R"({"name":"Renamed","secret_last_used_at":"2020-01-01T00:00:00Z",)"
               R"("previous_secret_expires_at":"2999-01-01T00:00:00Z",)"
               R"("previous_secret_last_used_at":null,)"
               R"("previous_secret_authentications":7})");
  ASSERT_EQ(r.status, 200) << r.Describe();
  const json::object details = RecipientDetails(token_, created.id());
  EXPECT_EQ(StringAt(details, "name"), "Renamed");
  EXPECT_TRUE(details.at("secret_last_used_at").is_null());
  EXPECT_TRUE(details.at("previous_secret_expires_at").is_null());
  EXPECT_EQ(obauth::testing::IntAt(details, "previous_secret_authentications"), 0);
  // ...and alone it is no update at all. On create it is an unknown field.
  ExpectMessage(AdminPut(token_, RecipientPath(created.id()), R"({"secret_last_used_at":null})"),
                400);
  json::object create = ParseJsonObject(FullRecipientJson());
  create["previous_secret_authentications"] = 0;
  ExpectMessage(AdminPost(token_, kRecipientsPath, json::serialize(create)), 400);
  EXPECT_EQ(ParseJson(List().body).as_array().size(), 1u);
}

TEST_F(AdminApi, CreateRejectsInvalidBodyWith400NamingTheField) {
  const json::object valid = ParseJsonObject(FullRecipientJson());
  struct Case {
    std::string what;
    std::string body;
    std::string names;  // the message must contain this
  };
  const std::vector<Case> cases = {
      {"missing name", json::serialize(Without(valid, "name")), "'name'"},
      {"empty name", json::serialize(With(valid, "name", "")), "'name'"},
      {"blank name", json::serialize(With(valid, "name", "   ")), "'name'"},
      {"name too long", json::serialize(With(valid, "name", json::string(257, 'n'))), "'name'"},
      {"name not a string", json::serialize(With(valid, "name", 5)), "'name'"},
      {"missing scope", json::serialize(Without(valid, "scope")), "'scope'"},
      {"unknown scope", json::serialize(With(valid, "scope", json::array{"ACCOUNT_BASIC", "FOO"})),
       "'scope'"},
      {"scope without ACCOUNT_BASIC",
       json::serialize(With(valid, "scope", json::array{"TRANSACTIONS"})), "'scope'"},
      {"admin scope", json::serialize(With(valid, "scope", "ACCOUNT_BASIC client:admin")),
       "'scope'"},
      {"empty scope", json::serialize(With(valid, "scope", json::array{})), "'scope'"},
      {"scope not a list", json::serialize(With(valid, "scope", 42)), "'scope'"},
      {"missing redirect_uris", json::serialize(Without(valid, "redirect_uris")),
       "'redirect_uris'"},
      {"no redirect uri", json::serialize(With(valid, "redirect_uris", json::array{})),
       "'redirect_uris'"},
      {"http redirect uri",
       json::serialize(With(valid, "redirect_uris", json::array{"http://flinks.fake.com/cb"})),
       "'redirect_uris[0]'"},
      {"redirect uri with fragment",
       json::serialize(With(valid, "redirect_uris",
                            json::array{"https://ok.example/cb", "https://flinks.fake.com/cb#x"})),
       "'redirect_uris[1]'"},
      {"relative redirect uri", json::serialize(With(valid, "redirect_uris", json::array{"/cb"})),
       "'redirect_uris[0]'"},
      {"redirect uri not a string", json::serialize(With(valid, "redirect_uris", json::array{1})),
       "'redirect_uris'"},
      {"http logo_uri", json::serialize(With(valid, "logo_uri", "http://flinks.fake.com/l.png")),
       "'logo_uri'"},
      {"terms_uri not a URL", json::serialize(With(valid, "terms_uri", "not a url")),
       "'terms_uri'"},
      {"http client_uri", json::serialize(With(valid, "client_uri", "http://flinks.fake.com")),
       "'client_uri'"},
      {"description too long", json::serialize(With(valid, "description", json::string(513, 'd'))),
       "'description'"},
      {"unknown country", json::serialize(With(valid, "country", "FR")), "'country'"},
      {"bad contact email",
       json::serialize(With(valid, "contacts", json::array{json::object{{"email", "nope"}}})),
       "'contacts[0].email'"},
      {"contacts not a list", json::serialize(With(valid, "contacts", "a@b.example")),
       "'contacts'"},
      {"unknown field", json::serialize(With(valid, "color", "blue")), "'color'"},
      {"client_id on create", json::serialize(With(valid, "client_id", "dc-x")), "'client_id'"},
      {"malformed JSON", "{\"name\": ", "JSON"},
      {"JSON array", "[]", "JSON"},
      {"empty body", "", "JSON"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const HttpResponse r = AdminPost(token_, kRecipientsPath, c.body);
    ExpectMessage(r, 400);
    if (r.status == 400) {
      EXPECT_NE(StringAt(ParseJsonObject(r.body), "message").find(c.names), std::string::npos)
          << r.body;
    }
  }
  // Nothing was created.
  EXPECT_EQ(List().body, "[]");
}

TEST_F(AdminApi, PutRejectsInvalidBodyWith400AndLeavesTheRecipientUnchanged) {
  const CreatedRecipient created = CreateRecipient(token_);
  const std::string before = json::serialize(RecipientDetails(token_, created.id()));
  struct Case {
    std::string what;
    std::string body;
    std::string names;
  };
  const std::vector<Case> cases = {
      {"http redirect uri", R"({"redirect_uris":["http://flinks.fake.com/cb"]})",
       "'redirect_uris[0]'"},
      {"fragment", R"({"redirect_uris":"https://flinks.fake.com/cb#top"})", "'redirect_uris[0]'"},
      {"no redirect uri", R"({"redirect_uris":[]})", "'redirect_uris'"},
      {"null redirect uris", R"({"redirect_uris":null})", "'redirect_uris'"},
      {"valid uris but bad name", R"({"redirect_uris":["https://new.example/cb"],"name":""})",
       "'name'"},
      {"bad scope", R"({"scope":["STATEMENTS"]})", "'scope'"},
      {"name not a string", R"({"name":["x"]})", "'name'"},
      {"bad country", R"({"country":"ca"})", "'country'"},
      {"another client_id", R"({"client_id":"dc-aaaaaaaaaaaaaaaaaaaaaaaaa"})", "'client_id'"},
      {"client_secret", R"({"client_secret":"mine"})", "'client_secret'"},
      {"nothing to update", "{}", "update"},
      {"malformed JSON", R"({"redirect_uris":)", "JSON"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const HttpResponse r = AdminPut(token_, RecipientPath(created.id()), c.body);
    ExpectMessage(r, 400);
    if (r.status == 400) {
      EXPECT_NE(StringAt(ParseJsonObject(r.body), "message").find(c.names), std::string::npos)
          << r.body;
    }
    EXPECT_EQ(json::serialize(RecipientDetails(token_, created.id())), before);
  }
}

TEST_F(AdminApi, NonJsonContentTypeIs415) {
  const CreatedRecipient created = CreateRecipient(token_);
  const std::string before = json::serialize(RecipientDetails(token_, created.id()));
  for (const std::string type : {"text/plain", "application/x-www-form-urlencoded", ""}) {
    SCOPED_TRACE("Content-Type: " + type);
    ExpectMessage(SendJson("POST", std::string(kRecipientsPath), FullRecipientJson(), type), 415);
    ExpectMessage(SendJson("PUT", RecipientPath(created.id()),
                           R"({"redirect_uris":["https://x.example/cb"]})", type),
                  415);
  }
  // A charset parameter is fine.
  EXPECT_EQ(SendJson("POST", std::string(kRecipientsPath), FullRecipientJson(),
                     "application/json; charset=utf-8")
                .status,
            200);
  EXPECT_EQ(json::serialize(RecipientDetails(token_, created.id())), before);
}

TEST_F(AdminApi, AcceptsTheTokenFromTheFlinksAuthKeyHeader) {
  for (const std::string& value : {token_, "Bearer " + token_, "bearer " + token_}) {
    SCOPED_TRACE("flinks-auth-key: " + value.substr(0, 10));
    // Every route ends with the retirement, so each round gets its own recipient.
    const CreatedRecipient created = CreateRecipient(token_);
    for (const auto& route : EveryRoute(created.id())) {
      SCOPED_TRACE(route.method + " " + route.target);
      const HttpResponse r = SendRoute(route, {{"flinks-auth-key", value}});
      EXPECT_EQ(r.status, route.method == "DELETE" ? 204 : 200) << r.Describe();
    }
    ExpectMessage(AdminGet(token_, RecipientPath(created.id())), 404);
  }
}

TEST_F(AdminApi, AcceptsTheSameTokenInBothHeadersButNotTwoDifferentOnes) {
  EXPECT_EQ(
      Get(kRecipientsPath, {{"Authorization", "Bearer " + token_}, {"flinks-auth-key", token_}})
          .status,
      200);
  const std::string other = AdminToken(partner_);
  ASSERT_NE(other, token_);
  ExpectInvalidBearerToken(
      Get(kRecipientsPath, {{"Authorization", "Bearer " + token_}, {"flinks-auth-key", other}}));
}

TEST_F(AdminApi, MissingOrMalformedTokenIs401OnEveryRoute) {
  const CreatedRecipient created = CreateRecipient(token_);
  const std::string basic =
      "Basic " + obauth::testing::Base64Encode(partner_.client_id + ":" + partner_.client_secret);
  // No bearer token at all (RFC 6750 §3.1: a challenge without an error code).
  const std::vector<Headers> missing = {
      {},
      {{"Authorization", "Bearer"}},
      {{"Authorization", "Bearer "}},
      {{"Authorization", basic}},
      {{"Authorization", token_}},
      {{"flinks-auth-key", ""}},
  };
  for (const auto& headers : missing) {
    SCOPED_TRACE(headers.empty() ? "no token" : headers[0].first + ": " + headers[0].second);
    for (const auto& route : EveryRoute(created.id())) {
      SCOPED_TRACE(route.method + " " + route.target);
      ExpectMissingBearerToken(SendRoute(route, headers));
    }
  }
  // Basic credentials are told that a bearer token is needed, and where it comes from.
  const HttpResponse with_basic = Get(kRecipientsPath, {{"Authorization", basic}});
  EXPECT_NE(with_basic.body.find("not Basic credentials"), std::string::npos) << with_basic.body;
  // A token that is not one.
  const std::vector<Headers> malformed = {
      {{"Authorization", "Bearer not-a-token"}},
      {{"Authorization", "Bearer a.b.c"}},
      {{"Authorization", "Bearer " + token_ + ".extra"}},
      {{"flinks-auth-key", "garbage"}},
  };
  for (const auto& headers : malformed) {
    SCOPED_TRACE(headers[0].first + ": " + headers[0].second);
    for (const auto& route : EveryRoute(created.id())) {
      SCOPED_TRACE(route.method + " " + route.target);
      ExpectInvalidBearerToken(SendRoute(route, headers), "the access token is malformed");
    }
  }
}

TEST_F(AdminApi, TamperedTokenIs401OnEveryRoute) {
  const CreatedRecipient created = CreateRecipient(token_);
  const auto first = token_.find('.');
  const auto second = token_.find('.', first + 1);
  auto flip = [&](std::size_t at) {
    std::string t = token_;
    t[at] = t[at] == 'A' ? 'B' : 'A';
    return t;
  };
  // A payload that claims another subject, re-encoded, with the original signature.
  json::object forged_claims = DecodeJwt(token_).payload;
  forged_claims["sub"] = "pt-" + std::string(25, 'z');
  const std::string forged = token_.substr(0, first) + "." +
                             Base64UrlEncode(json::serialize(forged_claims)) +
                             token_.substr(second);
  const std::string alg_none = Base64UrlEncode(R"({"alg":"none","typ":"at+jwt"})") + "." +
                               token_.substr(first + 1, second - first);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"signature char flipped", flip(second + 10)},
      {"last signature char flipped", flip(token_.size() - 1)},
      {"payload char flipped", flip(first + 10)},
      {"header char flipped", flip(5)},
      {"payload forged", forged},
      {"alg none", alg_none},
      {"signature removed", token_.substr(0, second + 1)},
  };
  for (const auto& [what, token] : cases) {
    SCOPED_TRACE(what);
    ASSERT_NE(token, token_);
    for (const auto& route : EveryRoute(created.id())) {
      SCOPED_TRACE(route.method + " " + route.target);
      ExpectInvalidBearerToken(SendRoute(route, {{"Authorization", "Bearer " + token}}));
    }
  }
  // The real token still works.
  EXPECT_EQ(List().status, 200);
}

TEST_F(AdminApi, RecipientTokenIs403OnEveryRoute) {
  const CreatedRecipient created = CreateRecipient(token_);
  const std::string recipient_token = Token(created.credentials);
  const std::string before = json::serialize(RecipientDetails(token_, created.id()));
  for (const auto& route : EveryRoute(created.id())) {
    SCOPED_TRACE(route.method + " " + route.target);
    for (const Headers& headers : {Headers{{"Authorization", "Bearer " + recipient_token}},
                                   Headers{{"flinks-auth-key", recipient_token}}}) {
      const HttpResponse r = SendRoute(route, headers);
      ExpectMessage(r, 403);
      EXPECT_NE(r.Header("WWW-Authenticate").value_or("").find("insufficient_scope"),
                std::string::npos);
    }
  }
  // Nothing changed: same details, the same one recipient, and its secret still works.
  EXPECT_EQ(json::serialize(RecipientDetails(token_, created.id())), before);
  EXPECT_EQ(ParseJson(List().body).as_array().size(), 1u);
  EXPECT_EQ(RequestToken(created.credentials).status, 200);
}

TEST_F(AdminApi, UnknownOrMalformedRecipientIdIs404) {
  CreateRecipient(token_);
  const std::vector<std::string> ids = {
      "dc-" + std::string(25, 'a'),  // well-formed, unknown
      "nope",
      "DC-AAAAAAAAAAAAAAAAAAAAAAAAA",
      "dc-short",
      "dc-" + std::string(26, 'a'),
      partner_.client_id,  // a partner is not a recipient
      "dc-%2e%2e",
  };
  const std::string update = R"({"redirect_uris":["https://x.example/cb"]})";
  for (const auto& id : ids) {
    SCOPED_TRACE(id);
    ExpectMessage(AdminGet(token_, RecipientPath(id)), 404, "Data Recipient not found");
    ExpectMessage(AdminPut(token_, RecipientPath(id), update), 404, "Data Recipient not found");
    ExpectMessage(RotateSecret(token_, id), 404, "Data Recipient not found");
    ExpectMessage(RevokePreviousSecret(token_, id), 404, "Data Recipient not found");
    ExpectMessage(AdminDelete(token_, RecipientPath(id)), 404, "Data Recipient not found");
  }
}

TEST_F(AdminApi, WrongMethodIs405WithAllow) {
  const CreatedRecipient created = CreateRecipient(token_);
  struct Case {
    std::string target;
    std::vector<std::string> methods;
    std::string allow;
  };
  const std::vector<Case> cases = {
      {std::string(kTokenPath), {"GET", "PUT", "DELETE"}, "POST"},
      {std::string(kRecipientsPath), {"PUT", "DELETE", "PATCH"}, "GET, POST"},
      {RecipientPath(created.id()), {"POST", "PATCH"}, "GET, PUT, DELETE"},
      {RecipientPath(created.id()) + "/secret", {"GET", "PUT", "DELETE"}, "POST"},
      {RecipientPath(created.id()) + "/secret/previous", {"GET", "POST", "PUT"}, "DELETE"},
      {std::string(kIntrospectPath), {"GET", "PUT", "DELETE"}, "POST"},
      {std::string(kAuditPath), {"POST", "PUT", "DELETE"}, "GET"},
      {"/healthz", {"POST"}, "GET"},
  };
  for (const auto& c : cases) {
    for (const auto& method : c.methods) {
      SCOPED_TRACE(method + " " + c.target);
      const HttpResponse r = Send({method, c.target, {{"Authorization", "Bearer " + token_}}, {}});
      // The OAuth endpoints answer in their own error format (docs/api.md, "Errors").
      if (c.target == kTokenPath || c.target == kIntrospectPath) {
        ExpectOAuthError(r, 405, "invalid_request");
      } else {
        ExpectMessage(r, 405, "Method Not Allowed");
      }
      EXPECT_EQ(r.Header("Allow").value_or("(none)"), c.allow);
    }
  }
}

TEST_F(AdminApi, UnknownPathIs404) {
  for (const std::string target :
       {"/", "/api", "/api/v1", "/api/v1/nope", "/api/v2/recipients", "/api/v1/recipientsX",
        "/api/v1/recipients/dc-aaaaaaaaaaaaaaaaaaaaaaaaa/other",
        "/api/v1/recipients/dc-aaaaaaaaaaaaaaaaaaaaaaaaa/secret/extra",
        "/api/v1/recipients/dc-aaaaaaaaaaaaaaaaaaaaaaaaa/secret/previous/x",
        "/api/v1/recipients/dc-aaaaaaaaaaaaaaaaaaaaaaaaa/secret/Previous", "/api/v1/audit/x",
        "/api/v1/introspect/x", "/api/v1/recipients//secret", "/API/V1/TOKEN"}) {
    SCOPED_TRACE(target);
    ExpectMessage(AdminGet(token_, target), 404, "Not Found");
  }
}

}  // namespace
}  // namespace obauth::e2e
