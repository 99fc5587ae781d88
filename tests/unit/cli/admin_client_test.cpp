#include "cli/admin_client.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace obauth::cli {
namespace {

// The value of a successful result; throws with the error's messages otherwise.
template <class T>
T Ok(Result<T> r) {
  if (!r) throw std::runtime_error(r.error().public_message + " " + r.error().internal);
  return std::move(*r);
}

TEST(ServerUrl, HttpsUrlDefaultsToPort443AndKeepsAPathPrefix) {
  const auto url = Ok(ParseServerUrl("https://auth.example.com/obauth/"));
  EXPECT_TRUE(url.tls);
  EXPECT_EQ(url.host, "auth.example.com");
  EXPECT_EQ(url.port, "443");
  EXPECT_EQ(url.base_path, "/obauth");
}

TEST(ServerUrl, HttpUrlWithPortAndIpv6Host) {
  const auto url = Ok(ParseServerUrl("http://[::1]:8080"));
  EXPECT_FALSE(url.tls);
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, "8080");
  EXPECT_EQ(url.base_path, "");
}

TEST(ServerUrl, KnowsWhichHostsAreThisMachine) {
  for (const char* text :
       {"http://localhost:8080", "http://127.0.0.1", "http://127.1.2.3:1", "http://[::1]:8080"}) {
    EXPECT_TRUE(Ok(ParseServerUrl(text)).loopback) << text;
  }
  for (const char* text : {"http://auth.example.com", "http://10.0.0.1", "http://[2001:db8::1]",
                           "http://localhost.example.com"}) {
    EXPECT_FALSE(Ok(ParseServerUrl(text)).loopback) << text;
  }
}

TEST(ServerUrl, RejectsWhatCannotNameAServer) {
  for (const char* text :
       {"", "127.0.0.1:8080", "ftp://x.example/", "http://user:pw@x.example/",
        "http://x.example/?q=1", "http://x.example#f", "http://x.example:99999", "http:///path"}) {
    const auto url = ParseServerUrl(text);
    EXPECT_FALSE(url) << text;
    if (!url) {
      EXPECT_EQ(url.error().code, ErrorCode::kValidation) << text;
      EXPECT_NE(url.error().public_message.find("--url"), std::string::npos) << text;
    }
  }
}

ServerUrl Local() { return Ok(ParseServerUrl("http://127.0.0.1:8080")); }

HttpAnswer Answer(int status, std::string body, std::string content_type, std::string request_id,
                  std::string retry_after = "") {
  HttpAnswer answer;
  answer.status = status;
  answer.body = std::move(body);
  answer.content_type = std::move(content_type);
  answer.request_id = std::move(request_id);
  answer.retry_after = std::move(retry_after);
  return answer;
}

TEST(AdminFailure, EachStatusSaysWhatToDoNext) {
  struct Case {
    int status;
    std::string body;
    std::string recipient;
    ErrorCode code;
    std::string says;
  };
  const std::vector<Case> cases = {
      {400, R"({"message":"Invalid field 'country': must be CA or US"})", "",
       ErrorCode::kValidation, "Invalid field 'country': must be CA or US). Nothing was changed."},
      {403, R"({"message":"Requires scope client:admin"})", "", ErrorCode::kInsufficientScope,
       "client:admin scope"},
      {404, R"({"message":"Data Recipient not found"})", "dc-x", ErrorCode::kNotFound,
       "No recipient dc-x for this partner"},
      {404, R"({"message":"Not Found"})", "", ErrorCode::kNotFound, "base URL of an obauth server"},
      {404, "<html>nginx</html>", "dc-x", ErrorCode::kNotFound, "base URL of an obauth server"},
      {409, R"({"message":"The previous secret is still in its grace period; end it"})", "dc-x",
       ErrorCode::kConflict, "obauth recipients delete-previous-secret dc-x"},
      {409, R"({"message":"A request with this Idempotency-Key is already in progress"})", "dc-x",
       ErrorCode::kKeyInUse, "retry later with the same key"},
      {422, R"({"message":"reused"})", "", ErrorCode::kKeyReused, "new --idempotency-key"},
      {429, R"({"message":"Too Many Requests"})", "", ErrorCode::kTooManyAttempts, "retry"},
      {503, R"({"message":"Service Unavailable"})", "", ErrorCode::kUnavailable, "retry later"},
      {500, R"({"message":"Internal Server Error"})", "", ErrorCode::kInternal, "request id r-1"},
  };
  for (const auto& c : cases) {
    const Error e = DescribeAdminFailure(Answer(c.status, c.body, "application/json", "r-1"),
                                         Local(), c.recipient);
    EXPECT_EQ(e.code, c.code) << c.status << " " << c.body;
    EXPECT_NE(e.public_message.find(c.says), std::string::npos)
        << c.status << ": " << e.public_message;
  }
}

TEST(AdminFailure, RetryAfterIsQuoted) {
  const Error e = DescribeAdminFailure(
      Answer(503, R"({"message":"Service Unavailable"})", "", "", "7"), Local(), "");
  EXPECT_NE(e.public_message.find("retry in 7 s"), std::string::npos) << e.public_message;
}

}  // namespace
}  // namespace obauth::cli
