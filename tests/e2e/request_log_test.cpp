// The server log: one line per request with its request id, and no secret, token,
// Authorization or flinks-auth-key value, or request body, ever. Also X-Request-Id on every
// response, errors and unreadable requests included.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <set>
#include <sstream>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

using obauth::testing::Base64Encode;
using obauth::testing::BasicAuthorization;
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
    if (line.find(" request id=") != std::string::npos) out.push_back(line);
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
  EXPECT_NE(server().log_text().find(" id=trace-42.abc_DEF "), std::string::npos);
}

}  // namespace
}  // namespace obauth::e2e
