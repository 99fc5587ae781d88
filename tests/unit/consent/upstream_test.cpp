// consent::Upstream without a provider: reading the catalogue's fdx connector, PKCE, sealing the
// provider's tokens, their expiry, and what happens before any byte is sent (unreachable or
// plain-http providers). The exchanges with a provider are end to end:
// tests/e2e/connector_test.cpp.
#include "consent/upstream.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "crypto/base64url.hpp"

namespace obauth::consent {
namespace {

using namespace std::chrono_literals;

TEST(FdxConnectorOf, ReadsAnFdxConnectorAndTrimsTheBaseUrlsSlash) {
  const auto c = FdxConnectorOf(
      R"({"type":"fdx","issuer":"https://bank.example","fdx_base_url":"https://api.bank.example/fdx/5/","authorize_params":{"provider_id":"9000","prompt":"login"}})");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->issuer, "https://bank.example");
  EXPECT_EQ(c->fdx_base_url, "https://api.bank.example/fdx/5");
  const std::vector<std::pair<std::string, std::string>> params = {{"provider_id", "9000"},
                                                                   {"prompt", "login"}};
  EXPECT_EQ(c->authorize_params, params);
}

TEST(FdxConnectorOf, AnythingElseIsNone) {
  for (const std::optional<std::string>& json :
       {std::optional<std::string>(), std::optional<std::string>(R"({"type":"sandbox"})"),
        std::optional<std::string>(R"({"type":"fdx"})"), std::optional<std::string>("[1]"),
        std::optional<std::string>("not json")}) {
    EXPECT_FALSE(FdxConnectorOf(json)) << json.value_or("(none)");
  }
}

TEST(S256Challenge, IsRfc7636AppendixB) {
  EXPECT_EQ(S256Challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

class UpstreamTest : public ::testing::Test {
 protected:
  Upstream MakeUpstream() {
    return Upstream("https://hub.example/api/v1/authorize/callback", Secret(std::string(32, 'k')),
                    [](std::int64_t) -> Result<UpstreamClient> {
                      return UpstreamClient{"hub", Secret("hub-secret-at-the-provider")};
                    },
                    clock_, {.token = 2000ms, .data = 2000ms});
  }
  ManualClock clock_{1'800'000'000};
};

TEST_F(UpstreamTest, SealedTokensOpenOnlyForTheirProvider) {
  const Upstream upstream = MakeUpstream();
  const UpstreamTokens tokens{"access-token-value", "refresh-token-value", 1'800'000'600,
                              "ACCOUNT_BASIC TRANSACTIONS"};
  const auto sealed = upstream.Seal(7000, tokens);
  ASSERT_TRUE(sealed);
  EXPECT_TRUE(crypto::Base64UrlDecode(*sealed));
  EXPECT_EQ(sealed->find("access-token-value"), std::string::npos);
  const auto opened = upstream.Open(7000, *sealed);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->access_token, tokens.access_token);
  EXPECT_EQ(opened->refresh_token, tokens.refresh_token);
  EXPECT_EQ(opened->expires_at, tokens.expires_at);
  EXPECT_EQ(opened->scope, tokens.scope);
  const auto elsewhere = upstream.Open(7001, *sealed);
  ASSERT_FALSE(elsewhere);
  EXPECT_EQ(elsewhere.error().code, ErrorCode::kInternal);
  EXPECT_FALSE(upstream.Open(7000, "not*base64"));
}

TEST_F(UpstreamTest, TokensExpireWithinTheMarginOrNeverWhenTheProviderDidNotSay) {
  const Upstream upstream = MakeUpstream();
  EXPECT_FALSE(upstream.Expiring({"a", "r", 1'800'000'031, ""}, 30));
  EXPECT_TRUE(upstream.Expiring({"a", "r", 1'800'000'030, ""}, 30));
  EXPECT_FALSE(upstream.Expiring({"a", "r", 0, ""}, 30));
  clock_.Advance(1);
  EXPECT_TRUE(upstream.Expiring({"a", "r", 1'800'000'031, ""}, 30));
}

TEST_F(UpstreamTest, AProviderThatRefusesConnectionsIsUnavailableAtOnce) {
  const Upstream upstream = MakeUpstream();
  // Port 1 on this machine: nothing listens, the connection is refused.
  const FdxConnector down{"http://127.0.0.1:1", "http://127.0.0.1:1/api/fdx/5", {}};
  const auto start = std::chrono::steady_clock::now();
  const auto url = upstream.AuthorizationUrl(7000, down, "ACCOUNT_BASIC", "state", "verifier");
  ASSERT_FALSE(url);
  EXPECT_EQ(url.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(url.error().internal.find("hub-secret"), std::string::npos);
  const auto data = upstream.Get(down, "/accounts", {"access", "", 0, ""}, "application/json");
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().code, ErrorCode::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

TEST_F(UpstreamTest, PlainHttpToAnotherMachineIsNeverSent) {
  const Upstream upstream = MakeUpstream();
  // 192.0.2.1 (TEST-NET-1, RFC 5737) would not answer: the refusal comes before any connection.
  const FdxConnector remote{"http://192.0.2.1", "http://192.0.2.1/api/fdx/5", {}};
  const auto start = std::chrono::steady_clock::now();
  const auto url = upstream.AuthorizationUrl(7000, remote, "ACCOUNT_BASIC", "state", "verifier");
  ASSERT_FALSE(url);
  EXPECT_EQ(url.error().code, ErrorCode::kInternal);
  EXPECT_NE(url.error().internal.find("plain http"), std::string::npos) << url.error().internal;
  const auto data = upstream.Get(remote, "/accounts", {"access", "", 0, ""}, "application/json");
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().code, ErrorCode::kInternal);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

}  // namespace
}  // namespace obauth::consent
