// Restart keeps everything: partners, recipients, rotated secrets, the token signing key,
// Idempotency-Key replays and grace periods survive a stop and a start on the same database.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

namespace json = boost::json;
using obauth::testing::ParseJson;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;

class Restart : public ObauthTest {};

TEST_F(Restart, KeepsPartnersRecipientsAndRegeneratedSecrets) {
  const Credentials partner = CreatePartner();
  StartServer();
  std::string token = AdminToken(partner);
  const CreatedRecipient rotated = CreateRecipient(token, FullRecipientJson("Rotated"));
  const CreatedRecipient kept = CreateRecipient(token, FullRecipientJson("Kept"));
  const HttpResponse rotation = RotateSecret(token, rotated.id());
  ASSERT_EQ(rotation.status, 200) << rotation.Describe();
  const Credentials new_secret{rotated.id(),
                               StringAt(ParseJsonObject(rotation.body), "client_secret")};
  ASSERT_EQ(AdminPut(token, RecipientPath(kept.id()),
                     R"({"redirect_uris":["https://kept.example/a","https://kept.example/b"]})")
                .status,
            200);
  const std::string list_before = AdminGet(token, kRecipientsPath).body;
  const std::string kept_before = json::serialize(RecipientDetails(token, kept.id()));

  ASSERT_EQ(StopServer(SIGTERM).ToString(), "exit 0");
  StartServer();

  token = AdminToken(partner);  // the partner's secret still works
  EXPECT_EQ(AdminGet(token, kRecipientsPath).body, list_before);
  EXPECT_EQ(ParseJson(list_before).as_array().size(), 2u);
  EXPECT_EQ(json::serialize(RecipientDetails(token, kept.id())), kept_before);
  EXPECT_EQ(RequestToken(kept.credentials).status, 200);
  EXPECT_EQ(RequestToken(new_secret).status, 200);
  ExpectOAuthError(RequestToken(rotated.credentials), 400, "invalid_client");

  // And the restarted server keeps working: another rotation, another recipient.
  EXPECT_EQ(RotateSecret(token, kept.id()).status, 200);
  CreateRecipient(token, FullRecipientJson("After Restart"));
  EXPECT_EQ(ParseJson(AdminGet(token, kRecipientsPath).body).as_array().size(), 3u);
}

TEST_F(Restart, KeepsTheSigningKeySoUnexpiredTokensStayValid) {
  // The default issuer names the bound port, which port 0 changes; a fixed issuer isolates the
  // signing key.
  const std::vector<std::string> args = {"--issuer", "https://obauth.example.test"};
  const Credentials partner = CreatePartner();
  StartServer(args);
  const std::string token = AdminToken(partner);
  const std::string kid = StringAt(DecodeJwt(token).header, "kid");
  ASSERT_EQ(StopServer(SIGINT).ToString(), "exit 0");

  StartServer(args);
  EXPECT_EQ(AdminGet(token, kRecipientsPath).status, 200);
  EXPECT_EQ(StringAt(DecodeJwt(AdminToken(partner)).header, "kid"), kid);
}

TEST_F(Restart, KeepsIdempotencyReplaysSoARetryAfterARestartGetsTheSameSecret) {
  const Credentials partner = CreatePartner();
  StartServer();
  std::string token = AdminToken(partner);
  auto create = [&] {
    return Send({"POST",
                 std::string(kRecipientsPath),
                 {{"Authorization", "Bearer " + token},
                  {"Content-Type", "application/json"},
                  {"Idempotency-Key", "restart-create"}},
                 FullRecipientJson()});
  };
  const HttpResponse created = create();
  ASSERT_EQ(created.status, 200) << created.Describe();
  const std::string id = StringAt(ParseJsonObject(created.body), "client_id");
  const std::string body = R"({"previous_secret_expires_in":3600})";
  auto rotate = [&] {
    return RotateSecret(token, id, body, {{"Idempotency-Key", "restart-rotate"}});
  };
  const HttpResponse rotated = rotate();
  ASSERT_EQ(rotated.status, 200) << rotated.Describe();

  ASSERT_EQ(StopServer(SIGTERM).ToString(), "exit 0");
  StartServer();
  token = AdminToken(partner);

  const HttpResponse create_again = create();
  EXPECT_EQ(create_again.status, 200) << create_again.Describe();
  EXPECT_EQ(create_again.body, created.body);
  EXPECT_EQ(create_again.Header("Idempotent-Replayed").value_or("(none)"), "true");
  const HttpResponse rotate_again = rotate();
  EXPECT_EQ(rotate_again.status, 200) << rotate_again.Describe();
  EXPECT_EQ(rotate_again.body, rotated.body);
  EXPECT_EQ(rotate_again.Header("Idempotent-Replayed").value_or("(none)"), "true");

  // Nothing ran twice: one recipient, one rotation, and both secrets of the grace still work.
  EXPECT_EQ(ParseJson(AdminGet(token, kRecipientsPath).body).as_array().size(), 1u);
  EXPECT_EQ(EventsWithAction(AuditEvents(token), "recipient.secret_rotated").size(), 1u);
  EXPECT_EQ(RequestToken({id, StringAt(ParseJsonObject(rotated.body), "client_secret")}).status,
            200);
  EXPECT_EQ(RequestToken({id, StringAt(ParseJsonObject(created.body), "client_secret")}).status,
            200);
  ExpectMessage(RotateSecret(token, id, body), 409);
}

TEST_F(Restart, KeepsRevocationsAndRetirements) {
  // A fixed issuer keeps tokens of the first run valid in the second.
  const std::vector<std::string> args = {"--issuer", "https://obauth.example.test"};
  const Credentials partner = CreatePartner();
  StartServer(args);
  std::string token = AdminToken(partner);
  const CreatedRecipient revoked = CreateRecipient(token, FullRecipientJson("Revoked"));
  const CreatedRecipient retired = CreateRecipient(token, FullRecipientJson("Retired"));
  const std::string revoked_token = Token(revoked.credentials);
  const std::string retired_token = Token(retired.credentials);
  const std::string fresh = RotatedSecret(token, revoked.id(), R"({"revoke_tokens":true})");
  const std::string fresh_token = Token({revoked.id(), fresh});
  ExpectNoContent(AdminDelete(token, RecipientPath(retired.id())));

  ASSERT_EQ(StopServer(SIGTERM).ToString(), "exit 0");
  StartServer(args);

  EXPECT_EQ(Introspect(partner, revoked_token).body, R"({"active":false})");
  EXPECT_EQ(Introspect(partner, retired_token).body, R"({"active":false})");
  EXPECT_TRUE(ParseJsonObject(Introspect(partner, fresh_token).body).at("active").as_bool());
  ExpectOAuthError(RequestToken(retired.credentials), 400, "invalid_client");
  ExpectMessage(AdminGet(token, RecipientPath(retired.id())), 404);
}

}  // namespace
}  // namespace obauth::e2e
