// Concurrent rotations of one recipient (issue 3), each on its own connection, all written at
// once: no 5xx and no database-busy error; without a grace period every one succeeds with a
// distinct secret, exactly one of which (the last committed) then works, and the audit trail
// shows every rotation; with a grace period exactly one succeeds and the others are 409.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <map>
#include <set>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

using obauth::testing::ParseJsonObject;
using obauth::testing::SendConcurrently;
using obauth::testing::StringAt;

constexpr std::size_t kRotations = 20;

class ConcurrentRotation : public ObauthTest {
 protected:
  void SetUp() override {
    partner_ = CreatePartner();
    // The tests try every stale secret: 20 failures of one client from one address would reach
    // the brute-force limit (docs/security.md), which is not what they are about.
    StartServer({"--max-auth-failures", "1000"});
    token_ = AdminToken(partner_);
    recipient_ = CreateRecipient(token_);
  }

  // kRotations identical rotations (with `body`, if any), all at once.
  std::vector<HttpResponse> RotateConcurrently(std::optional<std::string> body) {
    Headers headers = {{"Authorization", "Bearer " + token_}};
    if (body) headers.emplace_back("Content-Type", "application/json");
    const HttpRequest request{"POST", SecretPath(recipient_.id()), headers, body.value_or("")};
    return SendConcurrently(server().host(), server().port(),
                            std::vector<HttpRequest>(kRotations, request));
  }

  std::vector<boost::json::object> Rotations() {
    return EventsWithAction(AuditEvents(token_, "client_id=" + recipient_.id()),
                            "recipient.secret_rotated");
  }

  Credentials partner_;
  std::string token_;
  CreatedRecipient recipient_;
};

TEST_F(ConcurrentRotation, TwentyRotationsAllSucceedAndOnlyTheLastCommittedSecretWorks) {
  const std::vector<HttpResponse> answers = RotateConcurrently(std::nullopt);

  std::map<std::string, std::string> secret_by_request;  // X-Request-Id -> secret
  std::set<std::string> secrets;
  for (const auto& r : answers) {
    SCOPED_TRACE(r.Describe());
    ASSERT_EQ(r.status, 200);
    const std::string secret = StringAt(ParseJsonObject(r.body), "client_secret");
    secrets.insert(secret);
    secret_by_request[r.Header("X-Request-Id").value_or("")] = secret;
  }
  EXPECT_EQ(secrets.size(), kRotations) << "secrets are not distinct";
  EXPECT_EQ(secret_by_request.size(), kRotations) << "request ids are not distinct";

  // Exactly one secret authenticates...
  std::vector<std::string> working;
  for (const auto& secret : secrets) {
    if (RequestToken({recipient_.id(), secret}).status == 200) working.push_back(secret);
  }
  ExpectOAuthError(RequestToken(recipient_.credentials), 400, "invalid_client");
  ASSERT_EQ(working.size(), 1u);

  // ...the one of the last committed rotation, and the trail shows all twenty.
  const auto rotations = Rotations();
  ASSERT_EQ(rotations.size(), kRotations);
  std::set<std::string> audited;
  for (const auto& e : rotations) audited.insert(StringAt(e, "request_id"));
  for (const auto& [request_id, secret] : secret_by_request) {
    EXPECT_TRUE(audited.contains(request_id)) << "rotation " << request_id << " not audited";
  }
  const std::string last = StringAt(rotations.front(), "request_id");
  ASSERT_TRUE(secret_by_request.contains(last)) << last;
  EXPECT_EQ(secret_by_request.at(last), working.front());

  // The recipient is still fine: details answer and a further rotation works.
  EXPECT_TRUE(RecipientDetails(token_, recipient_.id()).at("previous_secret_expires_at").is_null());
  const std::string after = RotatedSecret(token_, recipient_.id());
  EXPECT_EQ(RequestToken({recipient_.id(), after}).status, 200);
}

TEST_F(ConcurrentRotation, TwentyGraceRotationsLetExactlyOneThroughAndRefuseTheRestWith409) {
  const std::vector<HttpResponse> answers =
      RotateConcurrently(R"({"previous_secret_expires_in":600})");

  std::optional<std::string> winner;
  std::size_t conflicts = 0;
  for (const auto& r : answers) {
    SCOPED_TRACE(r.Describe());
    ASSERT_TRUE(r.status == 200 || r.status == 409);
    if (r.status == 200) {
      ASSERT_FALSE(winner.has_value()) << "a second rotation succeeded";
      winner = StringAt(ParseJsonObject(r.body), "client_secret");
    } else {
      ExpectMessage(r, 409);
      ++conflicts;
    }
  }
  ASSERT_TRUE(winner.has_value());
  EXPECT_EQ(conflicts, kRotations - 1);

  // The two valid secrets: the one before and the winner.
  EXPECT_EQ(RequestToken(recipient_.credentials).status, 200);
  EXPECT_EQ(RequestToken({recipient_.id(), *winner}).status, 200);
  EXPECT_EQ(Rotations().size(), 1u);
}

}  // namespace
}  // namespace obauth::e2e
