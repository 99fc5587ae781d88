// Signing, verification and secret hashing through obauth's own wrappers (SigningKey for ES256
// and EdDSA, SecretHasher), next to the raw OpenSSL calls they are built on where that tells the
// algorithm's cost from the wrapper's.
#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_world.hpp"
#include "crypto/client_secret.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "crypto/signing_key.hpp"

namespace obauth::bench {
namespace {

// The JWS signing input of a real access token (header.payload), as signed per token request.
std::string SigningInput() {
  const std::string& token = BenchWorld::Get().partner_token;
  return token.substr(0, token.rfind('.'));
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

crypto::SigningKey KeyFor(const benchmark::State& state) {
  const auto algorithm = static_cast<crypto::SigningAlgorithm>(state.range(0));
  auto key = crypto::SigningKey::Generate(algorithm);
  if (!key) throw std::runtime_error("key generation failed");
  return std::move(*key);
}

// SigningKey::Sign for ES256 (range 0) and EdDSA (range 1): the per-call cost with the contexts
// SigningKey prepares once, including ES256's DER -> R||S conversion (RFC 7518 §3.4).
void BM_Sign(benchmark::State& state) {
  const crypto::SigningKey key = KeyFor(state);
  const std::string message = SigningInput();
  for (auto _ : state) {
    auto sig = key.Sign(message);
    benchmark::DoNotOptimize(sig);
  }
  state.SetLabel(std::string(key.Algorithm()) + ", " + std::to_string(message.size()) + " B input");
}
BENCHMARK(BM_Sign)
    ->Arg(static_cast<int>(crypto::SigningAlgorithm::kEs256))
    ->Arg(static_cast<int>(crypto::SigningAlgorithm::kEdDsa));

void BM_Verify(benchmark::State& state) {
  const crypto::SigningKey key = KeyFor(state);
  const std::string message = SigningInput();
  const std::string sig = *key.Sign(message);
  for (auto _ : state) {
    bool ok = key.Verify(message, sig);
    benchmark::DoNotOptimize(ok);
  }
  state.SetLabel(std::string(key.Algorithm()));
}
BENCHMARK(BM_Verify)
    ->Arg(static_cast<int>(crypto::SigningAlgorithm::kEs256))
    ->Arg(static_cast<int>(crypto::SigningAlgorithm::kEdDsa));

void BM_SecretHasher_Hash(benchmark::State& state) {
  const auto& world = BenchWorld::Get();
  const Secret secret(world.recipient_secret);
  for (auto _ : state) {
    auto hash = world.hasher->Hash(world.recipient_id, secret);
    benchmark::DoNotOptimize(hash);
  }
}
BENCHMARK(BM_SecretHasher_Hash);

// What the token endpoint does per authentication: one hash, compared with two stored hashes.
void BM_SecretHasher_Match(benchmark::State& state) {
  const auto& world = BenchWorld::Get();
  const Secret secret(world.recipient_secret);
  const std::string stored = world.hasher->Hash(world.recipient_id, secret);
  const std::string dummy(32, '\0');
  const std::vector<std::string_view> hashes{stored, dummy};
  for (auto _ : state) {
    int matched = world.hasher->Match(world.recipient_id, secret, hashes);
    benchmark::DoNotOptimize(matched);
  }
}
BENCHMARK(BM_SecretHasher_Match);

// The same HMAC-SHA-256 with the keyed MAC context prepared once and duplicated per call.
void BM_HmacSha256_EvpMacCtxDup(benchmark::State& state) {
  const auto& world = BenchWorld::Get();
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* proto = mac ? EVP_MAC_CTX_new(mac) : nullptr;
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  const std::string key(32, 'k');
  if (proto == nullptr || EVP_MAC_init(proto, reinterpret_cast<const unsigned char*>(key.data()),
                                       key.size(), params) != 1) {
    state.SkipWithError("HMAC setup failed");
  } else {
    std::string message = world.recipient_id;
    message.push_back('\0');
    message += world.recipient_secret;
    unsigned char out[32];
    for (auto _ : state) {
      EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(proto);
      std::size_t len = 0;
      EVP_MAC_update(ctx, Bytes(message), message.size());
      EVP_MAC_final(ctx, out, &len, sizeof(out));
      EVP_MAC_CTX_free(ctx);
      benchmark::DoNotOptimize(out);
    }
  }
  EVP_MAC_CTX_free(proto);
  EVP_MAC_free(mac);
}
BENCHMARK(BM_HmacSha256_EvpMacCtxDup);

void BM_Sha256(benchmark::State& state) {
  const std::string message = SigningInput();
  for (auto _ : state) {
    auto digest = crypto::Sha256(message);
    benchmark::DoNotOptimize(digest);
  }
}
BENCHMARK(BM_Sha256);

// The jti of every token.
void BM_RandomBytes16(benchmark::State& state) {
  for (auto _ : state) {
    auto bytes = crypto::RandomBytes(16);
    benchmark::DoNotOptimize(bytes);
  }
}
BENCHMARK(BM_RandomBytes16);

}  // namespace
}  // namespace obauth::bench
