// Brute-force protection on the token endpoint: failed client authentications are counted per
// (client id, source address) and per source address in a 60 s window; past the limit the
// endpoint answers 429 with Retry-After and an RFC 6749 error body without checking the secret,
// while the same client from another address still gets its tokens.
#include <gtest/gtest.h>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

using obauth::testing::FormEncode;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;

constexpr int kPerClient = 5;
constexpr int kPerAddress = 20;

class BruteForce : public ObauthTest {
 protected:
  void SetUp() override {
    partner_ = CreatePartner();
    StartServer({"--max-auth-failures", std::to_string(kPerClient),
                 "--max-auth-failures-per-address", std::to_string(kPerAddress)});
  }

  // A client_credentials request for `c` over a connection from `source` (a 127.0.0.0/8
  // address: Linux routes them all over the loopback interface).
  HttpResponse TokenFrom(const std::string& source, const Credentials& c) {
    return obauth::testing::SendHttp(
        server().host(), server().port(),
        {"POST",
         std::string(kTokenPath),
         {{"Content-Type", "application/x-www-form-urlencoded"}},
         "grant_type=client_credentials&scope=client:admin&client_id=" + FormEncode(c.client_id) +
             "&client_secret=" + FormEncode(c.client_secret)},
        source);
  }

  Credentials partner_;
};

TEST_F(BruteForce, GuessingASecretIsCutOffWith429ButNotForTheClientElsewhere) {
  const Credentials guess = {partner_.client_id, "not-the-secret"};
  for (int i = 0; i < kPerClient; ++i) {
    EXPECT_EQ(TokenFrom("127.0.0.66", guess).status, 400);
  }
  // From the guessing address, even the right secret is refused now, without being checked.
  const HttpResponse refused = TokenFrom("127.0.0.66", partner_);
  ASSERT_EQ(refused.status, 429) << refused.Describe();
  const auto retry_after = refused.Header("Retry-After");
  ASSERT_TRUE(retry_after.has_value());
  EXPECT_GE(std::stoi(*retry_after), 1);
  EXPECT_LE(std::stoi(*retry_after), 60);
  const auto body = ParseJsonObject(refused.body);
  EXPECT_EQ(StringAt(body, "error"), "temporarily_unavailable");
  EXPECT_FALSE(StringAt(body, "error_description").empty());
  EXPECT_EQ(refused.Header("Cache-Control").value_or(""), "no-store");

  // The partner from its own address is not locked out.
  const HttpResponse elsewhere = TokenFrom("127.0.0.7", partner_);
  EXPECT_EQ(elsewhere.status, 200) << elsewhere.Describe();

  // The log tells what happened, without the secrets tried.
  EXPECT_TRUE(Eventually([&] {
    const std::string log = server().log_text();
    return log.find("status=429") != std::string::npos &&
           log.find("limit reached") != std::string::npos;
  }));
  const std::string log = server().log_text();
  EXPECT_EQ(log.find(partner_.client_secret), std::string::npos);
  EXPECT_EQ(log.find("not-the-secret"), std::string::npos);
}

TEST_F(BruteForce, SprayingManyClientIdsFromOneAddressIsCutOff) {
  for (int i = 0; i < kPerAddress; ++i) {
    EXPECT_EQ(TokenFrom("127.0.0.77", {"dc-guess-" + std::to_string(i), "x"}).status, 400);
  }
  EXPECT_EQ(TokenFrom("127.0.0.77", partner_).status, 429);
  EXPECT_EQ(TokenFrom("127.0.0.78", partner_).status, 200);
}

TEST_F(BruteForce, SuccessClearsTheCountForThatClientAndAddress) {
  const Credentials guess = {partner_.client_id, "typo"};
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < kPerClient - 1; ++i) EXPECT_EQ(TokenFrom("127.0.0.88", guess).status, 400);
    EXPECT_EQ(TokenFrom("127.0.0.88", partner_).status, 200) << "round " << round;
  }
}

}  // namespace
}  // namespace obauth::e2e
