// Access tokens: JWTs in the RFC 9068 shape (typ at+jwt), signed with the server's current key
// (JWS alg ES256, or EdDSA for an Ed25519 key; KeyRing) and verified locally, without a
// database read, against whichever key of the ring their kid names.
// AccessTokens is thread-safe. Verified tokens are remembered (by SHA-256 of the token, for
// their remaining lifetime, at most kMaxCachedTokens) so a repeated bearer token costs a hash,
// not a signature check; revocation is decided by the caller after Verify().
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/error.hpp"
#include "crypto/signing_key.hpp"
#include "oauth/key_ring.hpp"

namespace obauth::oauth {

// Tolerated clock difference between instances, in seconds (serve --clock-skew): a token's iat
// and nbf may be this far in the future, and a retired signing key stays published this long
// after the last token it signed has expired.
inline constexpr std::int64_t kDefaultClockSkew = 60;
inline constexpr std::int64_t kMaxClockSkew = 300;
// How long a revoked connection's token marker (store::ConnectionTokenMarker) is kept: until
// every access token of the connection has expired, whatever the server's token lifetime.
inline constexpr std::int64_t kConnectionMarkerSeconds = kMaxTokenLifetime + kMaxClockSkew;

struct AccessTokenClaims {
  std::string issuer;     // iss, also the audience (aud): this server is its own resource server
  std::string subject;    // sub: the client the token was issued to
  std::string client_id;  // client_id (RFC 9068 §2.2)
  std::string scope;      // space-separated granted scopes
  std::string jwt_id;     // jti
  std::int64_t issued_at = 0;    // iat
  std::int64_t expires_at = 0;   // exp
  std::int64_t token_epoch = 0;  // gen: the client's token epoch at issuance (revocation)
  // A connection's token (authorization_code, refresh_token grants): the customer's pairwise
  // subject is `subject`, and these are set; a client's own token has neither.
  std::int64_t provider_id = 0;  // provider_id
  std::string connection_id;     // connection_id
};

class AccessTokens {
 public:
  // Tokens longer than this are rejected before any parsing.
  static constexpr std::size_t kMaxTokenLength = 4096;
  static constexpr std::size_t kMaxCachedTokens = 100000;

  // `clock_skew`: seconds, 0 to kMaxClockSkew.
  AccessTokens(KeyRing keys, std::string issuer, std::int64_t clock_skew = kDefaultClockSkew);
  // A ring of this one key.
  AccessTokens(crypto::SigningKey key, std::string issuer,
               std::int64_t clock_skew = kDefaultClockSkew);

  const std::string& issuer() const { return issuer_; }
  // How far in the future a token's iat and nbf may be (kDefaultClockSkew unless configured).
  std::int64_t clock_skew() const { return clock_skew_; }
  // The keys now in use; a later UseKeys() does not change the ring returned.
  std::shared_ptr<const KeyRing> keys() const;
  // Signs and verifies with `keys` from now on (a rotation seen in the store).
  void UseKeys(KeyRing keys);

  // The compact JWS for `claims` (issuer taken from `claims`), signed by the key that signs at
  // claims.issued_at, or kInternal.
  [[nodiscard]] Result<std::string> Sign(const AccessTokenClaims& claims) const;

  // The claims of a token this server signed that is valid at `now`; kInvalidToken (the public
  // message says what the holder can act on: malformed, not issued here, expired, not valid
  // yet; the internal one says exactly why) for anything else: bad syntax, a kid not in the ring,
  // another alg than that key's, another typ, a bad signature, another issuer or audience, expired,
  // or issued in the future (iat or nbf later than now + clock_skew()).
  [[nodiscard]] Result<AccessTokenClaims> Verify(std::string_view token, std::int64_t now) const;

 private:
  // The ring, and the encoded JWS header of each of its keys (same order).
  struct Signers {
    std::shared_ptr<const KeyRing> ring;
    std::vector<std::string> encoded_headers;
  };
  static std::shared_ptr<const Signers> MakeSigners(KeyRing keys);
  std::shared_ptr<const Signers> signers() const;
  Result<AccessTokenClaims> VerifyUncached(std::string_view token, std::int64_t now) const;

  std::string issuer_;
  std::int64_t clock_skew_;
  // Until when (a day after the first check) a token may carry either form of an ES256
  // signature: 0 before the first check.
  static constexpr std::int64_t kLegacySignatureSeconds = 86400;
  mutable std::atomic<std::int64_t> legacy_signatures_until_{0};
  mutable std::mutex signers_mu_;
  std::shared_ptr<const Signers> signers_;
  mutable std::mutex cache_mu_;
  mutable std::unordered_map<std::string, AccessTokenClaims> verified_;
};

}  // namespace obauth::oauth
