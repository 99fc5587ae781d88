#include "oauth/token_service.hpp"

#include <algorithm>

#include "core/scopes.hpp"
#include "crypto/base64url.hpp"
#include "crypto/random.hpp"

namespace obauth::oauth {
namespace {

Error InvalidRequest(std::string message) {
  return MakeError(ErrorCode::kInvalidRequest, std::move(message));
}

Error InvalidClient(std::string why) {
  return MakeError(ErrorCode::kInvalidClient, "Client authentication failed",
                   "client authentication failed: " + why);
}

// The scopes to grant: every requested one must be allowed; none requested means all allowed.
Result<std::string> GrantScopes(const std::optional<std::string>& requested,
                                const std::vector<std::string>& allowed) {
  if (!requested || SplitScopes(*requested).empty()) return JoinScopes(allowed);
  std::vector<std::string> granted;
  for (auto& scope : SplitScopes(*requested)) {
    if (std::find(allowed.begin(), allowed.end(), scope) == allowed.end()) {
      return MakeError(ErrorCode::kInvalidScope,
                       "The requested scope is invalid, unknown, or not allowed for this client");
    }
    if (std::find(granted.begin(), granted.end(), scope) == granted.end()) {
      granted.push_back(std::move(scope));
    }
  }
  return JoinScopes(granted);
}

}  // namespace

Result<store::ClientCredentials> TokenService::Authenticate(const TokenRequest& request) const {
  // RFC 6749 §2.3: a client must not use more than one authentication method per request.
  if (request.basic && (request.body_client_id || request.body_client_secret)) {
    return InvalidRequest("Use one client authentication method: HTTP Basic or body parameters");
  }
  std::string_view client_id;
  const Secret* secret = nullptr;
  if (request.basic) {
    client_id = request.basic->client_id;
    secret = &request.basic->client_secret;
  } else {
    if (!request.body_client_id) return InvalidClient("no client_id");
    client_id = *request.body_client_id;
    if (request.body_client_secret) secret = &*request.body_client_secret;
  }
  auto client = store_.FindClient(client_id);
  if (!client && client.error().code != ErrorCode::kNotFound) return client.error();
  // Hash the presented secret even for an unknown client, so the answer takes the same work.
  static const std::vector<std::string> kNoHashes = {std::string(32, '\0')};
  const bool matches =
      secret != nullptr &&
      hasher_.Matches(client_id, *secret, client ? client->secret_hashes : kNoHashes);
  if (!client) return InvalidClient("unknown client_id " + std::string(client_id));
  if (secret == nullptr) return InvalidClient("no client_secret for " + std::string(client_id));
  if (!matches) return InvalidClient("wrong secret for " + std::string(client_id));
  if (client->disabled) return InvalidClient("disabled client " + std::string(client_id));
  return std::move(*client);
}

Result<IssuedToken> TokenService::Issue(const TokenRequest& request) const {
  if (!request.grant_type || request.grant_type->empty()) {
    return InvalidRequest("Missing grant_type");
  }
  OBAUTH_TRY(client, Authenticate(request));
  const bool is_partner = client.kind == store::ClientKind::kPartner;
  const std::string& grant = *request.grant_type;
  if (grant == "authorization_code" || grant == "refresh_token") {
    // Partners manage recipients and never act for a user; recipients will get these grants
    // with the authorization-code flow.
    if (is_partner) {
      return MakeError(ErrorCode::kUnauthorizedClient,
                       "This client may only use the client_credentials grant");
    }
    return MakeError(ErrorCode::kUnsupportedGrantType,
                     "The grant type " + grant + " is not supported yet");
  }
  if (grant != "client_credentials") {
    return MakeError(ErrorCode::kUnsupportedGrantType, "Unsupported grant_type");
  }

  std::vector<std::string> allowed;
  if (is_partner) {
    allowed.emplace_back(kAdminScope);
  } else {
    allowed = SplitScopes(client.scope);
  }
  OBAUTH_TRY(scope, GrantScopes(request.scope, allowed));
  OBAUTH_TRY(jti, crypto::RandomBytes(16));

  AccessTokenClaims claims;
  claims.issuer = tokens_.issuer();
  claims.subject = client.client_id;
  claims.client_id = client.client_id;
  claims.scope = scope;
  claims.jwt_id = crypto::Base64UrlEncode(jti);
  claims.issued_at = clock_.NowSeconds();
  claims.expires_at = claims.issued_at + ttl_;
  OBAUTH_TRY(token, tokens_.Sign(claims));
  return IssuedToken{client.client_id, std::move(token), ttl_, std::move(scope)};
}

}  // namespace obauth::oauth
