// Access tokens: building and signing the RFC 9068 JWT, and verifying one (signature, header
// and claims), without the store.
#include <benchmark/benchmark.h>

#include "bench_world.hpp"
#include "crypto/base64url.hpp"
#include "crypto/random.hpp"

namespace obauth::bench {
namespace {

oauth::AccessTokenClaims Claims() {
  const auto& world = BenchWorld::Get();
  oauth::AccessTokenClaims claims;
  claims.issuer = std::string(kIssuer);
  claims.subject = world.recipient_id;
  claims.client_id = world.recipient_id;
  claims.scope = "ACCOUNT_BASIC TRANSACTIONS";
  claims.jwt_id = crypto::Base64UrlEncode(*crypto::RandomBytes(16));
  claims.issued_at = world.clock.NowSeconds();
  claims.expires_at = claims.issued_at + kTokenTtl;
  return claims;
}

void BM_AccessTokens_Sign(benchmark::State& state) {
  const auto& tokens = *BenchWorld::Get().access_tokens;
  const auto claims = Claims();
  for (auto _ : state) {
    auto token = tokens.Sign(claims);
    benchmark::DoNotOptimize(token);
  }
}
BENCHMARK(BM_AccessTokens_Sign);

void BM_AccessTokens_Verify(benchmark::State& state) {
  const auto& world = BenchWorld::Get();
  const std::string token = *world.access_tokens->Sign(Claims());
  const std::int64_t now = world.clock.NowSeconds();
  if (!world.access_tokens->Verify(token, now)) {
    state.SkipWithError("token rejected");
    return;
  }
  for (auto _ : state) {
    auto claims = world.access_tokens->Verify(token, now);
    benchmark::DoNotOptimize(claims);
  }
  state.SetLabel(std::to_string(token.size()) + " B token");
}
BENCHMARK(BM_AccessTokens_Verify);

}  // namespace
}  // namespace obauth::bench
