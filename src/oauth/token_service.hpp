// TokenService: the token endpoint's logic (RFC 6749 §4.4 client_credentials) — client
// authentication, scope granting, token issuance — plus the checks that decide whether an
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
#include "oauth/usage_tracker.hpp"
#include "store/store.hpp"

namespace obauth::oauth {

struct ClientCredentialPair {
  std::string client_id;
  Secret client_secret;
};

// How a request authenticates its client: the HTTP edge fills it from Basic or the body.
struct ClientAuthentication {
  std::optional<ClientCredentialPair> basic;  // from Authorization: Basic (client_secret_basic)
  std::optional<std::string> body_client_id;  // client_secret_post
  std::optional<Secret> body_client_secret;
  std::string source;  // the caller's address, for the brute-force limits (AuthFailureLimiter)
};

// A decoded token request. The HTTP edge fills it; this layer applies the RFC rules.
struct TokenRequest : ClientAuthentication {
  std::optional<std::string> grant_type;
  std::optional<std::string> scope;
};

struct IssuedToken {
  std::string client_id;  // who it was issued to (for the log)
  std::string access_token;
  std::int64_t expires_in = 0;
  std::string scope;
};

// RFC 7662 §2.2: `claims` is set only for an active token.
struct Introspection {
  std::optional<AccessTokenClaims> claims;
};

class TokenService {
 public:
  // `metrics`, when given, counts issued tokens, failed authentications and previous-secret use.
  TokenService(store::Store& store, const crypto::SecretHasher& hasher, const AccessTokens& tokens,
               UsageTracker& usage, AuthFailureLimiter& limiter, const Clock& clock,
               std::int64_t token_ttl_seconds, DomainMetrics* metrics = nullptr)
      : store_(store),
        hasher_(hasher),
        tokens_(tokens),
        usage_(usage),
        limiter_(limiter),
        clock_(clock),
        ttl_(token_ttl_seconds),
        metrics_(metrics) {}

  // A signed token, or one of kInvalidRequest, kInvalidClient (same public message whatever
  // the cause; the internal message says which), kTooManyAttempts (too many failed
  // authentications of this client from this source, or from this source; no secret was
  // checked), kUnsupportedGrantType, kUnauthorizedClient, kInvalidScope, kUnavailable,
  // kInternal.
  [[nodiscard]] Result<IssuedToken> Issue(const TokenRequest& request) const;

  // The claims of an active token: validly signed by this server, unexpired, and its client
  // neither retired, disabled, nor revoked since (token epoch). kInvalidToken otherwise;
  // kUnavailable/kInternal when the store fails.
  [[nodiscard]] Result<AccessTokenClaims> Validate(std::string_view token) const;

  // RFC 7662 introspection by a partner: inactive unless Validate() accepts the token and it
  // was issued to the partner or one of its recipients. kInvalidClient or kInvalidRequest for
  // the caller's authentication; kUnauthorizedClient when the caller is not a partner.
  [[nodiscard]] Result<Introspection> Introspect(const ClientAuthentication& caller,
                                                 std::string_view token) const;

  // RFC 7009 revocation by an authenticated client: revokes `token` when it is an active access
  // token of the caller or, for a partner, of one of its recipients. Any other token (unknown,
  // malformed, expired, already revoked, someone else's) succeeds without a change. kInvalidClient
  // / kInvalidRequest / kTooManyAttempts for the caller's authentication; kUnavailable.
  [[nodiscard]] Result<void> Revoke(const ClientAuthentication& caller,
                                    std::string_view token) const;
  // Flinks revokeConnection: the bearer `token` revokes itself. An unexpired token this server
  // signed succeeds (one already revoked, or of a retired client, without a change);
  // kInvalidToken for anything else (malformed, expired, another signer); kUnavailable.
  [[nodiscard]] Result<void> RevokeBearer(std::string_view token) const;

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
  Result<store::ClientCredentials> CheckCredentials(std::string_view client_id,
                                                    const Secret* secret, std::int64_t now) const;

  store::Store& store_;
  const crypto::SecretHasher& hasher_;
  const AccessTokens& tokens_;
  UsageTracker& usage_;
  AuthFailureLimiter& limiter_;
  const Clock& clock_;
  const std::int64_t ttl_;
  DomainMetrics* const metrics_;
};

}  // namespace obauth::oauth
