#include "http/request_log.hpp"

#include <gtest/gtest.h>

namespace obauth::http {
namespace {

namespace bh = boost::beast::http;

Request Make(std::string target, std::vector<std::pair<std::string, std::string>> headers,
             std::string body = {}) {
  Request request{bh::verb::post, target, 11};
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = std::move(body);
  return request;
}

TEST(DescribeRequestForLog, ShowsSafeHeadersAndOnlyTheLengthOfOthers) {
  const std::string text = DescribeRequestForLog(
      Make("/api/v1/recipients", {{"Host", "127.0.0.1:8080"},
                                  {"Authorization", "Bearer eyJ.secret.token"},
                                  {"X-Api-Key", "hunter2"},
                                  {"Cookie", "session=abc"},
                                  {"Idempotency-Key", "k-1"}}));
  EXPECT_NE(text.find(R"(host="127.0.0.1:8080")"), std::string::npos) << text;
  EXPECT_NE(text.find("authorization=[23 bytes]"), std::string::npos) << text;
  EXPECT_NE(text.find("x-api-key=[7 bytes]"), std::string::npos) << text;
  EXPECT_NE(text.find("cookie=[11 bytes]"), std::string::npos) << text;
  EXPECT_NE(text.find("idempotency-key=[3 bytes]"), std::string::npos) << text;
  for (const char* secret : {"eyJ.secret.token", "hunter2", "session=abc"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " in " << text;
  }
}

TEST(DescribeRequestForLog, ShowsOnlyNonSecretFormFields) {
  const std::string body =
      "grant_type=client_credentials&client_id=dc-1&client_secret=s3cr%2Bt&scope=client%3Aadmin"
      "&token=eyJ.tok&client_secrett=typo";
  const std::string text = DescribeRequestForLog(
      Make("/api/v1/token", {{"Content-Type", "application/x-www-form-urlencoded"}}, body));
  EXPECT_NE(text.find(R"(grant_type="client_credentials")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(client_id="dc-1")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(scope="client:admin")"), std::string::npos) << text;
  EXPECT_NE(text.find("client_secret=[6 bytes]"), std::string::npos) << text;
  EXPECT_NE(text.find("token=[7 bytes]"), std::string::npos) << text;
  EXPECT_NE(text.find("client_secrett=[4 bytes]"), std::string::npos) << text;
  EXPECT_NE(text.find("body_bytes=" + std::to_string(body.size())), std::string::npos) << text;
  for (const char* secret : {"s3cr", "eyJ.tok", "typo"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " in " << text;
  }
}

TEST(DescribeRequestForLog, JsonBodiesAreNeverShown) {
  const std::string text =
      DescribeRequestForLog(Make("/api/v1/token", {{"Content-Type", "application/json"}},
                                 R"({"client_id":"dc-1","client_secret":"abc"})"));
  EXPECT_EQ(text.find("abc"), std::string::npos) << text;
  EXPECT_NE(text.find("body_bytes=42"), std::string::npos) << text;
}

TEST(DescribeRequestForLog, ControlCharactersAndQuotesAreEscaped) {
  const std::string text =
      DescribeRequestForLog(Make("/x\"\n y", {{"User-Agent", "a\"b\\c\x7f"}}, {}));
  EXPECT_NE(text.find(R"(target="/x\x22\x0a y")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(user-agent="a\x22b\x5cc\x7f")"), std::string::npos) << text;
  EXPECT_EQ(text.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace obauth::http
