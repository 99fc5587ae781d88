// POST /api/v1/recipients/{client_id}/secret, the seed endpoint: the new secret works at once,
// the previous one is rejected from the moment the answer is sent, and tokens already issued
// stay valid until they expire (documented behaviour; see TokenExpiry for the expiry itself).
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

namespace json = boost::json;
using obauth::testing::BasicAuthorization;
using obauth::testing::FormEncode;
using obauth::testing::Keys;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;

class SecretRotation : public ObauthTest {
 protected:
  void SetUp() override {
    partner_ = CreatePartner();
    StartServer();
    token_ = AdminToken(partner_);
    recipient_ = CreateRecipient(token_);
  }

  // Regenerates the recipient's secret, which must succeed, and answers the new credentials.
  Credentials Rotate() {
    const HttpResponse r = RotateSecret(token_, recipient_.id());
    if (r.status != 200) throw std::runtime_error("regeneration answered " + r.Describe());
    const json::object body = ParseJsonObject(r.body);
    return {StringAt(body, "client_id"), StringAt(body, "client_secret")};
  }

  // Both client authentication methods reject these credentials as invalid_client.
  void ExpectRejected(const Credentials& c) {
    ExpectOAuthError(RequestToken(c), 400, "invalid_client");
    ExpectOAuthError(
        PostTokenForm({{"grant_type", "client_credentials"}},
                      {{"Authorization",
                        BasicAuthorization(FormEncode(c.client_id), FormEncode(c.client_secret))}}),
        401, "invalid_client");
  }

  Credentials partner_;
  std::string token_;
  CreatedRecipient recipient_;
};

TEST_F(SecretRotation, AnswersTheClientIdAndANewSecret) {
  const HttpResponse r = RotateSecret(token_, recipient_.id());
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_EQ(r.Header("Content-Type").value_or(""), "application/json");
  EXPECT_EQ(r.Header("Cache-Control").value_or(""), "no-store");
  const json::object body = ParseJsonObject(r.body);
  EXPECT_EQ(Keys(body), (std::vector<std::string>{"client_id", "client_secret"}));
  EXPECT_EQ(StringAt(body, "client_id"), recipient_.id());
  EXPECT_GE(StringAt(body, "client_secret").size(), 43u);
  EXPECT_NE(StringAt(body, "client_secret"), recipient_.credentials.client_secret);
}

TEST_F(SecretRotation, OldSecretRejectedAfterRegeneration) {
  ASSERT_EQ(RequestToken(recipient_.credentials).status, 200);
  Rotate();
  ExpectRejected(recipient_.credentials);
}

TEST_F(SecretRotation, NewSecretAcceptedAfterRegeneration) {
  const Credentials fresh = Rotate();
  const HttpResponse post = RequestToken(fresh);
  EXPECT_EQ(post.status, 200) << post.Describe();
  const HttpResponse basic = PostTokenForm(
      {{"grant_type", "client_credentials"}},
      {{"Authorization",
        BasicAuthorization(FormEncode(fresh.client_id), FormEncode(fresh.client_secret))}});
  EXPECT_EQ(basic.status, 200) << basic.Describe();
  EXPECT_EQ(StringAt(DecodeJwt(Token(fresh)).payload, "client_id"), recipient_.id());
}

TEST_F(SecretRotation, OnlyTheLatestSecretWorksAfterTwoRegenerations) {
  const Credentials second = Rotate();
  const Credentials third = Rotate();
  EXPECT_NE(second.client_secret, third.client_secret);
  ExpectRejected(recipient_.credentials);
  ExpectRejected(second);
  EXPECT_EQ(RequestToken(third).status, 200);
}

TEST_F(SecretRotation, TokenIssuedBeforeRegenerationStaysValidUntilItExpires) {
  const std::string before = Token(recipient_.credentials);
  Rotate();
  // Still a valid token: the admin API answers 403 (valid token without client:admin), not the
  // 401 of an invalid one.
  ExpectMessage(AdminGet(before, kRecipientsPath), 403);
  // The partner's own token is untouched by a recipient's regeneration.
  EXPECT_EQ(AdminGet(token_, kRecipientsPath).status, 200);
}

TEST_F(SecretRotation, RegenerationChangesNothingElse) {
  const std::string details = json::serialize(RecipientDetails(token_, recipient_.id()));
  Rotate();
  EXPECT_EQ(json::serialize(RecipientDetails(token_, recipient_.id())), details);
  EXPECT_EQ(RequestToken(partner_).status, 200);
}

TEST_F(SecretRotation, RegeneratingOneRecipientLeavesTheOthersAlone) {
  const CreatedRecipient other = CreateRecipient(token_, FullRecipientJson("Other"));
  Rotate();
  EXPECT_EQ(RequestToken(other.credentials).status, 200);
}

}  // namespace
}  // namespace obauth::e2e
