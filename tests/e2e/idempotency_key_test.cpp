// Idempotency-Key on POST /api/v1/recipients and on the rotate call (issue 3): a retry with the
// same key and request replays the first answer (the same secret) with Idempotent-Replayed:
// true and changes nothing; another request under the key is 422; a malformed key is 400; keys
// are per partner; failed requests are not kept; replay copies are not stored in plaintext;
// duplicates in flight are 409 and never run twice; and a client that lost a rotate response
// retries into a working secret.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

namespace json = boost::json;
using obauth::testing::HttpConnection;
using obauth::testing::ParseJson;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;
using obauth::testing::ToWire;

class IdempotencyKey : public ObauthTest {
 protected:
  void SetUp() override {
    partner_ = CreatePartner();
    StartServer();
    token_ = AdminToken(partner_);
    recipient_ = CreateRecipient(token_);
  }

  static Headers KeyHeader(std::string_view key) { return {{"Idempotency-Key", std::string(key)}}; }

  HttpRequest CreateRequest(std::string_view key, std::string body = FullRecipientJson(),
                            std::optional<std::string> token = std::nullopt) const {
    return {"POST",
            std::string(kRecipientsPath),
            {{"Authorization", "Bearer " + token.value_or(token_)},
             {"Content-Type", "application/json"},
             {"Idempotency-Key", std::string(key)}},
            std::move(body)};
  }
  HttpResponse CreateWithKey(std::string_view key, std::string body = FullRecipientJson(),
                             std::optional<std::string> token = std::nullopt) {
    return Send(CreateRequest(key, std::move(body), std::move(token)));
  }
  HttpResponse RotateWithKey(std::string_view key, std::optional<std::string> body = std::nullopt,
                             std::optional<std::string> client_id = std::nullopt) {
    return RotateSecret(token_, client_id.value_or(recipient_.id()), std::move(body),
                        KeyHeader(key));
  }

  std::size_t RecipientCount() {
    return ParseJson(AdminGet(token_, kRecipientsPath).body).as_array().size();
  }
  std::size_t Count(std::string_view action) {
    return EventsWithAction(AuditEvents(token_), action).size();
  }

  // A replay: the first answer's status and body, marked as replayed, not cached.
  static void ExpectReplayOf(const HttpResponse& replay, const HttpResponse& first) {
    EXPECT_EQ(replay.status, first.status) << replay.Describe();
    EXPECT_EQ(replay.body, first.body);
    EXPECT_EQ(replay.Header("Idempotent-Replayed").value_or("(none)"), "true");
    EXPECT_EQ(replay.Header("Content-Type").value_or(""), "application/json");
    EXPECT_EQ(replay.Header("Cache-Control").value_or(""), "no-store");
  }
  static void ExpectFirstRun(const HttpResponse& r) {
    EXPECT_EQ(r.status, 200) << r.Describe();
    EXPECT_FALSE(r.Header("Idempotent-Replayed").has_value());
  }

  Credentials partner_;
  std::string token_;
  CreatedRecipient recipient_;
};

TEST_F(IdempotencyKey, CreateRetryReplaysTheSameRecipientAndSecretWithoutCreatingAnother) {
  const HttpResponse first = CreateWithKey("create-7d1c");
  ExpectFirstRun(first);
  const json::object created = ParseJsonObject(first.body);
  ASSERT_EQ(RecipientCount(), 2u);

  for (int retry = 0; retry < 2; ++retry) {
    SCOPED_TRACE(retry);
    ExpectReplayOf(CreateWithKey("create-7d1c"), first);
  }
  EXPECT_EQ(RecipientCount(), 2u);
  EXPECT_EQ(Count("recipient.created"), 2u);
  // The replayed secret is the one that works.
  EXPECT_EQ(
      RequestToken({StringAt(created, "client_id"), StringAt(created, "client_secret")}).status,
      200);
}

TEST_F(IdempotencyKey, RotateRetryReplaysTheSameSecretWithoutASecondRotation) {
  const HttpResponse first = RotateWithKey("rotate-0001");
  ExpectFirstRun(first);
  const Credentials fresh{recipient_.id(), StringAt(ParseJsonObject(first.body), "client_secret")};

  for (int retry = 0; retry < 2; ++retry) {
    SCOPED_TRACE(retry);
    ExpectReplayOf(RotateWithKey("rotate-0001"), first);
  }
  EXPECT_EQ(RequestToken(fresh).status, 200);
  ExpectOAuthError(RequestToken(recipient_.credentials), 400, "invalid_client");
  const auto rotations = EventsWithAction(AuditEvents(token_), "recipient.secret_rotated");
  ASSERT_EQ(rotations.size(), 1u);
  EXPECT_EQ(json::serialize(rotations[0].at("options")),
            R"({"previous_secret_expires_in":0,"revoke_tokens":false,"idempotency_key":true})");
}

TEST_F(IdempotencyKey, GraceRotationRetryReplaysInsteadOfConflicting) {
  const std::string body = R"({"previous_secret_expires_in":3600})";
  const HttpResponse first = RotateWithKey("rotate-grace", body);
  ExpectFirstRun(first);
  // The previous secret is in its grace now, yet the retry is a replay, not a 409.
  ExpectReplayOf(RotateWithKey("rotate-grace", body), first);
  const json::object answer = ParseJsonObject(first.body);
  EXPECT_EQ(RequestToken({recipient_.id(), StringAt(answer, "client_secret")}).status, 200);
  EXPECT_EQ(RequestToken(recipient_.credentials).status, 200);
  EXPECT_EQ(Count("recipient.secret_rotated"), 1u);
  // A rotation under a new key is still refused while the grace lasts.
  ExpectMessage(RotateWithKey("rotate-grace-2", body), 409);
}

TEST_F(IdempotencyKey, ReplayCopiesOfSecretsAreNotStoredInPlaintext) {
  const HttpResponse created = CreateWithKey("sealed-create");
  ASSERT_EQ(created.status, 200) << created.Describe();
  const HttpResponse rotated =
      RotateWithKey("sealed-rotate", R"({"previous_secret_expires_in":60})");
  ASSERT_EQ(rotated.status, 200) << rotated.Describe();
  ExpectReplayOf(CreateWithKey("sealed-create"), created);
  ExpectReplayOf(RotateWithKey("sealed-rotate", R"({"previous_secret_expires_in":60})"), rotated);
  const std::vector<std::pair<std::string, std::string>> secrets = {
      {"created secret", StringAt(ParseJsonObject(created.body), "client_secret")},
      {"rotated secret", StringAt(ParseJsonObject(rotated.body), "client_secret")},
      {"rotate answer", rotated.body},
  };
  // Every file next to the database (database, WAL, key file), while running and once stopped.
  auto expect_absent = [&] {
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(DbPath().parent_path())) {
      if (!entry.is_regular_file()) continue;
      ++files;
      std::ifstream in(entry.path(), std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
      for (const auto& [what, value] : secrets) {
        EXPECT_EQ(bytes.find(value), std::string::npos)
            << what << " stored in plaintext in " << entry.path().filename();
      }
    }
    EXPECT_GE(files, 1u);
  };
  expect_absent();
  ASSERT_EQ(StopServer().ToString(), "exit 0");
  expect_absent();
}

TEST_F(IdempotencyKey, SameKeyForAnotherRequestIs422AndChangesNothing) {
  ASSERT_EQ(CreateWithKey("key-A").status, 200);
  ASSERT_EQ(RotateWithKey("key-B").status, 200);
  const CreatedRecipient other = CreateRecipient(token_, FullRecipientJson("Other"));
  const std::string list = AdminGet(token_, kRecipientsPath).body;
  const std::size_t events = AuditEvents(token_).size();

  const std::vector<std::pair<std::string, HttpResponse>> cases = {
      {"create, other body", CreateWithKey("key-A", FullRecipientJson("Another Name"))},
      // Byte for byte: the same JSON with one more space is another request.
      {"create, body with a space", CreateWithKey("key-A", FullRecipientJson() + " ")},
      {"rotate under a create key", RotateWithKey("key-A")},
      {"rotate, with a body", RotateWithKey("key-B", R"({"previous_secret_expires_in":60})")},
      {"rotate, another recipient", RotateWithKey("key-B", std::nullopt, other.id())},
      {"create under a rotate key", CreateWithKey("key-B")},
  };
  for (const auto& [what, r] : cases) {
    SCOPED_TRACE(what);
    ExpectMessage(r, 422);
    EXPECT_EQ(r.body.find("client_secret"), std::string::npos);
    EXPECT_FALSE(r.Header("Idempotent-Replayed").has_value());
  }
  EXPECT_EQ(AdminGet(token_, kRecipientsPath).body, list);
  EXPECT_EQ(AuditEvents(token_).size(), events);
  EXPECT_EQ(RequestToken(other.credentials).status, 200);
}

TEST_F(IdempotencyKey, MalformedKeyIs400AndChangesNothing) {
  const std::vector<std::pair<std::string, std::string>> keys = {
      {"empty", ""},
      {"256 characters", std::string(256, 'k')},
      {"non-ASCII", "cl\xc3\xa9-1"},
      {"inner space", "rotate 1"},
      {"inner tab", "rotate\t1"},
      {"DEL", "rotate\x7f"},
  };
  for (const auto& [what, key] : keys) {
    SCOPED_TRACE(what);
    const HttpResponse created = CreateWithKey(key);
    ExpectMessage(created, 400);
    EXPECT_EQ(created.body.find("client_secret"), std::string::npos);
    const HttpResponse rotated = RotateWithKey(key);
    ExpectMessage(rotated, 400);
    EXPECT_EQ(rotated.body.find("client_secret"), std::string::npos);
  }
  EXPECT_EQ(RecipientCount(), 1u);
  EXPECT_EQ(RequestToken(recipient_.credentials).status, 200);
  EXPECT_EQ(Count("recipient.secret_rotated"), 0u);

  // The bounds: 255 visible ASCII characters, and single punctuation characters.
  for (const std::string& key :
       {std::string(255, 'k'), std::string("!"), std::string("~"), std::string("a-Z_0.9:/+=")}) {
    SCOPED_TRACE(key);
    const HttpResponse first = CreateWithKey(key);
    ExpectFirstRun(first);
    ExpectReplayOf(CreateWithKey(key), first);
  }
}

TEST_F(IdempotencyKey, KeysArePerPartner) {
  const Credentials other_partner = CreatePartner("Other Partner");
  const std::string other_token = AdminToken(other_partner);

  const HttpResponse mine = CreateWithKey("shared-key");
  ExpectFirstRun(mine);
  const HttpResponse theirs = CreateWithKey("shared-key", FullRecipientJson(), other_token);
  ExpectFirstRun(theirs);
  EXPECT_NE(StringAt(ParseJsonObject(theirs.body), "client_id"),
            StringAt(ParseJsonObject(mine.body), "client_id"));
  EXPECT_NE(StringAt(ParseJsonObject(theirs.body), "client_secret"),
            StringAt(ParseJsonObject(mine.body), "client_secret"));
  // Each partner's retry replays its own answer.
  ExpectReplayOf(CreateWithKey("shared-key", FullRecipientJson(), other_token), theirs);
  ExpectReplayOf(CreateWithKey("shared-key"), mine);
  EXPECT_EQ(ParseJson(AdminGet(other_token, kRecipientsPath).body).as_array().size(), 1u);
  EXPECT_EQ(RecipientCount(), 2u);

  // Another partner retrying my rotation's key on my recipient learns nothing: 404.
  const HttpResponse rotated = RotateWithKey("rotate-shared");
  ASSERT_EQ(rotated.status, 200) << rotated.Describe();
  const HttpResponse foreign =
      RotateSecret(other_token, recipient_.id(), std::nullopt, KeyHeader("rotate-shared"));
  ExpectMessage(foreign, 404);
  EXPECT_FALSE(foreign.Header("Idempotent-Replayed").has_value());
  EXPECT_EQ(
      RequestToken({recipient_.id(), StringAt(ParseJsonObject(rotated.body), "client_secret")})
          .status,
      200);
}

TEST_F(IdempotencyKey, FailedRequestIsNotKeptSoARetryRunsAgain) {
  // A 400 under a key, then a valid request under the same key: it runs.
  ExpectMessage(CreateWithKey("create-retry", R"({"name":"No Scope"})"), 400);
  ExpectFirstRun(CreateWithKey("create-retry"));
  EXPECT_EQ(RecipientCount(), 2u);

  // A 409 during a grace period, then the same request once the grace is ended: it runs.
  ASSERT_EQ(RotateSecret(token_, recipient_.id(), R"({"previous_secret_expires_in":3600})").status,
            200);
  ExpectMessage(RotateWithKey("rotate-retry"), 409);
  ExpectNoContent(RevokePreviousSecret(token_, recipient_.id()));
  const HttpResponse ran = RotateWithKey("rotate-retry");
  ExpectFirstRun(ran);
  EXPECT_EQ(
      RequestToken({recipient_.id(), StringAt(ParseJsonObject(ran.body), "client_secret")}).status,
      200);
  EXPECT_EQ(Count("recipient.secret_rotated"), 2u);
}

// A rotation written on a connection that is then dropped without reading a byte of the answer.
class LostResponse : public IdempotencyKey {
 protected:
  HttpRequest Request(std::string_view key) const {
    return {"POST",
            SecretPath(recipient_.id()),
            {{"Authorization", "Bearer " + token_},
             {"Content-Type", "application/json"},
             {"Idempotency-Key", std::string(key)}},
            R"({"previous_secret_expires_in":0})"};
  }
  void SendAndDrop(const HttpRequest& request) {
    HttpConnection connection(server().host(), server().port());
    connection.WriteRaw(ToWire(request, server().host() + ":" + std::to_string(server().port())));
  }
  // The retry of a client that waits and tries again while it is told 409 (the first request
  // still running).
  HttpResponse RetryUntilNotInFlight(const HttpRequest& request) {
    HttpResponse retry;
    for (int attempt = 0; attempt < 100; ++attempt) {
      retry = Send(request);
      if (retry.status != 409) break;
      ExpectMessage(retry, 409);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return retry;
  }
  // The retry's secret is the one that works, the old one is dead, one rotation happened, and
  // every later retry answers the same.
  void ExpectOneWorkingSecret(const HttpRequest& request, const HttpResponse& retry) {
    ASSERT_EQ(retry.status, 200) << retry.Describe();
    const Credentials fresh{recipient_.id(),
                            StringAt(ParseJsonObject(retry.body), "client_secret")};
    EXPECT_EQ(RequestToken(fresh).status, 200);
    ExpectOAuthError(RequestToken(recipient_.credentials), 400, "invalid_client");
    EXPECT_EQ(Count("recipient.secret_rotated"), 1u);
    const HttpResponse again = Send(request);
    EXPECT_EQ(again.body, retry.body);
    EXPECT_EQ(again.Header("Idempotent-Replayed").value_or("(none)"), "true");
  }
};

TEST_F(LostResponse, ClientThatNeverReadTheRotateResponseRetriesIntoTheSecretItMissed) {
  const HttpRequest request = Request("lost-response-1");
  SendAndDrop(request);
  // The server completes the rotation although nobody reads the answer...
  ASSERT_TRUE(Eventually([&] { return Count("recipient.secret_rotated") == 1; }));
  // ...so the retry is a replay of that answer: the secret the client missed.
  const HttpResponse retry = Send(request);
  EXPECT_EQ(retry.Header("Idempotent-Replayed").value_or("(none)"), "true");
  ExpectOneWorkingSecret(request, retry);
}

TEST_F(LostResponse, RetryRacingTheDroppedRequestStillEndsWithOneWorkingSecret) {
  // The retry follows at once: it may meet the dropped request in flight (409, then a replay)
  // or win the race itself; either way exactly one rotation happens and its secret works.
  const HttpRequest request = Request("lost-response-3");
  SendAndDrop(request);
  ExpectOneWorkingSecret(request, RetryUntilNotInFlight(request));
}

TEST_F(IdempotencyKey, ClientThatLostTheRotateResponseGetsTheSameSecretAgain) {
  const HttpResponse lost = RotateWithKey("lost-response-2");
  ASSERT_EQ(lost.status, 200) << lost.Describe();
  const HttpResponse retry = RotateWithKey("lost-response-2");
  ExpectReplayOf(retry, lost);
  EXPECT_EQ(StringAt(ParseJsonObject(retry.body), "client_secret"),
            StringAt(ParseJsonObject(lost.body), "client_secret"));
  EXPECT_EQ(RequestToken({recipient_.id(), StringAt(ParseJsonObject(retry.body), "client_secret")})
                .status,
            200);
}

TEST_F(IdempotencyKey, ConcurrentDuplicatesOfOneRotationRotateOnce) {
  const HttpRequest request{
      "POST",
      SecretPath(recipient_.id()),
      {{"Authorization", "Bearer " + token_}, {"Idempotency-Key", "in-flight-1"}},
      {}};
  const std::vector<HttpResponse> answers = obauth::testing::SendConcurrently(
      server().host(), server().port(), std::vector<HttpRequest>(10, request));
  std::optional<std::string> secret;
  int ok = 0;
  for (const auto& r : answers) {
    SCOPED_TRACE(r.Describe());
    ASSERT_TRUE(r.status == 200 || r.status == 409);
    if (r.status == 409) {
      ExpectMessage(r, 409);
      continue;
    }
    ++ok;
    const std::string s = StringAt(ParseJsonObject(r.body), "client_secret");
    if (!secret) secret = s;
    EXPECT_EQ(s, *secret) << "two different secrets under one key";
  }
  ASSERT_GE(ok, 1);
  EXPECT_EQ(Count("recipient.secret_rotated"), 1u);
  EXPECT_EQ(RequestToken({recipient_.id(), *secret}).status, 200);
  // Once it is done, the key replays.
  const HttpResponse replay = Send(request);
  EXPECT_EQ(StringAt(ParseJsonObject(replay.body), "client_secret"), *secret);
  EXPECT_EQ(replay.Header("Idempotent-Replayed").value_or("(none)"), "true");
}

TEST_F(IdempotencyKey, ConcurrentDuplicatesOfOneCreateCreateOnce) {
  const std::vector<HttpResponse> answers = obauth::testing::SendConcurrently(
      server().host(), server().port(),
      std::vector<HttpRequest>(10, CreateRequest("create-in-flight")));
  std::optional<std::string> body;
  for (const auto& r : answers) {
    SCOPED_TRACE(r.Describe());
    ASSERT_TRUE(r.status == 200 || r.status == 409);
    if (r.status != 200) continue;
    if (!body) body = r.body;
    EXPECT_EQ(r.body, *body);
  }
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(RecipientCount(), 2u);
  EXPECT_EQ(Count("recipient.created"), 2u);
}

}  // namespace
}  // namespace obauth::e2e
