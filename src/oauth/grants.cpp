#include "oauth/grants.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "core/scopes.hpp"
#include "crypto/base64url.hpp"
#include "crypto/random.hpp"

namespace obauth::oauth {
namespace {

// authorization_code and refresh_token are the customer's grants (a recipient acting for a
// customer who consented); partners manage recipients and never act for a customer.
constexpr std::array kGrants = {
    Grant{"client_credentials", true, true, &IssueClientCredentials},
    Grant{"authorization_code", false, true, &IssueForCode},
    Grant{"refresh_token", false, true, &IssueForRefresh},
};

}  // namespace

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

std::span<const Grant> Grants() { return kGrants; }

Result<IssuedToken> IssueClientCredentials(const GrantContext& context, const TokenRequest& request,
                                           const store::ClientCredentials& client) {
  std::vector<std::string> allowed;
  if (client.kind == ClientKind::kPartner) {
    allowed.emplace_back(kAdminScope);
  } else {
    allowed = SplitScopes(client.scope);
  }
  OBAUTH_TRY(scope, GrantScopes(request.scope, allowed));
  return MintAccessToken(context, client, std::move(scope));
}

Result<IssuedToken> MintAccessToken(const GrantContext& context,
                                    const store::ClientCredentials& client, std::string scope,
                                    const store::Connection* connection) {
  OBAUTH_TRY(jti, crypto::RandomIdBytes(16));
  AccessTokenClaims claims;
  claims.issuer = context.tokens.issuer();
  claims.subject = client.client_id;
  claims.client_id = client.client_id;
  claims.scope = scope;
  claims.jwt_id = crypto::Base64UrlEncode(jti);
  claims.issued_at = context.clock.NowSeconds();
  claims.expires_at = claims.issued_at + context.token_ttl;
  claims.token_epoch = client.token_epoch;
  if (connection != nullptr) {
    claims.subject = connection->consent.subject;
    claims.provider_id = connection->consent.provider_id;
    claims.connection_id = connection->connection_id;
  }
  OBAUTH_TRY(token, context.tokens.Sign(claims));
  if (context.metrics != nullptr) context.metrics->TokenIssued(client.kind);
  return IssuedToken{client.client_id, std::move(token), context.token_ttl, std::move(scope),
                     std::nullopt};
}

}  // namespace obauth::oauth
