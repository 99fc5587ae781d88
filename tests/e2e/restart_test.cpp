// Restart keeps everything: partners, recipients, rotated secrets and the token signing key
// survive a stop and a start on the same database.
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

}  // namespace
}  // namespace obauth::e2e
