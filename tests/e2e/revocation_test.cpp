// Revocation (issue 3): "revoke_tokens": true in a rotation makes every token issued to the
// recipient before it inactive at once, while tokens issued afterwards are active; without it
// earlier tokens stay active until they expire. DELETE /api/v1/recipients/{client_id} retires a
// recipient: its secrets and tokens stop working and it is gone from details and lists. Bearer
// checks on the admin API follow the same rules as introspection (401 instead of the 403 of a
// valid recipient token).
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

namespace json = boost::json;
using obauth::testing::BasicAuthorization;
using obauth::testing::FormEncode;
using obauth::testing::Keys;
using obauth::testing::ParseJson;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;

class Revocation : public ObauthTest {
 protected:
  void SetUp() override {
    partner_ = CreatePartner();
    StartServer();
    token_ = AdminToken(partner_);
    recipient_ = CreateRecipient(token_);
  }

  // Introspection says the token is active, and the admin API takes it as a valid token
  // (403: a recipient token lacks client:admin).
  void ExpectActive(const std::string& token) {
    const json::object answer = Introspection(partner_, token);
    EXPECT_TRUE(answer.at("active").as_bool()) << json::serialize(answer);
    ExpectMessage(AdminGet(token, kRecipientsPath), 403);
  }
  // Introspection answers exactly {"active":false}, and the admin API 401 with `hint`.
  void ExpectInactive(const std::string& token,
                      std::string_view hint = "the access token was revoked") {
    EXPECT_EQ(Introspect(partner_, token).body, R"({"active":false})");
    ExpectInvalidBearerToken(AdminGet(token, kRecipientsPath), hint);
    ExpectInvalidBearerToken(Get(kRecipientsPath, {{"flinks-auth-key", token}}), hint);
  }
  void ExpectRejected(const Credentials& c) {
    ExpectOAuthError(RequestToken(c), 400, "invalid_client");
    ExpectOAuthError(
        PostTokenForm({{"grant_type", "client_credentials"}},
                      {{"Authorization",
                        BasicAuthorization(FormEncode(c.client_id), FormEncode(c.client_secret))}}),
        401, "invalid_client");
  }
  Credentials Rotated(std::optional<std::string> body) {
    return {recipient_.id(), RotatedSecret(token_, recipient_.id(), std::move(body))};
  }

  Credentials partner_;
  std::string token_;
  CreatedRecipient recipient_;
};

using TokenRevocation = Revocation;

TEST_F(TokenRevocation, RevokeTokensMakesEarlierTokensInactiveAtOnceAndLaterOnesActive) {
  const CreatedRecipient other = CreateRecipient(token_, FullRecipientJson("Other"));
  const std::string other_token = Token(other.credentials);
  const std::string before = Token(recipient_.credentials);
  const std::string before_narrow = Token(recipient_.credentials, "ACCOUNT_BASIC");
  ExpectActive(before);

  const HttpResponse r = RotateSecret(token_, recipient_.id(), R"({"revoke_tokens":true})");
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_EQ(Keys(ParseJsonObject(r.body)),
            (std::vector<std::string>{"client_id", "client_secret"}));
  ExpectInactive(before);
  ExpectInactive(before_narrow);
  ExpectRejected(recipient_.credentials);

  const Credentials fresh{recipient_.id(), StringAt(ParseJsonObject(r.body), "client_secret")};
  ExpectActive(Token(fresh));
  // Nobody else's tokens are touched.
  ExpectActive(other_token);
  EXPECT_EQ(AdminGet(token_, kRecipientsPath).status, 200);
}

TEST_F(TokenRevocation, RevokeTokensWithAGraceKeepsTheOldSecretButNotItsEarlierTokens) {
  const std::string before = Token(recipient_.credentials);
  const Credentials fresh = Rotated(R"({"previous_secret_expires_in":3600,"revoke_tokens":true})");
  ExpectInactive(before);
  // The old secret still works during its grace, and what it gets now is active.
  ExpectActive(Token(recipient_.credentials));
  ExpectActive(Token(fresh));
}

TEST_F(TokenRevocation, RevokingTwiceMakesTheTokensOfTheFirstRotationInactiveToo) {
  const Credentials second = Rotated(R"({"revoke_tokens":true})");
  const std::string between = Token(second);
  ExpectActive(between);
  const Credentials third = Rotated(R"({"revoke_tokens":true})");
  ExpectInactive(between);
  ExpectActive(Token(third));
}

TEST_F(TokenRevocation, WithoutRevokeTokensEarlierTokensStayActive) {
  const std::string before = Token(recipient_.credentials);
  Rotated(std::nullopt);
  ExpectActive(before);
  Rotated(R"({"revoke_tokens":false})");
  ExpectActive(before);
  Rotated(R"({"previous_secret_expires_in":3600})");
  ExpectActive(before);
  // Ending a grace period revokes no token either.
  ExpectNoContent(RevokePreviousSecret(token_, recipient_.id()));
  ExpectActive(before);
}

TEST_F(TokenRevocation, RevokeTokensIsAudited) {
  Rotated(R"({"revoke_tokens":true})");
  const auto rotations = EventsWithAction(AuditEvents(token_), "recipient.secret_rotated");
  ASSERT_EQ(rotations.size(), 1u);
  EXPECT_EQ(json::serialize(rotations[0].at("options")),
            R"({"previous_secret_expires_in":0,"revoke_tokens":true,"idempotency_key":false})");
}

using Retirement = Revocation;

TEST_F(Retirement, DeleteIs204AndEverySecretAndTokenStopsWorking) {
  // Two valid secrets (one in its grace period) and a token of each.
  const std::string old_token = Token(recipient_.credentials);
  const Credentials fresh = Rotated(R"({"previous_secret_expires_in":3600})");
  const std::string fresh_token = Token(fresh);

  const HttpResponse r = AdminDelete(token_, RecipientPath(recipient_.id()));
  ExpectNoContent(r);
  EXPECT_EQ(r.Header("Cache-Control").value_or(""), "no-store");

  ExpectRejected(recipient_.credentials);
  ExpectRejected(fresh);
  ExpectInactive(old_token, "the access token's client is retired or disabled");
  ExpectInactive(fresh_token, "the access token's client is retired or disabled");
}

TEST_F(Retirement, RetiredRecipientIsGoneFromDetailsListsAndEveryRoute) {
  const CreatedRecipient kept = CreateRecipient(token_, FullRecipientJson("Kept"));
  ExpectNoContent(AdminDelete(token_, RecipientPath(recipient_.id())));

  ExpectMessage(AdminGet(token_, RecipientPath(recipient_.id())), 404, "Data Recipient not found");
  const json::value list = ParseJson(AdminGet(token_, kRecipientsPath).body);
  ASSERT_EQ(list.as_array().size(), 1u) << json::serialize(list);
  EXPECT_EQ(StringAt(list.as_array()[0].as_object(), "client_id"), kept.id());

  // Every other route answers as for an id that never existed; so does a second DELETE.
  const std::string unknown = "dc-" + std::string(25, '0');
  for (const std::string& id : {recipient_.id(), unknown}) {
    SCOPED_TRACE(id);
    ExpectMessage(AdminDelete(token_, RecipientPath(id)), 404, "Data Recipient not found");
    ExpectMessage(AdminPut(token_, RecipientPath(id), R"({"name":"Back"})"), 404,
                  "Data Recipient not found");
    ExpectMessage(RotateSecret(token_, id), 404, "Data Recipient not found");
    ExpectMessage(RevokePreviousSecret(token_, id), 404, "Data Recipient not found");
  }
  // The kept recipient is untouched.
  EXPECT_EQ(RequestToken(kept.credentials).status, 200);
  EXPECT_EQ(RecipientDetails(token_, kept.id()).at("name").as_string(), "Kept");
}

TEST_F(Retirement, OtherPartnersRecipientIs404AndUnaffected) {
  const Credentials intruder = CreatePartner("Intruder");
  const std::string intruder_token = AdminToken(intruder);
  const std::string recipient_token = Token(recipient_.credentials);
  const std::string details = json::serialize(RecipientDetails(token_, recipient_.id()));

  const HttpResponse foreign = AdminDelete(intruder_token, RecipientPath(recipient_.id()));
  ExpectMessage(foreign, 404, "Data Recipient not found");
  EXPECT_EQ(foreign.body,
            AdminDelete(intruder_token, RecipientPath("dc-" + std::string(25, '0'))).body);
  ExpectMessage(RevokePreviousSecret(intruder_token, recipient_.id()), 404);

  EXPECT_EQ(json::serialize(RecipientDetails(token_, recipient_.id())), details);
  EXPECT_EQ(RequestToken(recipient_.credentials).status, 200);
  ExpectActive(recipient_token);
  EXPECT_TRUE(EventsWithAction(AuditEvents(token_), "recipient.deleted").empty());
  EXPECT_TRUE(EventsWithAction(AuditEvents(intruder_token), "recipient.deleted").empty());
}

TEST_F(Retirement, PartnerKeepsWorkingAndCreatesAgainAfterARetirement) {
  ExpectNoContent(AdminDelete(token_, RecipientPath(recipient_.id())));
  EXPECT_EQ(AdminGet(token_, kRecipientsPath).status, 200);
  EXPECT_EQ(RequestToken(partner_).status, 200);
  const CreatedRecipient next = CreateRecipient(token_);
  EXPECT_NE(next.id(), recipient_.id());
  EXPECT_EQ(RequestToken(next.credentials).status, 200);
}

}  // namespace
}  // namespace obauth::e2e
