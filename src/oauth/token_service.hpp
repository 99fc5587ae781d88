// TokenService: the token endpoint's logic — client authentication, then the grant's handler
// (oauth/grants.hpp) — plus the checks that decide whether an
// issued token is still active (bearer checks, RFC 7662 introspection). Plain structs in and
// out; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/metrics.hpp"
#include "core/secret.hpp"
#include "crypto/client_secret.hpp"
#include "oauth/access_token.hpp"
#include "oauth/auth_failure_limiter.hpp"
#include "oauth/grants.hpp"
#include "oauth/principal.hpp"
#include "oauth/token_request.hpp"
#include "oauth/usage_tracker.hpp"
#include "store/client_store.hpp"

namespace obauth::oauth {

// RFC 7662 §2.2: `claims` is set only for an active token.
struct Introspection {
  std::optional<AccessTokenClaims> claims;
};

class TokenService {
 public:
  // `metrics`, when given, counts issued tokens, failed authentications and previous-secret use.
  TokenService(store::ClientStore& store, const crypto::SecretHasher& hasher,
               const AccessTokens& tokens, UsageTracker& usage, AuthFailureLimiter& limiter,
               const Clock& clock, std::int64_t token_ttl_seconds, DomainMetrics* metrics = nullptr,
               const CustomerGrants* customers = nullptr)
      : store_(store),
        hasher_(hasher),
        tokens_(tokens),
        usage_(usage),
        limiter_(limiter),
        clock_(clock),
        ttl_(token_ttl_seconds),
        metrics_(metrics),
        customers_(customers) {}

  // A signed token, or one of kInvalidRequest, kInvalidClient (same public message whatever
  // the cause, but for a request without credentials that carried a bearer token, which is told
  // what to send instead; the internal message says which), kTooManyAttempts (too many failed
  // authentications of this client from this source, or from this source; no secret was
  // checked), kUnsupportedGrantType (a grant type not in Grants(), or one not supported yet),
  // kUnauthorizedClient (the client's kind may not use the grant), the grant's own errors
  // (kInvalidScope...), kUnavailable, kInternal.
  [[nodiscard]] Result<IssuedToken> Issue(const TokenRequest& request) const;

  // Who calls with `token` when it is active: validly signed by this server, unexpired, and its
  // client neither retired, disabled, nor revoked since (token epoch). kInvalidToken otherwise, its
  // public message saying what was wrong (malformed, foreign, expired, revoked, client gone);
  // kConnectionRevoked for a token of a connection that was revoked since; kUnavailable/kInternal
  // when the store fails.
  [[nodiscard]] Result<Principal> Authorize(std::string_view token) const;

  // RFC 7662 introspection by a partner: inactive unless Validate() accepts the token and it
  // was issued to the partner or one of its recipients. kInvalidClient or kInvalidRequest for
  // the caller's authentication; kUnauthorizedClient when the caller is not a partner.
  [[nodiscard]] Result<Introspection> Introspect(const ClientAuthentication& caller,
                                                 std::string_view token) const;

  // RFC 7009 revocation by an authenticated client: revokes `token` when it is an active access
  // token of the caller or, for a partner, of one of its recipients, and the whole connection
  // when it is the refresh token of one of the caller's connections. Any other token (unknown,
  // malformed, expired, already revoked, someone else's) succeeds without a change.
  // kInvalidClient / kInvalidRequest / kTooManyAttempts for the caller's authentication;
  // kUnavailable.
  [[nodiscard]] Result<void> Revoke(const ClientAuthentication& caller,
                                    std::string_view token) const;
  // Flinks revokeConnection: the bearer `token` revokes itself, and a connection's token its
  // whole connection (refresh token and every access token). An unexpired token this server
  // signed succeeds (one already revoked, or of a retired client, without a change);
  // kInvalidToken for anything else (malformed, expired, another signer); kUnavailable.
  // `request_id` and `source` go to the audit trail.
  [[nodiscard]] Result<void> RevokeBearer(std::string_view token, std::string_view request_id = {},
                                          std::string_view source = {}) const;

  // The tokens' signer and verifier: its issuer feeds discovery.
  const AccessTokens& access_tokens() const { return tokens_; }
  // The public keys a verifier needs now (the JWKS): the key signing, keys that will sign, and
  // retired keys until the tokens they signed have expired (and the clock skew has passed).
  std::vector<crypto::SigningKey> PublishedKeys() const {
    return tokens_.keys()->PublishedAt(clock_.NowSeconds(), ttl_, tokens_.clock_skew());
  }

 private:
  Result<std::pair<AccessTokenClaims, store::ClientCredentials>> ValidateWithClient(
      std::string_view token) const;
  // Authenticate with the brute-force limits around CheckCredentials.
  Result<store::ClientCredentials> Authenticate(const ClientAuthentication& request) const;
  // Revokes the connection as its recipient `client` asked, recording it in the audit trail.
  Result<void> RevokeConnection(const store::ClientCredentials& client,
                                std::string_view connection_id, std::string_view request_id,
                                std::string_view source) const;
  Result<store::ClientCredentials> CheckCredentials(std::string_view client_id,
                                                    const Secret* secret, std::int64_t now) const;

  store::ClientStore& store_;
  const crypto::SecretHasher& hasher_;
  const AccessTokens& tokens_;
  UsageTracker& usage_;
  AuthFailureLimiter& limiter_;
  const Clock& clock_;
  const std::int64_t ttl_;
  DomainMetrics* const metrics_;
  const CustomerGrants* const customers_;  // nullptr: no customer's grants, no connections
};

}  // namespace obauth::oauth
