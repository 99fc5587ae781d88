// Two obauth instances on one database behave as one service: tokens issued by one are accepted
// by the other, and a secret rotated through one is rejected by the other within the documented
// bound (docs/architecture.md, "Caches": the next 250 ms poll for foreign writes). Runs on both
// backends: on SQLite the instances share the file, on PostgreSQL the database.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

using obauth::testing::FormEncode;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;
using Clock = std::chrono::steady_clock;

// Instances behind one name share the issuer (tokens name it in iss and aud).
constexpr char kIssuer[] = "https://auth.example.test";

// The documented bound on how long another instance may still accept a replaced secret.
constexpr auto kStalenessBound = std::chrono::seconds(1);

class MultiInstance : public ObauthTest {
 protected:
  void SetUp() override {
    partner_ = CreatePartner();
    StartServer({"--issuer", kIssuer});
    other_ = StartAnotherServer({"--issuer", kIssuer}, "other.log");
    admin_ = AdminToken(partner_);
    recipient_ = CreateRecipient(admin_);
  }

  // POST /api/v1/token to the other instance (client_secret_post); the status.
  int OtherTokenStatus(const Credentials& c) {
    return obauth::testing::SendHttp(
               other_->host(), other_->port(),
               {"POST",
                std::string(kTokenPath),
                {{"Content-Type", "application/x-www-form-urlencoded"}},
                "grant_type=client_credentials&client_id=" + FormEncode(c.client_id) +
                    "&client_secret=" + FormEncode(c.client_secret)})
        .status;
  }

  // How long after `since` the other instance first answers `want` for `c`; gives up after 5 s.
  Clock::duration UntilOtherAnswers(const Credentials& c, int want, Clock::time_point since) {
    while (Clock::now() - since < std::chrono::seconds(5)) {
      if (OtherTokenStatus(c) == want) return Clock::now() - since;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::chrono::seconds(5);
  }

  Credentials partner_;
  std::string admin_;
  CreatedRecipient recipient_;
  std::unique_ptr<obauth::testing::ServerProcess> other_;
};

TEST_F(MultiInstance, TokenIssuedByOneInstanceIsAcceptedByTheOther) {
  const HttpResponse r = obauth::testing::SendHttp(
      other_->host(), other_->port(),
      {"GET", RecipientPath(recipient_.id()), {{"Authorization", "Bearer " + admin_}}, ""});
  EXPECT_EQ(r.status, 200) << r.Describe();
}

TEST_F(MultiInstance, SecretRotatedThroughOneInstanceIsRejectedByTheOtherWithinTheBound) {
  const Credentials old_credentials = recipient_.credentials;
  ASSERT_EQ(OtherTokenStatus(old_credentials), 200);  // now cached by the other instance
  const std::string new_secret = RotatedSecret(admin_, recipient_.id());
  const auto answered = Clock::now();
  const auto old_rejected = UntilOtherAnswers(old_credentials, 400, answered);
  const auto new_accepted = UntilOtherAnswers({recipient_.id(), new_secret}, 200, answered);
  const auto ms = [](Clock::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  };
  std::cout << "other instance: old secret rejected after " << ms(old_rejected)
            << " ms, new secret accepted after " << ms(new_accepted) << " ms" << std::endl;
  EXPECT_LE(old_rejected, kStalenessBound);
  EXPECT_LE(new_accepted, kStalenessBound);
}

TEST_F(MultiInstance, RecipientDeletedThroughOneInstanceCannotAuthenticateOnTheOther) {
  ASSERT_EQ(OtherTokenStatus(recipient_.credentials), 200);
  ExpectNoContent(AdminDelete(admin_, RecipientPath(recipient_.id())));
  const auto deleted = Clock::now();
  EXPECT_LE(UntilOtherAnswers(recipient_.credentials, 400, deleted), kStalenessBound);
}

}  // namespace
}  // namespace obauth::e2e
