// Signing, verification and secret hashing: obauth's own wrappers (Ed25519 SigningKey,
// SecretHasher) next to plain OpenSSL EVP calls, to tell the algorithm's cost from the
// wrapper's (a fresh EVP context per call re-fetches the algorithm from the provider).
#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>
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

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

void BM_Ed25519Sign_SigningKey(benchmark::State& state) {
  const auto& key = BenchWorld::Get().access_tokens->key();
  const std::string message = SigningInput();
  for (auto _ : state) {
    auto sig = key.Sign(message);
    benchmark::DoNotOptimize(sig);
  }
  state.SetLabel(std::to_string(message.size()) + " B input");
}
BENCHMARK(BM_Ed25519Sign_SigningKey);

void BM_Ed25519Verify_SigningKey(benchmark::State& state) {
  const auto& key = BenchWorld::Get().access_tokens->key();
  const std::string message = SigningInput();
  const std::string sig = *key.Sign(message);
  for (auto _ : state) {
    bool ok = key.Verify(message, sig);
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(BM_Ed25519Verify_SigningKey);

// Ed25519 with a context initialised once and copied per call: what SigningKey::Sign would cost
// without the per-call EVP_DigestSignInit (provider fetch and key setup).
void BM_Ed25519Sign_EvpCtxCopy(benchmark::State& state) {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  MdCtx proto(EVP_MD_CTX_new());
  if (!key || EVP_DigestSignInit(proto.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    state.SkipWithError("Ed25519 setup failed");
    return;
  }
  const std::string message = SigningInput();
  std::string sig(64, '\0');
  MdCtx ctx(EVP_MD_CTX_new());
  for (auto _ : state) {
    std::size_t len = sig.size();
    if (EVP_MD_CTX_copy_ex(ctx.get(), proto.get()) != 1 ||
        EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                       Bytes(message), message.size()) != 1) {
      state.SkipWithError("Ed25519 sign via copied ctx failed");
      break;
    }
    benchmark::DoNotOptimize(sig.data());
  }
}
BENCHMARK(BM_Ed25519Sign_EvpCtxCopy);

// ES256 (ECDSA P-256 + SHA-256) through EVP as a JWS library would do it: a fresh context per
// call like SigningKey, plus the DER -> raw r||s conversion RFC 7518 §3.4 requires.
std::string Es256Sign(EVP_PKEY* key, std::string_view message) {
  MdCtx ctx(EVP_MD_CTX_new());
  unsigned char der[80];
  std::size_t der_len = sizeof(der);
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), der, &der_len, Bytes(message), message.size()) != 1) {
    return {};
  }
  const unsigned char* p = der;
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len));
  if (sig == nullptr) return {};
  std::string raw(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(sig);
  return raw;
}

bool Es256Verify(EVP_PKEY* key, std::string_view message, std::string_view raw) {
  if (raw.size() != 64) return false;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(Bytes(raw), 32, nullptr), BN_bin2bn(Bytes(raw) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (der_len <= 0) return false;
  MdCtx ctx(EVP_MD_CTX_new());
  const bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
                  EVP_DigestVerify(ctx.get(), der, static_cast<std::size_t>(der_len),
                                   Bytes(message), message.size()) == 1;
  OPENSSL_free(der);
  return ok;
}

void BM_Es256Sign_Evp(benchmark::State& state) {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  const std::string message = SigningInput();
  if (!key || Es256Sign(key.get(), message).size() != 64) {
    state.SkipWithError("ES256 setup failed");
    return;
  }
  for (auto _ : state) {
    auto sig = Es256Sign(key.get(), message);
    benchmark::DoNotOptimize(sig);
  }
}
BENCHMARK(BM_Es256Sign_Evp);

void BM_Es256Verify_Evp(benchmark::State& state) {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  const std::string message = SigningInput();
  const std::string sig = key ? Es256Sign(key.get(), message) : std::string();
  if (!Es256Verify(key.get(), message, sig)) {
    state.SkipWithError("ES256 setup failed");
    return;
  }
  for (auto _ : state) {
    bool ok = Es256Verify(key.get(), message, sig);
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(BM_Es256Verify_Evp);

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
  if (proto == nullptr ||
      EVP_MAC_init(proto, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                   params) != 1) {
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
