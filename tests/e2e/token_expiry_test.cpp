// Expired access tokens: a server started with --token-ttl 1 rejects its tokens with
// 401 {"message":"Invalid Bearer Token"} once they expire, including a recipient token issued
// before a secret regeneration (which stays valid until then). The clock is stopped and moved
// by the test (ObauthTest::FreezeClock, AdvanceClock), so no step races the wall clock.
#include <gtest/gtest.h>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

using obauth::testing::IntAt;
using obauth::testing::ParseJsonObject;

class TokenExpiry : public ObauthTest {
 protected:
  void SetUp() override {
    partner_ = CreatePartner();
    StartServer({"--token-ttl", "1"});
    FreezeClock();
  }

  Credentials partner_;
};

TEST_F(TokenExpiry, ExpiredTokensAre401EvenWhenIssuedBeforeRegeneration) {
  const HttpResponse issued = RequestToken(partner_);
  ASSERT_EQ(issued.status, 200) << issued.Describe();
  EXPECT_EQ(IntAt(ParseJsonObject(issued.body), "expires_in"), 1);

  // All within the second the tokens were issued in: the last second of their life.
  const std::string admin_token = AdminToken(partner_);
  const CreatedRecipient recipient = CreateRecipient(admin_token);
  const std::string recipient_token = Token(recipient.credentials);
  EXPECT_EQ(RotateSecret(admin_token, recipient.id()).status, 200);
  // 403, not 401: the recipient's token is still valid after its secret was regenerated.
  EXPECT_EQ(AdminGet(recipient_token, kRecipientsPath).status, 403);

  AdvanceClock(1);  // exp
  constexpr std::string_view kExpired =
      "the access token expired; get a new one from POST /api/v1/token";
  ExpectInvalidBearerToken(AdminGet(admin_token, kRecipientsPath), kExpired);
  ExpectInvalidBearerToken(Get(kRecipientsPath, {{"flinks-auth-key", admin_token}}));
  ExpectInvalidBearerToken(AdminGet(recipient_token, kRecipientsPath));
  // A fresh token works again.
  EXPECT_EQ(AdminGet(AdminToken(partner_), kRecipientsPath).status, 200);
}

}  // namespace
}  // namespace obauth::e2e
