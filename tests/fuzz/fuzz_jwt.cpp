// libFuzzer driver: the access token parser and verifier (oauth::AccessTokens::Verify) with a
// fixed ES256 key (a test key, used nowhere else) and a fixed clock.
// Invariants: a token the key signed verifies; anything accepted carries exactly the claims the
// key signed (so no mutation of header, payload or signature gets through, and nothing crashes
// on the way). Seeds are tokens of this key: OBAUTH_FUZZ_WRITE_SEEDS=DIR writes fresh ones.
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "fuzz/fuzz_support.hpp"
#include "oauth/access_token.hpp"

namespace {

using namespace obauth;

constexpr std::int64_t kNow = 1'800'000'000;
constexpr char kTestKey[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgxPWfuDbX4pJxvnJa\n"
    "218OAkuAgYYu+u66RzSGkONC94uhRANCAAQjVx1zw1Gyc9TloaNxWbEd1zBJZZHZ\n"
    "Ec/sRi1W0Ed+5Xs86BAqpK+eQYvj/jAzukjnB4YmdjVukf+CK/6Jkvoa\n"
    "-----END PRIVATE KEY-----\n";

oauth::AccessTokenClaims Claims() {
  return {"https://fuzz.obauth.test",
          "pt-fuzz",
          "pt-fuzz",
          "client:admin",
          "jti-1",
          kNow - 10,
          kNow + 290,
          3};
}

bool Same(const oauth::AccessTokenClaims& a, const oauth::AccessTokenClaims& b) {
  return a.issuer == b.issuer && a.subject == b.subject && a.client_id == b.client_id &&
         a.scope == b.scope && a.jwt_id == b.jwt_id && a.issued_at == b.issued_at &&
         a.expires_at == b.expires_at && a.token_epoch == b.token_epoch;
}

const oauth::AccessTokens& Tokens() {
  static const oauth::AccessTokens tokens = [] {
    auto key = crypto::SigningKey::FromPkcs8Pem(Secret(std::string(kTestKey)));
    fuzz::Check(key.has_value(), "test key does not load");
    return oauth::AccessTokens(std::move(*key), Claims().issuer);
  }();
  return tokens;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  auto token = Tokens().Sign(Claims());
  fuzz::Check(token.has_value(), "cannot sign");
  auto verified = Tokens().Verify(*token, kNow);
  fuzz::Check(verified && Same(*verified, Claims()), "a token of the key does not verify");
  if (const char* dir = std::getenv("OBAUTH_FUZZ_WRITE_SEEDS")) {
    std::ofstream(std::string(dir) + "/token") << *token;
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto claims = Tokens().Verify(fuzz::AsText(data, size), kNow);
  if (claims) fuzz::Check(Same(*claims, Claims()), "accepted a token with other claims");
  return 0;
}
