// Access tokens: JWTs in the RFC 9068 shape (typ at+jwt), signed with the server's key (JWS alg
// ES256, or EdDSA for an Ed25519 key) and verified locally, without a database read.
// AccessTokens is thread-safe. Verified tokens are remembered (by SHA-256 of the token, for
// their remaining lifetime, at most kMaxCachedTokens) so a repeated bearer token costs a hash,
// not a signature check; revocation is decided by the caller after Verify().
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/error.hpp"
#include "crypto/signing_key.hpp"

namespace obauth::oauth {

struct AccessTokenClaims {
  std::string issuer;     // iss, also the audience (aud): this server is its own resource server
  std::string subject;    // sub: the client the token was issued to
  std::string client_id;  // client_id (RFC 9068 §2.2)
  std::string scope;      // space-separated granted scopes
  std::string jwt_id;     // jti
  std::int64_t issued_at = 0;    // iat
  std::int64_t expires_at = 0;   // exp
  std::int64_t token_epoch = 0;  // gen: the client's token epoch at issuance (revocation)
};

class AccessTokens {
 public:
  // Tokens longer than this are rejected before any parsing.
  static constexpr std::size_t kMaxTokenLength = 4096;
  // Tolerated clock difference for iat/nbf between instances, in seconds.
  static constexpr std::int64_t kClockSkew = 60;
  static constexpr std::size_t kMaxCachedTokens = 100000;

  AccessTokens(crypto::SigningKey key, std::string issuer);

  const std::string& issuer() const { return issuer_; }
  const crypto::SigningKey& key() const { return key_; }

  // The compact JWS for `claims` (issuer taken from `claims`), or kInternal.
  [[nodiscard]] Result<std::string> Sign(const AccessTokenClaims& claims) const;

  // The claims of a token this server signed that is valid at `now`; kInvalidToken (internal
  // message says why) for anything else: bad syntax, another alg/typ/kid, a bad signature,
  // another issuer or audience, expired, or issued in the future.
  [[nodiscard]] Result<AccessTokenClaims> Verify(std::string_view token, std::int64_t now) const;

 private:
  Result<AccessTokenClaims> VerifyUncached(std::string_view token, std::int64_t now) const;

  crypto::SigningKey key_;
  std::string issuer_;
  std::string encoded_header_;
  mutable std::mutex cache_mu_;
  mutable std::unordered_map<std::string, AccessTokenClaims> verified_;
};

}  // namespace obauth::oauth
