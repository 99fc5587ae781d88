#include "http/json_codec.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "http/paging.hpp"

namespace obauth::http {
namespace {

using Strings = std::vector<std::string>;
constexpr char kPathId[] = "dc-0123456789abcdefghijklmno";

const RecipientBodyContext kCreate{true, {}};
const RecipientBodyContext kUpdate{false, kPathId};

admin::RecipientInput DecodeOk(std::string_view body, RecipientBodyContext context = kCreate) {
  auto decoded = DecodeRecipientInput(body, context);
  EXPECT_TRUE(decoded) << body << " -> " << (decoded ? "" : decoded.error().public_message);
  return decoded ? *decoded : admin::RecipientInput{};
}

struct RejectCase {
  std::string body;
  RecipientBodyContext context;
  std::string message_part;  // a part of the public message
};

TEST(DecodeRecipientInput, RejectsTable) {
  const RejectCase cases[] = {
      // Malformed JSON and non-objects.
      {"", kCreate, "Malformed JSON body"},
      {"{", kCreate, "Malformed JSON body"},
      {R"({"name":"a",})", kCreate, "Malformed JSON body"},
      {R"({"name":"a"} trailing)", kCreate, "Malformed JSON body"},
      {"{'name':'a'}", kCreate, "Malformed JSON body"},
      {"{\"name\":\"\xff\"}", kCreate, "Malformed JSON body"},  // invalid UTF-8
      {"[]", kCreate, "must be an object"},
      {"null", kCreate, "must be an object"},
      {R"("name")", kCreate, "must be an object"},
      {"42", kCreate, "must be an object"},
      // Unknown and read-only fields.
      {R"({"nmae":"typo"})", kCreate, "Unknown or read-only field 'nmae'"},
      {R"({"client_secret":"x"})", kCreate, "Unknown or read-only field 'client_secret'"},
      {R"({"client_id":"dc-0123456789abcdefghijklmno"})", kCreate,
       "Unknown or read-only field 'client_id'"},
      {R"({"name":"a","client_id":"dc-other0000000000000000000"})", kUpdate,
       "Unknown or read-only field 'client_id'"},
      {R"({"name":"a","client_id":1})", kUpdate, "Unknown or read-only field 'client_id'"},
      {R"({"name":"a","client_id":null})", kUpdate, "Unknown or read-only field 'client_id'"},
      {R"({"Name":"a"})", kCreate, "Unknown or read-only field 'Name'"},
      // Wrong types.
      {R"({"name":1})", kCreate, "'name': must be a string"},
      {R"({"name":true})", kCreate, "'name': must be a string"},
      {R"({"name":["a"]})", kCreate, "'name': must be a string"},
      {R"({"name":{"a":1}})", kCreate, "'name': must be a string"},
      {R"({"scope":1})", kCreate, "'scope': must be an array of strings"},
      {R"({"scope":{"a":"b"}})", kCreate, "'scope': must be an array of strings"},
      {R"({"scope":["ACCOUNT_BASIC",1]})", kCreate, "'scope': must be an array of strings"},
      {R"({"scope":["ACCOUNT_BASIC",null]})", kCreate, "'scope': must be an array of strings"},
      {R"({"redirect_uris":true})", kCreate, "'redirect_uris': must be an array of strings"},
      {R"({"redirect_uris":[["https://a.example"]]})", kCreate,
       "'redirect_uris': must be an array of strings"},
      {R"({"logo_uri":1})", kCreate, "'logo_uri': must be a string"},
      {R"({"description":[]})", kCreate, "'description': must be a string"},
      {R"({"terms_uri":false})", kCreate, "'terms_uri': must be a string"},
      {R"({"client_uri":{}})", kCreate, "'client_uri': must be a string"},
      {R"({"country":2})", kCreate, "'country': must be a string"},
      // Contacts must be [{"email": string}, ...].
      {R"({"contacts":"ops@a.example"})", kCreate, "'contacts'"},
      {R"({"contacts":{"email":"ops@a.example"}})", kCreate, "'contacts'"},
      {R"({"contacts":["ops@a.example"]})", kCreate, "'contacts'"},
      {R"({"contacts":[{"email":1}]})", kCreate, "'contacts'"},
      {R"({"contacts":[{"email":null}]})", kCreate, "'contacts'"},
      {R"({"contacts":[{}]})", kCreate, "'contacts'"},
      {R"({"contacts":[{"mail":"ops@a.example"}]})", kCreate, "'contacts'"},
      {R"({"contacts":[{"email":"ops@a.example","name":"Ops"}]})", kCreate, "'contacts'"},
      {R"({"contacts":[null]})", kCreate, "'contacts'"},
      // An update must name at least one field.
      {"{}", kUpdate, "no field to update"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    auto decoded = DecodeRecipientInput(c.body, c.context);
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.error().code, ErrorCode::kValidation);
    EXPECT_NE(decoded.error().public_message.find(c.message_part), std::string::npos)
        << decoded.error().public_message;
  }
}

TEST(DecodeRecipientInput, DecodesEveryField) {
  const auto in = DecodeOk(R"({
    "name": "Acme",
    "scope": ["ACCOUNT_BASIC", "TRANSACTIONS"],
    "redirect_uris": ["https://a.example/1", "https://a.example/2"],
    "logo_uri": "https://a.example/logo.png",
    "description": "Budgeting \u00e9",
    "terms_uri": "https://a.example/terms",
    "client_uri": "https://a.example/",
    "country": "CA",
    "contacts": [{"email": "ops@a.example"}, {"email": "sec@a.example"}]
  })");
  EXPECT_EQ(in.name.value, std::optional<std::string>("Acme"));
  EXPECT_EQ(in.scope.value, std::optional<Strings>({"ACCOUNT_BASIC", "TRANSACTIONS"}));
  EXPECT_EQ(in.redirect_uris.value,
            std::optional<Strings>({"https://a.example/1", "https://a.example/2"}));
  EXPECT_EQ(in.logo_uri.value, std::optional<std::string>("https://a.example/logo.png"));
  EXPECT_EQ(in.description.value, std::optional<std::string>("Budgeting \xc3\xa9"));
  EXPECT_EQ(in.terms_uri.value, std::optional<std::string>("https://a.example/terms"));
  EXPECT_EQ(in.client_uri.value, std::optional<std::string>("https://a.example/"));
  EXPECT_EQ(in.country.value, std::optional<std::string>("CA"));
  EXPECT_EQ(in.contact_emails.value, std::optional<Strings>({"ops@a.example", "sec@a.example"}));
  for (bool present : {in.name.present, in.scope.present, in.redirect_uris.present,
                       in.logo_uri.present, in.description.present, in.terms_uri.present,
                       in.client_uri.present, in.country.present, in.contact_emails.present}) {
    EXPECT_TRUE(present);
  }
}

TEST(DecodeRecipientInput, AbsentFieldsAreNotPresent) {
  const auto in = DecodeOk(R"({"name":"Acme"})");
  EXPECT_TRUE(in.name.present);
  EXPECT_FALSE(in.scope.present);
  EXPECT_FALSE(in.redirect_uris.present);
  EXPECT_FALSE(in.logo_uri.present);
  EXPECT_FALSE(in.description.present);
  EXPECT_FALSE(in.terms_uri.present);
  EXPECT_FALSE(in.client_uri.present);
  EXPECT_FALSE(in.country.present);
  EXPECT_FALSE(in.contact_emails.present);
}

TEST(DecodeRecipientInput, NullIsPresentWithoutValue) {
  const auto in = DecodeOk(
      R"({"name":null,"scope":null,"redirect_uris":null,"logo_uri":null,"description":null,)"
      R"("terms_uri":null,"client_uri":null,"country":null,"contacts":null})");
  EXPECT_TRUE(in.name.present);
  EXPECT_FALSE(in.name.value.has_value());
  EXPECT_TRUE(in.scope.present);
  EXPECT_FALSE(in.scope.value.has_value());
  EXPECT_TRUE(in.redirect_uris.present);
  EXPECT_FALSE(in.redirect_uris.value.has_value());
  EXPECT_TRUE(in.logo_uri.present);
  EXPECT_FALSE(in.logo_uri.value.has_value());
  EXPECT_TRUE(in.description.present);
  EXPECT_FALSE(in.description.value.has_value());
  EXPECT_TRUE(in.terms_uri.present);
  EXPECT_FALSE(in.terms_uri.value.has_value());
  EXPECT_TRUE(in.client_uri.present);
  EXPECT_FALSE(in.client_uri.value.has_value());
  EXPECT_TRUE(in.country.present);
  EXPECT_FALSE(in.country.value.has_value());
  EXPECT_TRUE(in.contact_emails.present);
  EXPECT_FALSE(in.contact_emails.value.has_value());
}

TEST(DecodeRecipientInput, ScopeStringIsSplitOnSpaces) {
  const auto in = DecodeOk(R"({"scope":"  ACCOUNT_BASIC   TRANSACTIONS "})");
  EXPECT_EQ(in.scope.value, std::optional<Strings>({"ACCOUNT_BASIC", "TRANSACTIONS"}));
  const auto empty = DecodeOk(R"({"scope":""})");
  EXPECT_TRUE(empty.scope.present);
  EXPECT_EQ(empty.scope.value, std::optional<Strings>(Strings{}));
}

TEST(DecodeRecipientInput, ScopeArrayIsKeptAsGiven) {
  // Array items are not split: validation later rejects "A B" as an unknown value.
  const auto in = DecodeOk(R"({"scope":["ACCOUNT_BASIC TRANSACTIONS"]})");
  EXPECT_EQ(in.scope.value, std::optional<Strings>({"ACCOUNT_BASIC TRANSACTIONS"}));
}

TEST(DecodeRecipientInput, RedirectUrisStringIsOneUri) {
  const auto in = DecodeOk(R"({"redirect_uris":"https://a.example/cb x"})");
  EXPECT_EQ(in.redirect_uris.value, std::optional<Strings>({"https://a.example/cb x"}));
}

TEST(DecodeRecipientInput, EmptyContactsArrayIsPresentAndEmpty) {
  const auto in = DecodeOk(R"({"contacts":[]})");
  EXPECT_TRUE(in.contact_emails.present);
  EXPECT_EQ(in.contact_emails.value, std::optional<Strings>(Strings{}));
}

TEST(DecodeRecipientInput, ClientIdAllowedOnUpdateOnlyWhenItEqualsPathId) {
  const auto in =
      DecodeOk(R"({"client_id":"dc-0123456789abcdefghijklmno","name":"Acme"})", kUpdate);
  EXPECT_EQ(in.name.value, std::optional<std::string>("Acme"));
}

TEST(DecodeRecipientInput, UpdateWithOnlyTheClientIdHasNothingToUpdate) {
  auto r = DecodeRecipientInput(R"({"client_id":"dc-0123456789abcdefghijklmno"})", kUpdate);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kValidation);
  EXPECT_EQ(r.error().public_message, "The body has no field to update");
}

TEST(DecodeRecipientInput, RejectsRepeatedMemberNames) {
  for (const char* body : {R"({"name":"a","name":"b"})",
                           R"({"contacts":[{"email":"a@b.example","email":"c@d.example"}]})"}) {
    auto r = DecodeRecipientInput(body, kCreate);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().code, ErrorCode::kValidation);
    EXPECT_NE(r.error().public_message.find("appears twice"), std::string::npos);
  }
  // The same name in two different objects is fine.
  EXPECT_TRUE(DecodeRecipientInput(
      R"({"contacts":[{"email":"a@b.example"},{"email":"c@d.example"}]})", kCreate));
}

TEST(DecodeRecipientInput, EmptyObjectIsFineOnCreate) {
  // Required fields are judged by ApplyRecipientInput, not by the decoder.
  const auto in = DecodeOk("{}");
  EXPECT_FALSE(in.name.present);
}

std::string Nested(int depth) {
  // `depth` levels of nesting in total, the outer object included.
  std::string body = R"({"contacts":)";
  for (int i = 1; i < depth; ++i) body += "[";
  for (int i = 1; i < depth; ++i) body += "]";
  return body + "}";
}

TEST(DecodeRecipientInput, RejectsNestingDeeperThan16) {
  // At the limit the JSON parses, and only the shape of "contacts" is wrong.
  auto at_limit = DecodeRecipientInput(Nested(16), kCreate);
  ASSERT_FALSE(at_limit);
  EXPECT_EQ(at_limit.error().code, ErrorCode::kValidation);
  EXPECT_NE(at_limit.error().public_message.find("'contacts'"), std::string::npos)
      << at_limit.error().public_message;
  // One level deeper the parser refuses it.
  auto too_deep = DecodeRecipientInput(Nested(17), kCreate);
  ASSERT_FALSE(too_deep);
  EXPECT_EQ(too_deep.error().code, ErrorCode::kValidation);
  EXPECT_NE(too_deep.error().public_message.find("Malformed JSON body"), std::string::npos)
      << too_deep.error().public_message;
  auto very_deep = DecodeRecipientInput(Nested(10000), kCreate);
  ASSERT_FALSE(very_deep);
  EXPECT_EQ(very_deep.error().code, ErrorCode::kValidation);
}

// ---- DecodeJsonParams (the token and introspection endpoints' JSON bodies) ---------------------

using Pairs = std::vector<std::pair<std::string, std::string>>;
const std::vector<std::string_view> kTokenNames = {"grant_type", "scope", "client_id",
                                                   "client_secret"};

TEST(DecodeJsonParams, ReadsNamedStringParametersInBodyOrder) {
  auto pairs = DecodeJsonParams(
      R"({"grant_type":"client_credentials","scope":"client:admin","client_id":"pt-1",)"
      R"("client_secret":"s3cret","extra":{"ignored":[1,2]}})",
      kTokenNames);
  ASSERT_TRUE(pairs) << pairs.error().public_message;
  EXPECT_EQ(*pairs, (Pairs{{"grant_type", "client_credentials"},
                           {"scope", "client:admin"},
                           {"client_id", "pt-1"},
                           {"client_secret", "s3cret"}}));
}

TEST(DecodeJsonParams, AbsentParametersAreNotReturned) {
  auto pairs = DecodeJsonParams(R"({"grant_type":"client_credentials"})", kTokenNames);
  ASSERT_TRUE(pairs);
  EXPECT_EQ(*pairs, (Pairs{{"grant_type", "client_credentials"}}));
  auto none = DecodeJsonParams("{}", kTokenNames);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(DecodeJsonParams, EmptyValuesAreReturnedForTheEndpointToTreatAsAbsent) {
  // RFC 6749 §3.1 (an empty parameter is omitted) is applied by the router, the same for form
  // and JSON bodies; see RouterTest.TokenJsonEmptyValuesCountAsAbsent.
  auto pairs = DecodeJsonParams(R"({"grant_type":"client_credentials","client_id":"",)"
                                R"("client_secret":"","scope":""})",
                                kTokenNames);
  ASSERT_TRUE(pairs);
  EXPECT_EQ(*pairs, (Pairs{{"grant_type", "client_credentials"},
                           {"client_id", ""},
                           {"client_secret", ""},
                           {"scope", ""}}));
}

TEST(DecodeJsonParams, OnlyTheNamesAskedForAreRead) {
  auto pairs = DecodeJsonParams(R"({"token":"a.b.c","token_type_hint":"access_token",)"
                                R"("grant_type":{"not":"a string"}})",
                                {"token", "token_type_hint"});
  ASSERT_TRUE(pairs) << pairs.error().public_message;
  EXPECT_EQ(*pairs, (Pairs{{"token", "a.b.c"}, {"token_type_hint", "access_token"}}));
}

TEST(DecodeJsonParams, RejectsRepeatedParameters) {
  auto r = DecodeJsonParams(R"({"grant_type":"client_credentials","scope":"a","scope":"b"})",
                            kTokenNames);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidRequest);
  // Any repeated member makes the body ambiguous, named or not.
  auto unnamed =
      DecodeJsonParams(R"({"grant_type":"client_credentials","x":1,"x":2})", kTokenNames);
  ASSERT_FALSE(unnamed);
  EXPECT_EQ(unnamed.error().code, ErrorCode::kInvalidRequest);
}

TEST(DecodeJsonParams, RejectsTable) {
  const std::string_view cases[] = {
      "",
      "{",
      "[]",
      "null",
      R"("grant_type")",
      R"({"grant_type":1})",
      R"({"grant_type":null})",
      R"({"scope":["client:admin"]})",
      R"({"client_id":123})",
      R"({"client_secret":true})",
  };
  for (const auto body : cases) {
    SCOPED_TRACE(body);
    auto r = DecodeJsonParams(body, kTokenNames);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidRequest);
  }
}

// ---- DecodeRotateOptions ------------------------------------------------------------------------

struct RotateCase {
  std::string body;
  std::int64_t grace;
  bool revoke_tokens;
};

TEST(DecodeRotateOptions, AcceptsTable) {
  const admin::RotateOptions defaults{300, false};
  const RotateCase cases[] = {
      {"", 300, false},
      {" \t\r\n", 300, false},
      {"{}", 300, false},
      {R"({"previous_secret_expires_in":600})", 600, false},
      {R"({"previous_secret_expires_in":0})", 0, false},
      {R"({"revoke_tokens":true})", 300, true},
      {R"({"revoke_tokens":false})", 300, false},
      {R"( {"revoke_tokens":true,"previous_secret_expires_in":604800} )", 604800, true},
      // Out of range values decode; the service answers kValidation for them.
      {R"({"previous_secret_expires_in":-1})", -1, false},
      {R"({"previous_secret_expires_in":604801})", 604801, false},
      {R"({"previous_secret_expires_in":18446744073709551615})", -1, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    auto options = DecodeRotateOptions(c.body, defaults);
    ASSERT_TRUE(options) << options.error().public_message;
    EXPECT_EQ(options->previous_secret_expires_in, c.grace);
    EXPECT_EQ(options->revoke_tokens, c.revoke_tokens);
  }
}

TEST(DecodeRotateOptions, RejectsTable) {
  const std::pair<std::string, std::string> cases[] = {
      // Wrong types.
      {R"({"previous_secret_expires_in":"600"})", "'previous_secret_expires_in'"},
      {R"({"previous_secret_expires_in":1.5})", "'previous_secret_expires_in'"},
      {R"({"previous_secret_expires_in":6e2})", "'previous_secret_expires_in'"},
      {R"({"previous_secret_expires_in":true})", "'previous_secret_expires_in'"},
      {R"({"previous_secret_expires_in":null})", "'previous_secret_expires_in'"},
      {R"({"previous_secret_expires_in":[600]})", "'previous_secret_expires_in'"},
      {R"({"revoke_tokens":"true"})", "'revoke_tokens'"},
      {R"({"revoke_tokens":1})", "'revoke_tokens'"},
      {R"({"revoke_tokens":null})", "'revoke_tokens'"},
      // Unknown fields.
      {R"({"grace":600})", "'grace'"},
      {R"({"previous_secret_expires_in":600,"client_secret":"x"})", "'client_secret'"},
      // Malformed JSON or not an object.
      {"{", "Malformed JSON"},
      {R"({"revoke_tokens":true,})", "Malformed JSON"},
      {"[]", "must be an object"},
      {"null", "must be an object"},
      {"600", "must be an object"},
      {R"({"revoke_tokens":true,"revoke_tokens":false})", "appears twice"},
  };
  for (const auto& [body, message_part] : cases) {
    SCOPED_TRACE(body);
    auto options = DecodeRotateOptions(body, {});
    ASSERT_FALSE(options);
    EXPECT_EQ(options.error().code, ErrorCode::kValidation);
    EXPECT_NE(options.error().public_message.find(message_part), std::string::npos)
        << options.error().public_message;
  }
}

// ---- Encoders -----------------------------------------------------------------------------------

TEST(EncodeIssuedSecret, CarriesPreviousExpiryOnlyWithAGracePeriod) {
  admin::IssuedSecret issued{kPathId, Secret("s3cret"), std::nullopt};
  EXPECT_EQ(EncodeIssuedSecret(issued),
            std::string(R"({"client_id":")") + kPathId + R"(","client_secret":"s3cret"})");
  issued.previous_secret_expires_at = 1'700'000'600;
  EXPECT_EQ(
      EncodeIssuedSecret(issued),
      std::string(R"({"client_id":")") + kPathId +
          R"(","client_secret":"s3cret","previous_secret_expires_at":"2023-11-14T22:23:20Z"})");
}

TEST(EncodeIntrospection, InactiveIsOnlyActiveFalse) {
  EXPECT_EQ(EncodeIntrospection(oauth::Introspection{}), R"({"active":false})");
}

TEST(EncodeIntrospection, ActiveHasRfc7662Fields) {
  oauth::AccessTokenClaims claims{"https://auth.example",
                                  "dc-1",
                                  "dc-1",
                                  "ACCOUNT_BASIC",
                                  "jti-1",
                                  1'700'000'000,
                                  1'700'000'300,
                                  3,
                                  0,
                                  ""};
  const std::string body = EncodeIntrospection(oauth::Introspection{claims});
  EXPECT_EQ(body, R"({"active":true,"scope":"ACCOUNT_BASIC","client_id":"dc-1","sub":"dc-1",)"
                  R"("exp":1700000300,"iat":1700000000,"iss":"https://auth.example",)"
                  R"("aud":"https://auth.example","jti":"jti-1","token_type":"Bearer"})");
}

TEST(EncodeAuditPage, EventsWithOptionsAndNextCursor) {
  const store::AuditEvent event{42,
                                1'700'000'000,
                                "pt-1",
                                "pt-1",
                                "recipient.secret_rotated",
                                "dc-1",
                                "req-1",
                                "203.0.113.1:1",
                                R"({"revoke_tokens":true})"};
  EXPECT_EQ(EncodeAuditPage({event}, 42),
            R"({"events":[{"id":"42","at":"2023-11-14T22:13:20Z","actor":"pt-1",)"
            R"("action":"recipient.secret_rotated","client_id":"dc-1","request_id":"req-1",)"
            R"("source":"203.0.113.1:1","options":{"revoke_tokens":true}}],"next":"42"})");
  EXPECT_EQ(EncodeAuditPage({}, std::nullopt), R"({"events":[],"next":null})");
}

// `recipients` as a page of the list encodes them.
std::string Items(std::vector<store::Recipient> recipients) {
  store::Page<store::Recipient> page;
  page.items = std::move(recipients);
  return EncodePage(page, AppendRecipientItem).items;
}

TEST(EncodeRecipientDetails, CarriesSecretStatus) {
  store::Recipient r;
  r.client_id = kPathId;
  const std::string empty = EncodeRecipientDetails(r);
  EXPECT_NE(empty.find(R"("secret_last_used_at":null)"), std::string::npos) << empty;
  EXPECT_NE(empty.find(R"("previous_secret_expires_at":null)"), std::string::npos) << empty;
  EXPECT_NE(empty.find(R"("previous_secret_last_used_at":null)"), std::string::npos) << empty;
  EXPECT_NE(empty.find(R"("previous_secret_authentications":0)"), std::string::npos) << empty;
  r.secrets = {1'700'000'000, 1'700'000'600, 1'700'000'060, 7};
  const std::string body = EncodeRecipientDetails(r);
  EXPECT_NE(body.find(R"("secret_last_used_at":"2023-11-14T22:13:20Z")"), std::string::npos)
      << body;
  EXPECT_NE(body.find(R"("previous_secret_expires_at":"2023-11-14T22:23:20Z")"), std::string::npos)
      << body;
  EXPECT_NE(body.find(R"("previous_secret_last_used_at":"2023-11-14T22:14:20Z")"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find(R"("previous_secret_authentications":7)"), std::string::npos) << body;
  // The list shows summaries only.
  EXPECT_EQ(Items({r}).find("secret_last_used_at"), std::string::npos);
}

TEST(EncodeRecipientItems, WritesTheBytesBoostJsonWouldForEveryKindOfCharacter) {
  namespace json = boost::json;
  store::Recipient r;
  r.client_id = kPathId;
  std::string every;  // every byte value a validated UTF-8 name may hold, and some UTF-8
  for (int c = 1; c < 0x80; ++c) every.push_back(static_cast<char>(c));
  r.name = every + "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
  r.description = "quote \" backslash \\ slash / tab \t";
  r.country = "CA";
  r.contact_emails = {"a@x.example", "b\"@x.example"};
  json::array contacts;
  for (const auto& e : r.contact_emails) contacts.push_back(json::object{{"email", e}});
  const json::object expected{{"client_id", r.client_id}, {"name", r.name},
                              {"logo_uri", nullptr},      {"description", *r.description},
                              {"terms_uri", nullptr},     {"client_uri", nullptr},
                              {"country", "CA"},          {"contacts", contacts}};
  EXPECT_EQ(Items({r}), json::serialize(expected));
  r.contact_emails.clear();
  EXPECT_NE(Items({r, r}).find(R"("contacts":[]},{"client_id")"), std::string::npos);
}

TEST(EncodeToken, HasBearerTypeAndExpiresIn) {
  const oauth::IssuedToken token{"pt-1", "a.b.c", 300, "client:admin", std::nullopt};
  EXPECT_EQ(EncodeToken(token), R"({"access_token":"a.b.c","token_type":"Bearer","expires_in":300,)"
                                R"("scope":"client:admin"})");
}

TEST(EncodeOAuthError, HasErrorAndDescription) {
  EXPECT_EQ(EncodeOAuthError("invalid_client", "Client authentication failed"),
            R"({"error":"invalid_client","error_description":"Client authentication failed"})");
}

TEST(EncodeRecipientDetails, NullsForAbsentOptionalsAndContactObjects) {
  store::Recipient r;
  r.client_id = kPathId;
  r.name = "Acme \"quoted\"";
  r.scope = "ACCOUNT_BASIC";
  r.redirect_uris = {"https://a.example/cb"};
  r.contact_emails = {"ops@a.example"};
  const std::string body = EncodeRecipientDetails(r);
  EXPECT_NE(body.find(R"("name":"Acme \"quoted\"")"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("logo_uri":null)"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("country":null)"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("contacts":[{"email":"ops@a.example"}])"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("redirect_uris":["https://a.example/cb"])"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("scope":"ACCOUNT_BASIC")"), std::string::npos) << body;
  EXPECT_EQ(body.find("partner_id"), std::string::npos) << body;
}

TEST(EncodeRecipientItems, SummariesWithoutScopeOrRedirectUris) {
  store::Recipient r;
  r.client_id = kPathId;
  r.name = "Acme";
  r.scope = "ACCOUNT_BASIC";
  r.redirect_uris = {"https://a.example/cb"};
  const std::string body = Items({r});
  EXPECT_EQ(body.front(), '{');
  EXPECT_NE(body.find(kPathId), std::string::npos);
  EXPECT_EQ(body.find("redirect_uris"), std::string::npos) << body;
  EXPECT_EQ(Items({}), "");
}

TEST(DecodeJsonParams, RefusesAnObjectWithMoreMembersThanTheLimit) {
  auto object = [](std::size_t members) {
    std::string body = "{";
    for (std::size_t i = 0; i < members; ++i) {
      body += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":0";
    }
    return body + "}";
  };
  EXPECT_TRUE(DecodeJsonParams(object(kMaxJsonMembers), {"grant_type"}));
  // Nested objects count on their own, and the limit holds at any depth.
  for (const std::string& body :
       {object(kMaxJsonMembers + 1), R"({"a":)" + object(kMaxJsonMembers + 1) + "}"}) {
    auto r = DecodeJsonParams(body, {"grant_type"});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidRequest);
    EXPECT_EQ(r.error().public_message, "Malformed JSON body: an object has more than 100 members");
  }
}

TEST(DecodeJsonParams, FindsARepeatedNameAnywhereInALargeObject) {
  std::string body = "{\"k0\":0";
  for (int i = 1; i < 99; ++i) body += ",\"k" + std::to_string(i) + "\":0";
  auto r = DecodeJsonParams(body + ",\"k42\":1}", {"grant_type"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().public_message, "Malformed JSON body: member 'k42' appears twice");
}

}  // namespace
}  // namespace obauth::http
