// Rotation with a grace period (issue 3): a body-less rotation keeps the seed behaviour; a
// previous_secret_expires_in keeps the old secret working until previous_secret_expires_at
// (also the server default with --previous-secret-expires-in); at most two secrets, so a
// rotation during a grace period is 409 until DELETE .../secret/previous ends it; the grace
// runs out on its own; details show how the previous secret is still used.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

namespace json = boost::json;
using obauth::testing::BasicAuthorization;
using obauth::testing::FormEncode;
using obauth::testing::IntAt;
using obauth::testing::Keys;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;

class RotationGrace : public ObauthTest {
 protected:
  // Starts the server with `args`, then gets the partner's token and one recipient.
  void Start(std::vector<std::string> args = {}) {
    partner_ = CreatePartner();
    StartServer(std::move(args));
    token_ = AdminToken(partner_);
    recipient_ = CreateRecipient(token_);
  }

  // A rotation with this grace period, which must answer 200.
  json::object RotateWithGrace(std::int64_t seconds) {
    const HttpResponse r =
        RotateSecret(token_, recipient_.id(),
                     R"({"previous_secret_expires_in":)" + std::to_string(seconds) + "}");
    if (r.status != 200) throw std::runtime_error("rotation answered " + r.Describe());
    return ParseJsonObject(r.body);
  }
  Credentials Fresh(const json::object& rotation) const {
    return {recipient_.id(), StringAt(rotation, "client_secret")};
  }

  // Both client authentication methods get a token with these credentials.
  void ExpectAccepted(const Credentials& c) {
    EXPECT_EQ(RequestToken(c).status, 200) << "client_secret_post";
    EXPECT_EQ(PostTokenForm({{"grant_type", "client_credentials"}},
                            {{"Authorization", BasicAuthorization(FormEncode(c.client_id),
                                                                  FormEncode(c.client_secret))}})
                  .status,
              200)
        << "client_secret_basic";
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

  std::size_t Rotations() {
    return EventsWithAction(AuditEvents(token_, "client_id=" + recipient_.id()),
                            "recipient.secret_rotated")
        .size();
  }

  Credentials partner_;
  std::string token_;
  CreatedRecipient recipient_;
};

TEST_F(RotationGrace, WithoutBodyTheOldSecretDiesAtOnceAndTheAnswerIsIdAndSecretOnly) {
  Start();
  const HttpResponse r = RotateSecret(token_, recipient_.id(), std::nullopt);
  ASSERT_EQ(r.status, 200) << r.Describe();
  const json::object body = ParseJsonObject(r.body);
  EXPECT_EQ(Keys(body), (std::vector<std::string>{"client_id", "client_secret"}));
  ExpectRejected(recipient_.credentials);
  ExpectAccepted(Fresh(body));
  EXPECT_TRUE(RecipientDetails(token_, recipient_.id()).at("previous_secret_expires_at").is_null());
}

TEST_F(RotationGrace, EmptyObjectOrZeroGraceIsTheSeedBehaviourToo) {
  Start();
  Credentials current = recipient_.credentials;
  for (const std::string body :
       {"{}", R"({"previous_secret_expires_in":0})", R"({"revoke_tokens":false})", " \r\n "}) {
    SCOPED_TRACE(body);
    const HttpResponse r = RotateSecret(token_, recipient_.id(), body);
    ASSERT_EQ(r.status, 200) << r.Describe();
    const json::object answer = ParseJsonObject(r.body);
    EXPECT_EQ(Keys(answer), (std::vector<std::string>{"client_id", "client_secret"}));
    ExpectRejected(current);
    current = Fresh(answer);
    ExpectAccepted(current);
  }
}

TEST_F(RotationGrace, GracePeriodKeepsTheOldSecretWorkingAndAnswersItsExpiry) {
  Start();
  const std::int64_t before = NowSeconds();
  const HttpResponse r =
      RotateSecret(token_, recipient_.id(), R"({"previous_secret_expires_in":3600})");
  const std::int64_t after = NowSeconds();
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_EQ(r.Header("Cache-Control").value_or(""), "no-store");
  const json::object body = ParseJsonObject(r.body);
  EXPECT_EQ(Keys(body),
            (std::vector<std::string>{"client_id", "client_secret", "previous_secret_expires_at"}));
  EXPECT_EQ(StringAt(body, "client_id"), recipient_.id());
  const std::int64_t expires_at = ParseRfc3339(StringAt(body, "previous_secret_expires_at"));
  EXPECT_GE(expires_at, before + 3600);
  EXPECT_LE(expires_at, after + 3600);

  ExpectAccepted(recipient_.credentials);
  ExpectAccepted(Fresh(body));
  EXPECT_NE(StringAt(body, "client_secret"), recipient_.credentials.client_secret);
  // Details show the same expiry.
  EXPECT_EQ(StringAt(RecipientDetails(token_, recipient_.id()), "previous_secret_expires_at"),
            StringAt(body, "previous_secret_expires_at"));
}

TEST_F(RotationGrace, AcceptsTheLongestGracePeriodOfSevenDays) {
  Start();
  const std::int64_t before = NowSeconds();
  const json::object body = RotateWithGrace(604800);
  EXPECT_GE(ParseRfc3339(StringAt(body, "previous_secret_expires_at")), before + 604800);
  ExpectAccepted(recipient_.credentials);
}

TEST_F(RotationGrace, ServerFlagSetsTheGraceOfBodylessRotations) {
  Start({"--previous-secret-expires-in", "600"});
  const std::int64_t before = NowSeconds();
  const HttpResponse r = RotateSecret(token_, recipient_.id(), std::nullopt);
  const std::int64_t after = NowSeconds();
  ASSERT_EQ(r.status, 200) << r.Describe();
  const json::object body = ParseJsonObject(r.body);
  const std::int64_t expires_at = ParseRfc3339(StringAt(body, "previous_secret_expires_at"));
  EXPECT_GE(expires_at, before + 600);
  EXPECT_LE(expires_at, after + 600);
  ExpectAccepted(recipient_.credentials);
  ExpectAccepted(Fresh(body));

  // A body still decides: zero kills the previous secret at once.
  ExpectNoContent(RevokePreviousSecret(token_, recipient_.id()));
  const json::object zero = RotateWithGrace(0);
  EXPECT_FALSE(zero.contains("previous_secret_expires_at")) << json::serialize(zero);
  ExpectRejected(Fresh(body));
  ExpectAccepted(Fresh(zero));
}

TEST_F(RotationGrace, ServerFlagOutOfRangeIsRefusedAtStartup) {
  const Credentials partner = CreatePartner();
  for (const std::string value : {"-1", "604801", "abc"}) {
    SCOPED_TRACE(value);
    const CommandResult r =
        obauth::testing::RunCommand({ObauthBinary(), "serve", "--listen", "127.0.0.1:0", "--db",
                                     DbPath().string(), "--previous-secret-expires-in", value},
                                    std::chrono::seconds(5));
    EXPECT_EQ(r.status.kind, obauth::testing::ExitStatus::Kind::kExited) << r.status.ToString();
    EXPECT_NE(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(r.out.find("listening"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("--previous-secret-expires-in"), std::string::npos) << r.err;
  }
  // The partner is untouched, and the bounds themselves are accepted.
  for (const std::string value : {"0", "604800"}) {
    SCOPED_TRACE(value);
    StartServer({"--previous-secret-expires-in", value});
    EXPECT_EQ(RequestToken(partner).status, 200);
    ASSERT_EQ(StopServer().ToString(), "exit 0");
  }
}

TEST_F(RotationGrace, InvalidGraceOrUnknownFieldIs400AndChangesNothing) {
  Start();
  const std::string details = json::serialize(RecipientDetails(token_, recipient_.id()));
  for (const std::string body : {
           R"({"previous_secret_expires_in":-1})",
           R"({"previous_secret_expires_in":604801})",
           R"({"previous_secret_expires_in":18446744073709551615})",
           R"({"previous_secret_expires_in":-9223372036854775808})",
           R"({"previous_secret_expires_in":1e3})",
           R"({"previous_secret_expires_in":1.5})",
           R"({"previous_secret_expires_in":"60"})",
           R"({"previous_secret_expires_in":null})",
           R"({"previous_secret_expires_in":true})",
           R"({"revoke_tokens":"yes"})",
           R"({"revoke_tokens":1})",
           R"({"previous_secret_expires_in":60,"previous_secret_expires_in":60})",
           R"({"grace":60})",
           R"([60])",
           R"(60)",
           R"(null)",
           R"({)",
       }) {
    SCOPED_TRACE(body);
    const HttpResponse r = RotateSecret(token_, recipient_.id(), body);
    ExpectMessage(r, 400);
    EXPECT_EQ(r.body.find("client_secret"), std::string::npos);
  }
  // A body that is not declared JSON is 415.
  ExpectMessage(Send({"POST",
                      SecretPath(recipient_.id()),
                      {{"Authorization", "Bearer " + token_}, {"Content-Type", "text/plain"}},
                      R"({"previous_secret_expires_in":60})"}),
                415);
  ExpectAccepted(recipient_.credentials);
  EXPECT_EQ(json::serialize(RecipientDetails(token_, recipient_.id())), details);
  EXPECT_EQ(Rotations(), 0u);
}

TEST_F(RotationGrace, RotatingDuringTheGraceIs409AndChangesNothing) {
  Start();
  const json::object first = RotateWithGrace(3600);
  const std::string details = json::serialize(RecipientDetails(token_, recipient_.id()));
  for (const std::optional<std::string>& body :
       {std::optional<std::string>(),
        std::optional<std::string>(R"({"previous_secret_expires_in":60})"),
        std::optional<std::string>(R"({"previous_secret_expires_in":0})"),
        std::optional<std::string>(R"({"revoke_tokens":true})")}) {
    SCOPED_TRACE(body.value_or("(no body)"));
    const HttpResponse r = RotateSecret(token_, recipient_.id(), body);
    ExpectMessage(r, 409);
    EXPECT_NE(r.body.find("/secret/previous"), std::string::npos) << r.body;
  }
  // Both secrets still work, nothing else moved, and only the first rotation is audited.
  ExpectAccepted(recipient_.credentials);
  ExpectAccepted(Fresh(first));
  EXPECT_EQ(json::serialize(RecipientDetails(token_, recipient_.id())), details);
  EXPECT_EQ(Rotations(), 1u);
}

TEST_F(RotationGrace, EndingTheGraceKillsTheOldSecretAtOnceAndAllowsTheNextRotation) {
  Start();
  const json::object first = RotateWithGrace(3600);
  ExpectAccepted(recipient_.credentials);

  ExpectNoContent(RevokePreviousSecret(token_, recipient_.id()));
  ExpectRejected(recipient_.credentials);
  ExpectAccepted(Fresh(first));
  EXPECT_TRUE(RecipientDetails(token_, recipient_.id()).at("previous_secret_expires_at").is_null());

  // The next rotation is allowed again, with a grace of its own.
  const json::object second = RotateWithGrace(3600);
  ExpectAccepted(Fresh(first));
  ExpectAccepted(Fresh(second));
  ExpectRejected(recipient_.credentials);
  EXPECT_EQ(Rotations(), 2u);
}

TEST_F(RotationGrace, EndingAGraceThatIsNotThereIs204AndChangesNothing) {
  Start();
  ExpectNoContent(RevokePreviousSecret(token_, recipient_.id()));
  ExpectAccepted(recipient_.credentials);
  EXPECT_TRUE(EventsWithAction(AuditEvents(token_), "recipient.previous_secret_revoked").empty());
}

TEST_F(RotationGrace, OldSecretWorksUntilTheGraceRunsOutThenIsRejected) {
  Start();
  FreezeClock();
  const json::object rotation = RotateWithGrace(2);
  const std::int64_t expires_at = ParseRfc3339(StringAt(rotation, "previous_secret_expires_at"));
  ASSERT_EQ(expires_at, NowSeconds() + 2);
  ExpectAccepted(recipient_.credentials);
  AdvanceClock(1);  // one second before the grace ends
  ExpectAccepted(recipient_.credentials);

  AdvanceClock(1);  // when it ends
  ExpectRejected(recipient_.credentials);
  ExpectAccepted(Fresh(rotation));
  // Details no longer show a grace, and a new rotation needs no DELETE first.
  const json::object details = RecipientDetails(token_, recipient_.id());
  EXPECT_TRUE(details.at("previous_secret_expires_at").is_null()) << json::serialize(details);
  EXPECT_TRUE(details.at("previous_secret_last_used_at").is_null()) << json::serialize(details);
  EXPECT_EQ(RotateSecret(token_, recipient_.id(), R"({"previous_secret_expires_in":60})").status,
            200);
}

TEST_F(RotationGrace, DetailsShowHowThePreviousSecretIsStillUsed) {
  Start();
  const json::object rotation = RotateWithGrace(3600);
  json::object details = RecipientDetails(token_, recipient_.id());
  EXPECT_EQ(StringAt(details, "previous_secret_expires_at"),
            StringAt(rotation, "previous_secret_expires_at"));
  EXPECT_TRUE(details.at("previous_secret_last_used_at").is_null()) << json::serialize(details);
  EXPECT_TRUE(details.at("secret_last_used_at").is_null()) << json::serialize(details);
  EXPECT_EQ(IntAt(details, "previous_secret_authentications"), 0);

  // Three token requests with the old secret (post, Basic, post), none with the new one yet.
  const std::int64_t before = NowSeconds();
  ExpectAccepted(recipient_.credentials);
  EXPECT_EQ(RequestToken(recipient_.credentials).status, 200);
  // A failed attempt counts nothing.
  ExpectOAuthError(RequestToken({recipient_.id(), "wrong"}), 400, "invalid_client");
  const std::int64_t after = NowSeconds();
  EXPECT_TRUE(Eventually([&] {
    details = RecipientDetails(token_, recipient_.id());
    return IntAt(details, "previous_secret_authentications") == 3;
  })) << json::serialize(details);
  const std::int64_t used_at = ParseRfc3339(StringAt(details, "previous_secret_last_used_at"));
  EXPECT_GE(used_at, before);
  EXPECT_LE(used_at, after);
  EXPECT_TRUE(details.at("secret_last_used_at").is_null()) << json::serialize(details);

  // The new secret's use shows separately and does not count as a previous-secret use.
  EXPECT_EQ(RequestToken(Fresh(rotation)).status, 200);
  EXPECT_TRUE(Eventually([&] {
    details = RecipientDetails(token_, recipient_.id());
    return !details.at("secret_last_used_at").is_null();
  })) << json::serialize(details);
  EXPECT_GE(ParseRfc3339(StringAt(details, "secret_last_used_at")), before);
  EXPECT_EQ(IntAt(details, "previous_secret_authentications"), 3);

  // Ending the grace clears the previous secret's bookkeeping.
  ExpectNoContent(RevokePreviousSecret(token_, recipient_.id()));
  details = RecipientDetails(token_, recipient_.id());
  EXPECT_TRUE(details.at("previous_secret_expires_at").is_null()) << json::serialize(details);
  EXPECT_TRUE(details.at("previous_secret_last_used_at").is_null()) << json::serialize(details);
}

TEST_F(RotationGrace, GraceRotationLeavesTheOtherRecipientsAlone) {
  Start();
  const CreatedRecipient other = CreateRecipient(token_, FullRecipientJson("Other"));
  RotateWithGrace(3600);
  ExpectAccepted(other.credentials);
  EXPECT_TRUE(RecipientDetails(token_, other.id()).at("previous_secret_expires_at").is_null());
  // The other recipient rotates freely: the grace is per recipient.
  EXPECT_EQ(RotateSecret(token_, other.id(), R"({"previous_secret_expires_in":60})").status, 200);
}

}  // namespace
}  // namespace obauth::e2e
