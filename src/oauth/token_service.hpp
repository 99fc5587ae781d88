// TokenService: the token endpoint's logic (RFC 6749 §4.4 client_credentials): client
// authentication, scope granting and token issuance. Plain structs in and out; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/secret.hpp"
#include "crypto/client_secret.hpp"
#include "oauth/access_token.hpp"
#include "store/store.hpp"

namespace obauth::oauth {

struct ClientCredentialPair {
  std::string client_id;
  Secret client_secret;
};

// A decoded token request. The HTTP edge fills it; this layer applies the RFC rules.
struct TokenRequest {
  std::optional<std::string> grant_type;
  std::optional<std::string> scope;
  std::optional<ClientCredentialPair> basic;  // from Authorization: Basic (client_secret_basic)
  std::optional<std::string> body_client_id;  // client_secret_post
  std::optional<Secret> body_client_secret;
};

struct IssuedToken {
  std::string client_id;  // who it was issued to (for the log)
  std::string access_token;
  std::int64_t expires_in = 0;
  std::string scope;
};

class TokenService {
 public:
  TokenService(store::Store& store, const crypto::SecretHasher& hasher, const AccessTokens& tokens,
               const Clock& clock, std::int64_t token_ttl_seconds)
      : store_(store), hasher_(hasher), tokens_(tokens), clock_(clock), ttl_(token_ttl_seconds) {}

  // A signed token, or one of kInvalidRequest, kInvalidClient (same public message whatever
  // the cause; the internal message says which), kUnsupportedGrantType, kUnauthorizedClient,
  // kInvalidScope, kUnavailable, kInternal.
  [[nodiscard]] Result<IssuedToken> Issue(const TokenRequest& request) const;

 private:
  Result<store::ClientCredentials> Authenticate(const TokenRequest& request) const;

  store::Store& store_;
  const crypto::SecretHasher& hasher_;
  const AccessTokens& tokens_;
  const Clock& clock_;
  const std::int64_t ttl_;
};

}  // namespace obauth::oauth
