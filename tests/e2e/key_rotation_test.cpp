// Signing key rotation: `obauth keys rotate` on the database of running servers publishes the
// new key in the JWKS within a second, tokens are signed with it only after --signing-delay,
// tokens of the previous key stay valid, and the previous key leaves the JWKS once every token
// it signed has expired (token lifetime + --clock-skew, 60 s by default). The tests move the
// servers' clock (ObauthTest::AdvanceClock) instead of waiting for it.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;

constexpr char kIssuer[] = "https://auth.example";

struct Rotated {
  std::string kid;
  std::int64_t signing_from = 0;
};

class KeyRotation : public ObauthTest {
 protected:
  std::vector<std::string> PublishedKids(ServerProcess* instance = nullptr) {
    HttpRequest request{"GET", "/.well-known/jwks.json", {}, {}};
    const HttpResponse r = instance == nullptr ? Send(request)
                                               : obauth::testing::SendHttp(
                                                     instance->host(), instance->port(), request);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> kids;
    const json::object jwks = ParseJsonObject(r.body);
    for (const auto& key : jwks.at("keys").as_array()) {
      kids.push_back(StringAt(key.as_object(), "kid"));
    }
    return kids;
  }

  Rotated Rotate(std::int64_t signing_delay) {
    const CommandResult r =
        ObauthOnDb({"keys", "rotate", "--signing-delay", std::to_string(signing_delay)});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const json::object printed = ParseJsonObject(r.out);
    EXPECT_EQ(StringAt(printed, "alg"), "ES256");
    return {StringAt(printed, "kid"), ParseRfc3339(StringAt(printed, "signing_from"))};
  }

  static std::string KidOf(std::string_view token) {
    return StringAt(DecodeJwt(token).header, "kid");
  }

  void ExpectAccepted(std::string_view token) {
    EXPECT_EQ(AdminGet(token, kRecipientsPath).status, 200) << "token of kid " << KidOf(token);
  }
};

TEST_F(KeyRotation, NewKeyIsPublishedAtOnceAndSignsOnlyAfterTheDelay) {
  const Credentials partner = CreatePartner();
  StartServer();
  FreezeClock();
  const std::vector<std::string> before = PublishedKids();
  ASSERT_EQ(before.size(), 1u);
  const std::string old_token = AdminToken(partner);
  EXPECT_EQ(KidOf(old_token), before[0]);

  const Rotated rotated = Rotate(4);
  EXPECT_EQ(rotated.signing_from, NowSeconds() + 4);
  EXPECT_TRUE(Eventually([&] {
    return PublishedKids() == std::vector{before[0], rotated.kid};
  })) << "the running server publishes the new key within a second";
  AdvanceClock(3);  // one second before it signs
  EXPECT_EQ(KidOf(AdminToken(partner)), before[0]) << "not signing before its time";

  AdvanceClock(1);  // its signing_from
  const std::string new_token = AdminToken(partner);
  EXPECT_EQ(KidOf(new_token), rotated.kid);
  ExpectAccepted(old_token);
  ExpectAccepted(new_token);
  EXPECT_EQ(PublishedKids(), (std::vector{before[0], rotated.kid}))
      << "the old key stays published while its tokens live";
  // The log reaches the file within 100 ms (app::BufferedFdSink).
  EXPECT_TRUE(Eventually([&] {
    return server().log_text().find("signing keys changed: signing kid=" + before[0]) !=
           std::string::npos;
  })) << server().log_text();
}

TEST_F(KeyRotation, RetiredKeyLeavesTheJwksOnceItsTokensHaveExpired) {
  const Credentials partner = CreatePartner();
  StartServer({"--token-ttl", "1"});
  FreezeClock();
  const std::string old_kid = PublishedKids().at(0);
  const Rotated rotated = Rotate(0);
  EXPECT_TRUE(Eventually([&] { return KidOf(AdminToken(partner)) == rotated.kid; }));
  EXPECT_EQ(PublishedKids(), (std::vector{old_kid, rotated.kid}));
  // Retired at signing_from: its last tokens expire 1 s later, plus 60 s of tolerated skew.
  const std::int64_t unpublished_at = rotated.signing_from + 1 + 60;
  AdvanceClock(unpublished_at - 1 - NowSeconds());
  EXPECT_EQ(PublishedKids(), (std::vector{old_kid, rotated.kid})) << "one second before";
  AdvanceClock(1);
  EXPECT_EQ(PublishedKids(), std::vector{rotated.kid}) << "at " << unpublished_at;
  AdvanceClock(1);
  EXPECT_EQ(PublishedKids(), std::vector{rotated.kid}) << "after";
}

TEST_F(KeyRotation, ClockSkewSetsHowLongARetiredKeyStaysPublished) {
  const Credentials partner = CreatePartner();
  StartServer({"--token-ttl", "1", "--clock-skew", "0"});
  FreezeClock();
  const std::string old_kid = PublishedKids().at(0);
  const Rotated rotated = Rotate(0);
  EXPECT_TRUE(Eventually([&] { return KidOf(AdminToken(partner)) == rotated.kid; }));
  // No skew: published until its last token (1 s) has expired.
  EXPECT_EQ(PublishedKids(), (std::vector{old_kid, rotated.kid}));
  AdvanceClock(1);
  EXPECT_EQ(PublishedKids(), std::vector{rotated.kid});
}

TEST_F(KeyRotation, ClockSkewOutOfRangeIsRefusedAtStartup) {
  for (const std::string value : {"-1", "301", "abc"}) {
    SCOPED_TRACE(value);
    const CommandResult r = Obauth(
        {"serve", "--listen", "127.0.0.1:0", "--db", DbPath().string(), "--clock-skew", value});
    EXPECT_EQ(r.status.kind, ExitStatus::Kind::kExited) << r.status.ToString();
    EXPECT_NE(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(r.out.find("listening"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("--clock-skew"), std::string::npos) << r.err;
  }
  for (const std::string value : {"0", "300"}) {
    SCOPED_TRACE(value);
    StartServer({"--clock-skew", value});
    ASSERT_EQ(StopServer().ToString(), "exit 0");
  }
}

TEST_F(KeyRotation, RotationWhileStoppedIsUsedAfterTheRestartAndOldTokensStayValid) {
  const Credentials partner = CreatePartner();
  // The restarted server listens on another port: the same issuer keeps the tokens its own.
  StartServer({"--issuer", kIssuer});
  const std::string old_token = AdminToken(partner);
  ASSERT_EQ(StopServer().ToString(), "exit 0");
  const Rotated rotated = Rotate(0);
  StartServer({"--issuer", kIssuer});
  EXPECT_EQ(KidOf(AdminToken(partner)), rotated.kid);
  ExpectAccepted(old_token);
  EXPECT_EQ(PublishedKids(), (std::vector{KidOf(old_token), rotated.kid}));
}

TEST_F(KeyRotation, AnotherInstanceOnTheSameDatabaseLearnsTheKeyBeforeItSigns) {
  const Credentials partner = CreatePartner();
  StartServer({"--issuer", kIssuer});
  auto other = StartAnotherServer({"--issuer", kIssuer}, "other.log");
  FreezeClock();
  const Rotated rotated = Rotate(2);
  EXPECT_TRUE(Eventually([&] { return PublishedKids(other.get()).size() == 2; }));
  AdvanceClock(rotated.signing_from - NowSeconds());
  const std::string token = AdminToken(partner);
  ASSERT_EQ(KidOf(token), rotated.kid);
  HttpRequest request{
      "GET", std::string(kRecipientsPath), {{"Authorization", "Bearer " + token}}, {}};
  EXPECT_EQ(obauth::testing::SendHttp(other->host(), other->port(), request).status, 200);
  other->Stop();
}

TEST_F(KeyRotation, RotatingAgainBeforeTheNewKeySignsIsRefusedAndChangesNothing) {
  StartServer();
  const Rotated rotated = Rotate(600);
  const CommandResult again = ObauthOnDb({"keys", "rotate", "--signing-delay", "0"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(again.out, "");
  const std::string said = "the key added by the previous rotation starts signing at ";
  const auto at = again.err.find(said);
  ASSERT_NE(at, std::string::npos) << again.err;
  EXPECT_EQ(ParseRfc3339(again.err.substr(at + said.size(), 20)), rotated.signing_from);
  EXPECT_NE(again.err.find("rotate again after that"), std::string::npos) << again.err;
  EXPECT_TRUE(Eventually([&] { return PublishedKids().size() == 2; }));
  EXPECT_EQ(PublishedKids().back(), rotated.kid);
}

TEST_F(KeyRotation, KeysListShowsRetiredSigningAndNextKeys) {
  StartServer();
  const std::string first = PublishedKids().at(0);
  const Rotated second = Rotate(0);
  const Rotated third = Rotate(600);
  const CommandResult r = ObauthOnDb({"keys", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::vector<std::string> rows;
  for (std::string line; std::getline(lines, line);) rows.push_back(line);
  ASSERT_EQ(rows.size(), 4u) << r.out;
  EXPECT_TRUE(rows[0].starts_with("KID")) << rows[0];
  const auto expect_row = [](const std::string& row, const std::string& kid,
                             const std::string& state) {
    EXPECT_TRUE(row.starts_with(kid)) << row;
    EXPECT_NE(row.find(" " + state + " "), std::string::npos) << row;
  };
  expect_row(rows[1], first, "retired");
  expect_row(rows[2], second.kid, "signing");
  expect_row(rows[3], third.kid, "next");
}

}  // namespace
}  // namespace obauth::e2e
