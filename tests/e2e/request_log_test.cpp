// The server log: one line per request with its request id, and no secret, token,
// Authorization or flinks-auth-key value, or request body, ever. Also X-Request-Id on every
// response, errors and unreadable requests included.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <chrono>
#include <set>
#include <sstream>
#include <thread>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

using obauth::testing::Base64Encode;
using obauth::testing::BasicAuthorization;
using obauth::testing::FormBody;
using obauth::testing::FormEncode;
using obauth::testing::HttpConnection;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> RequestLines(const std::string& log) {
  std::vector<std::string> out;
  for (auto& line : Lines(log)) {
    // The info line of each request (the suite's servers also write a debug line per request).
    if (line.find(" info request id=") != std::string::npos ||
        line.find(" error request id=") != std::string::npos) {
      out.push_back(line);
    }
  }
  return out;
}

class RequestLog : public ObauthTest {};

TEST_F(RequestLog, NoSecretTokenCredentialHeaderOrBodyReachesTheLog) {
  // Everything that must not be logged, collected along a full flow.
  std::vector<std::pair<std::string, std::string>> secrets;
  auto remember = [&](std::string what, std::string value) {
    ASSERT_FALSE(value.empty()) << what;
    secrets.emplace_back(std::move(what), std::move(value));
  };

  const Credentials partner = CreatePartner();
  remember("partner secret", partner.client_secret);
  StartServer();

  const std::string basic =
      BasicAuthorization(FormEncode(partner.client_id), FormEncode(partner.client_secret));
  remember("partner Basic value", basic.substr(6));
  const HttpResponse by_basic =
      PostTokenForm({{"grant_type", "client_credentials"}}, {{"Authorization", basic}});
  ASSERT_EQ(by_basic.status, 200);
  const std::string token = StringAt(ParseJsonObject(by_basic.body), "access_token");
  remember("admin token", token);
  remember("admin token signature", token.substr(token.rfind('.') + 1));

  const CreatedRecipient recipient = CreateRecipient(token, FullRecipientJson("Body Sentinel Q7Z"));
  remember("request body content", "Body Sentinel Q7Z");
  remember("recipient first secret", recipient.credentials.client_secret);
  const std::string recipient_token = Token(recipient.credentials);
  remember("recipient token", recipient_token);

  const HttpResponse rotated = Send({"POST",
                                     RecipientPath(recipient.id()) + "/secret",
                                     {{"flinks-auth-key", "Bearer " + token}},
                                     {}});
  ASSERT_EQ(rotated.status, 200);
  const Credentials fresh{recipient.id(), StringAt(ParseJsonObject(rotated.body), "client_secret")};
  remember("recipient new secret", fresh.client_secret);
  const std::string fresh_token = Token(fresh);
  remember("recipient token after rotation", fresh_token);
  ExpectOAuthError(RequestToken(recipient.credentials), 400, "invalid_client");

  // Failures carry credentials too: a wrong secret, an unusable bearer token in each header,
  // two different tokens, a JSON token request.
  remember("wrong secret", "Wrong-Secret-Sentinel-4242");
  ExpectOAuthError(RequestToken({partner.client_id, "Wrong-Secret-Sentinel-4242"}), 400,
                   "invalid_client");
  remember("bogus bearer", "Bogus-Bearer-Sentinel-9191");
  ExpectInvalidBearerToken(
      Get(kRecipientsPath, {{"Authorization", "Bearer Bogus-Bearer-Sentinel-9191"}}));
  remember("bogus flinks-auth-key", "Bogus-Key-Sentinel-5353");
  ExpectInvalidBearerToken(Get(kRecipientsPath, {{"flinks-auth-key", "Bogus-Key-Sentinel-5353"}}));
  ExpectInvalidBearerToken(Get(
      kRecipientsPath, {{"Authorization", "Bearer " + token}, {"flinks-auth-key", fresh_token}}));
  ExpectMessage(Get(kRecipientsPath, {{"flinks-auth-key", recipient_token}}), 403);
  EXPECT_EQ(
      PostTokenJson(R"({"grant_type":"client_credentials","client_id":")" + partner.client_id +
                    R"(","client_secret":")" + partner.client_secret + R"("})")
          .status,
      200);

  ASSERT_EQ(StopServer().ToString(), "exit 0");
  const std::string log = server().log_text();
  ASSERT_FALSE(RequestLines(log).empty()) << log;
  for (const auto& [what, value] : secrets) {
    EXPECT_EQ(log.find(value), std::string::npos) << what << " found in the server log";
  }
}

TEST_F(RequestLog, NoSecretTokenKeyOrReplayedBodyOfTheIssue3EndpointsReachesTheLog) {
  std::vector<std::pair<std::string, std::string>> secrets;
  auto remember = [&](std::string what, std::string value) {
    ASSERT_FALSE(value.empty()) << what;
    secrets.emplace_back(std::move(what), std::move(value));
  };
  const Credentials partner = CreatePartner();
  remember("partner secret", partner.client_secret);
  StartServer();
  const std::string token = AdminToken(partner);
  remember("admin token", token);

  // Creation and rotation under an Idempotency-Key, each replayed once.
  const HttpRequest create{"POST",
                           std::string(kRecipientsPath),
                           {{"Authorization", "Bearer " + token},
                            {"Content-Type", "application/json"},
                            {"Idempotency-Key", "Create-Key-Sentinel-8810"}},
                           FullRecipientJson("Replay Body Sentinel K4")};
  remember("create key", "Create-Key-Sentinel-8810");
  remember("create body", "Replay Body Sentinel K4");
  const HttpResponse created = Send(create);
  ASSERT_EQ(created.status, 200) << created.Describe();
  ASSERT_EQ(Send(create).body, created.body);
  const Credentials first{StringAt(ParseJsonObject(created.body), "client_id"),
                          StringAt(ParseJsonObject(created.body), "client_secret")};
  remember("first secret", first.client_secret);
  const std::string first_token = Token(first);
  remember("first token", first_token);

  const Headers rotate_key = {{"Idempotency-Key", "Rotate-Key-Sentinel-2277"}};
  remember("rotate key", "Rotate-Key-Sentinel-2277");
  const HttpResponse rotated =
      RotateSecret(token, first.client_id, R"({"previous_secret_expires_in":600})", rotate_key);
  ASSERT_EQ(rotated.status, 200) << rotated.Describe();
  ASSERT_EQ(
      RotateSecret(token, first.client_id, R"({"previous_secret_expires_in":600})", rotate_key)
          .body,
      rotated.body);
  const Credentials second{first.client_id,
                           StringAt(ParseJsonObject(rotated.body), "client_secret")};
  remember("second secret", second.client_secret);
  // Refused requests under keys: another body (422), a rotation in grace (409), a bad key (400).
  ExpectMessage(RotateSecret(token, first.client_id, "{}", rotate_key), 422);
  ExpectMessage(RotateSecret(token, first.client_id, std::nullopt,
                             {{"Idempotency-Key", "Other-Key-Sentinel-6161"}}),
                409);
  remember("refused key", "Other-Key-Sentinel-6161");
  ExpectMessage(RotateSecret(token, first.client_id, std::nullopt,
                             {{"Idempotency-Key", "Bad Key Sentinel 4040"}}),
                400);
  remember("malformed key", "Bad Key Sentinel 4040");

  // Usage of the old secret (flushed in the background), introspection in every form.
  const std::string old_secret_token = Token(first);
  remember("token of the old secret", old_secret_token);
  const std::string second_token = Token(second);
  remember("token of the new secret", second_token);
  ASSERT_TRUE(ParseJsonObject(Introspect(partner, first_token).body).at("active").as_bool());
  const std::string basic =
      BasicAuthorization(FormEncode(partner.client_id), FormEncode(partner.client_secret));
  EXPECT_EQ(Send({"POST",
                  std::string(kIntrospectPath),
                  {{"Authorization", basic}, {"Content-Type", "application/json"}},
                  R"({"token":")" + second_token + "\"}"})
                .status,
            200);
  EXPECT_EQ(Introspect(partner, "Bogus-Introspected-Sentinel-1212").body, R"({"active":false})");
  remember("bogus introspected token", "Bogus-Introspected-Sentinel-1212");
  ExpectOAuthError(Introspect({partner.client_id, "Wrong-Introspect-Secret-3434"}, first_token),
                   400, "invalid_client");
  remember("wrong introspection secret", "Wrong-Introspect-Secret-3434");
  ExpectOAuthError(Introspect(first, second_token), 400, "unauthorized_client");

  // Ending the grace, revoking tokens, the trail, retirement.
  ExpectNoContent(RevokePreviousSecret(token, first.client_id));
  const std::string third = RotatedSecret(token, first.client_id, R"({"revoke_tokens":true})");
  remember("third secret", third);
  EXPECT_EQ(AdminGet(token, kAuditPath).status, 200);
  ExpectNoContent(AdminDelete(token, RecipientPath(first.client_id)));
  // Let the background writer record the secret usage before the stop.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));

  ASSERT_EQ(StopServer().ToString(), "exit 0");
  const std::string log = server().log_text();
  ASSERT_FALSE(RequestLines(log).empty()) << log;
  for (const auto& [what, value] : secrets) {
    EXPECT_EQ(log.find(value), std::string::npos) << what << " found in the server log";
  }
}

TEST_F(RequestLog, Issue3RoutesAreLoggedByTheirTemplate) {
  const Credentials partner = CreatePartner();
  StartServer();
  const std::string token = AdminToken(partner);
  const CreatedRecipient recipient = CreateRecipient(token);
  RotateSecret(token, recipient.id(), R"({"previous_secret_expires_in":60})");
  RevokePreviousSecret(token, recipient.id());
  Introspect(partner, token);
  AdminGet(token, std::string(kAuditPath) + "?limit=5");
  AdminDelete(token, RecipientPath(recipient.id()));
  ASSERT_EQ(StopServer().ToString(), "exit 0");

  const std::vector<std::string> lines = RequestLines(server().log_text());
  const std::string expected[] = {
      "method=POST route=/api/v1/token status=200 duration_ms=",
      "method=POST route=/api/v1/recipients status=200 duration_ms=",
      "method=POST route=/api/v1/recipients/{client_id}/secret status=200 duration_ms=",
      "method=DELETE route=/api/v1/recipients/{client_id}/secret/previous status=204 duration_ms=",
      "method=POST route=/api/v1/introspect status=200 duration_ms=",
      "method=GET route=/api/v1/audit status=200 duration_ms=",
      "method=DELETE route=/api/v1/recipients/{client_id} status=204 duration_ms=",
  };
  ASSERT_EQ(lines.size(), std::size(expected)) << server().log_text();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_NE(lines[i].find(expected[i]), std::string::npos) << lines[i];
  }
}

TEST_F(RequestLog, AClientIdCanNeitherForgeALineNorFloodTheLog) {
  StartServer();
  const std::string forged =
      "x\n2026-01-01T00:00:00.000000Z info request id=forged-1 method=POST route=/api/v1/token "
      "status=200\r\x1b[31m";
  const std::vector<std::pair<std::string, std::string>> form = {
      {"grant_type", "client_credentials"}, {"client_id", forged}, {"client_secret", "s"}};
  Send({"POST",
        "/api/v1/token",
        {{"Content-Type", "application/x-www-form-urlencoded"}},
        FormBody(form)});
  Send({"POST",
        "/api/v1/token",
        {{"Content-Type", "application/json"}},
        boost::json::serialize(boost::json::object{
            {"grant_type", "client_credentials"}, {"client_id", forged}, {"client_secret", "s"}})});
  Send({"POST",
        "/api/v1/token",
        {{"Content-Type", "application/x-www-form-urlencoded"},
         {"Authorization", BasicAuthorization(FormEncode(forged), "s")}},
        "grant_type=client_credentials"});
  // A 60 KB client id, ten times.
  const std::vector<std::pair<std::string, std::string>> long_id = {
      {"grant_type", "client_credentials"},
      {"client_id", std::string(60000, 'a')},
      {"client_secret", "s"}};
  for (int i = 0; i < 10; ++i) {
    Send({"POST",
          "/api/v1/token",
          {{"Content-Type", "application/x-www-form-urlencoded"}},
          FormBody(long_id)});
  }
  ASSERT_EQ(StopServer().ToString(), "exit 0");
  const std::string log = server().log_text();
  EXPECT_EQ(log.find("\n2026-01-01T00:00:00"), std::string::npos) << "a forged line";
  EXPECT_EQ(log.find('\r'), std::string::npos);
  EXPECT_EQ(log.find('\x1b'), std::string::npos) << "a terminal escape";
  EXPECT_NE(log.find("x\\x0a2026-01-01T00:00:00"), std::string::npos) << "shown escaped";
  std::size_t longest = 0;
  for (const auto& line : Lines(log)) longest = std::max(longest, line.size());
  EXPECT_LT(longest, 2048u) << "a 60 KB client id is not copied into the log";
}

TEST_F(RequestLog, OneLinePerRequestWithItsRequestIdMethodRouteStatusAndDuration) {
  const Credentials partner = CreatePartner();
  StartServer();
  const std::string token = AdminToken(partner);
  const CreatedRecipient recipient = CreateRecipient(token);
  AdminGet(token, kRecipientsPath);
  AdminGet(token, RecipientPath(recipient.id()));
  RotateSecret(token, recipient.id());
  Get("/nowhere");
  Get(kRecipientsPath);
  ASSERT_EQ(StopServer().ToString(), "exit 0");

  const std::vector<std::string> lines = RequestLines(server().log_text());
  EXPECT_EQ(lines.size(), request_ids().size()) << server().log_text();
  for (const auto& id : request_ids()) {
    std::size_t matches = 0;
    for (const auto& line : lines) matches += line.find(" id=" + id + " ") != std::string::npos;
    EXPECT_EQ(matches, 1u) << "request id " << id;
  }
  const std::string expected[] = {
      "method=POST route=/api/v1/token status=200 duration_ms=",
      "method=POST route=/api/v1/recipients status=200 duration_ms=",
      "method=GET route=/api/v1/recipients status=200 duration_ms=",
      "method=GET route=/api/v1/recipients/{client_id} status=200 duration_ms=",
      "method=POST route=/api/v1/recipients/{client_id}/secret status=200 duration_ms=",
      "status=404 duration_ms=",
      "method=GET route=/api/v1/recipients status=401 duration_ms=",
  };
  ASSERT_EQ(lines.size(), std::size(expected));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_NE(lines[i].find(expected[i]), std::string::npos) << lines[i];
  }
}

TEST_F(RequestLog, EveryResponseCarriesAUniqueRequestId) {
  const Credentials partner = CreatePartner();
  StartServer();
  // The fixture checks X-Request-Id on each of these: success and every kind of error.
  const std::string token = AdminToken(partner);
  RequestToken({partner.client_id, "wrong"});
  Get("/unknown");
  Send({"DELETE", std::string(kRecipientsPath), {}, {}});
  Get(kRecipientsPath);
  AdminPost(token, kRecipientsPath, "{");
  Send({"POST", std::string(kRecipientsPath), {{"Authorization", "Bearer " + token}}, "{}"});
  AdminGet(token, RecipientPath("dc-" + std::string(25, 'q')));
  const std::set<std::string> unique(request_ids().begin(), request_ids().end());
  EXPECT_EQ(unique.size(), request_ids().size());
  EXPECT_EQ(request_ids().size(), 8u);

  // A request the server cannot even parse is answered, and identified, too.
  HttpConnection connection(server().host(), server().port());
  connection.WriteRaw("THIS IS NOT HTTP\r\n\r\n");
  const HttpResponse garbage = connection.ReadResponse();
  EXPECT_EQ(garbage.status, 400) << garbage.Describe();
  EXPECT_FALSE(garbage.Header("X-Request-Id").value_or("").empty());
}

TEST_F(RequestLog, SafeClientRequestIdIsEchoedAndUnsafeOneReplaced) {
  StartServer();
  const HttpResponse echoed = Get("/healthz", {{"X-Request-Id", "trace-42.abc_DEF"}});
  EXPECT_EQ(echoed.Header("X-Request-Id").value_or(""), "trace-42.abc_DEF");
  for (const std::string& unsafe :
       {std::string("has spaces in it"), std::string(65, 'a'), std::string("new\\nline")}) {
    SCOPED_TRACE(unsafe);
    const HttpResponse replaced = Get("/healthz", {{"X-Request-Id", unsafe}});
    EXPECT_NE(replaced.Header("X-Request-Id").value_or(unsafe), unsafe);
  }
  ASSERT_EQ(StopServer().ToString(), "exit 0");
  // The log line has the server's own id, and the client's beside it.
  EXPECT_NE(server().log_text().find(" client_request_id=trace-42.abc_DEF "), std::string::npos);
}

// A client cannot make its request carry the id the server gives the next one: before, it sent
// the generated form ("PREFIX-N", the prefix visible in every answer) with the next N, and the
// next request without an id of its own got the same one, in the log and the audit trail.
TEST_F(RequestLog, AClientCannotTakeTheIdOfTheNextRequest) {
  StartServer();
  const std::string first = Get("/healthz").Header("X-Request-Id").value_or("");
  const auto separator = first.find_last_of("-:");
  ASSERT_NE(separator, std::string::npos) << first;
  const std::string predicted =
      first.substr(0, separator + 1) + std::to_string(std::stoll(first.substr(separator + 1)) + 1);
  const std::string claimed =
      Get("/healthz", {{"X-Request-Id", predicted}}).Header("X-Request-Id").value_or("");
  const std::string next = Get("/healthz").Header("X-Request-Id").value_or("");
  EXPECT_NE(claimed, next) << "two requests answered under " << next;
  EXPECT_NE(first, next);
  ASSERT_EQ(StopServer().ToString(), "exit 0");
  std::size_t lines = 0;
  for (const auto& line : RequestLines(server().log_text())) {
    lines += line.find(" id=" + next + " ") != std::string::npos;
  }
  EXPECT_EQ(lines, 1u) << server().log_text();
}

}  // namespace
}  // namespace obauth::e2e
