// Expired access tokens: a server started with --token-ttl 1 rejects its tokens with
// 401 {"message":"Invalid Bearer Token"} once they expire, including a recipient token issued
// before a secret regeneration (which stays valid until then).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

using namespace std::chrono_literals;
using obauth::testing::IntAt;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;

using SystemClock = std::chrono::system_clock;

std::int64_t WholeSeconds(SystemClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// Sleeps until just past the next whole second. Tokens carry whole seconds (iat, exp), so a
// 1-second token issued right after a second starts is valid for almost all of that second,
// and expired once the next one starts.
void SleepPastNextWholeSecond() {
  const auto now = SystemClock::now();
  std::this_thread::sleep_until(std::chrono::ceil<std::chrono::seconds>(now) + 20ms);
}

class TokenExpiry : public ObauthTest {
 protected:
  void SetUp() override {
    partner_ = CreatePartner();
    StartServer({"--token-ttl", "1"});
  }

  Credentials partner_;
};

TEST_F(TokenExpiry, ExpiredTokensAre401EvenWhenIssuedBeforeRegeneration) {
  const HttpResponse issued = RequestToken(partner_);
  ASSERT_EQ(issued.status, 200) << issued.Describe();
  EXPECT_EQ(IntAt(ParseJsonObject(issued.body), "expires_in"), 1);

  // Everything before the expiry happens within one wall-clock second; a machine too slow for
  // that retries with a fresh second rather than failing.
  std::string admin_token;
  std::string recipient_token;
  bool in_time = false;
  int recipient_status = 0;
  int rotation_status = 0;
  for (int attempt = 0; attempt < 3 && !in_time; ++attempt) {
    SleepPastNextWholeSecond();
    const std::int64_t second = WholeSeconds(SystemClock::now());
    admin_token = AdminToken(partner_);
    const CreatedRecipient recipient = CreateRecipient(admin_token);
    recipient_token = Token(recipient.credentials);
    rotation_status = RotateSecret(admin_token, recipient.id()).status;
    recipient_status = AdminGet(recipient_token, kRecipientsPath).status;
    in_time = WholeSeconds(SystemClock::now()) == second;
  }
  ASSERT_TRUE(in_time) << "three attempts each took longer than a second";
  EXPECT_EQ(rotation_status, 200);
  // 403, not 401: the recipient's token is still valid after its secret was regenerated.
  EXPECT_EQ(recipient_status, 403);

  SleepPastNextWholeSecond();
  ExpectInvalidBearerToken(AdminGet(admin_token, kRecipientsPath));
  ExpectInvalidBearerToken(Get(kRecipientsPath, {{"flinks-auth-key", admin_token}}));
  ExpectInvalidBearerToken(AdminGet(recipient_token, kRecipientsPath));
  // A fresh token works again.
  EXPECT_EQ(AdminGet(AdminToken(partner_), kRecipientsPath).status, 200);
}

}  // namespace
}  // namespace obauth::e2e
