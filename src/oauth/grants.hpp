// The grant types of the token endpoint (RFC 6749 §4, §6), one handler each behind one table:
// TokenService authenticates the client, finds its grant here, checks that the client's kind may
// use it and calls its handler. A new grant is a row in Grants() and a handler in its own file.
// Plain functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/metrics.hpp"
#include "crypto/hash.hpp"
#include "oauth/access_token.hpp"
#include "oauth/connection_uses.hpp"
#include "oauth/token_request.hpp"
#include "store/client_store.hpp"
#include "store/connection_store.hpp"

namespace obauth::oauth {

// What the customer's grants (authorization_code, refresh_token) and connections' tokens need.
struct CustomerGrants {
  store::ConnectionStore& connections;
  crypto::HmacSha256Key grant_hasher;  // the stored hashes of codes and refresh tokens
  ConnectionUses& uses;                // refreshes, written in batches by the housekeeper
  std::int64_t refresh_idle_seconds = 30 * 86400;  // a refresh token unused this long is dead
};

// What a grant handler may use.
struct GrantContext {
  const AccessTokens& tokens;
  const Clock& clock;
  std::int64_t token_ttl = 0;
  DomainMetrics* metrics = nullptr;
  const CustomerGrants* customers = nullptr;  // nullptr: the customer's grants are unsupported
};

// Issues a token of the grant to the authenticated `client`; RFC 6749 errors as
// TokenService::Issue lists them.
using GrantHandler = Result<IssuedToken> (*)(const GrantContext& context,
                                             const TokenRequest& request,
                                             const store::ClientCredentials& client);

struct Grant {
  std::string_view type;  // the grant_type value
  bool for_partners = false;
  bool for_recipients = false;
  GrantHandler issue = nullptr;  // nullptr: known, not supported yet (unsupported_grant_type)
};

// Every grant type the token endpoint knows, supported ones first.
std::span<const Grant> Grants();

// The scopes to grant: every requested one must be in `allowed` (kInvalidScope otherwise); none
// requested means all of `allowed`.
Result<std::string> GrantScopes(const std::optional<std::string>& requested,
                                const std::vector<std::string>& allowed);

// RFC 6749 §4.4: a token for the client itself, with the requested scopes (all the client may
// have when none are requested). kInvalidScope for a scope it may not have; kInternal.
Result<IssuedToken> IssueClientCredentials(const GrantContext& context, const TokenRequest& request,
                                           const store::ClientCredentials& client);

// RFC 6749 §4.1.3 with RFC 7636 §4.6: exchanges a code of the client, once, for a new
// connection's access and refresh tokens. kInvalidRequest without code or redirect_uri;
// kInvalidGrant for a code that is unknown, expired, another client's, used before (which
// revokes the connection of its first exchange), or whose redirect_uri or PKCE verifier does not
// match; kUnavailable, kInternal.
Result<IssuedToken> IssueForCode(const GrantContext& context, const TokenRequest& request,
                                 const store::ClientCredentials& client);

// RFC 6749 §6: a new access token of the client's live connection whose refresh token this is
// (unused for less than the idle limit), with the consented scopes or fewer; the refresh token is
// not rotated. kInvalidGrant for any other refresh token, kInvalidScope for a scope beyond the
// consent.
Result<IssuedToken> IssueForRefresh(const GrantContext& context, const TokenRequest& request,
                                    const store::ClientCredentials& client);

// Signs an access token of `client` with `scope`, valid for the context's lifetime from now, and
// counts it; a connection's token when `connection` is given. kInternal when signing fails.
Result<IssuedToken> MintAccessToken(const GrantContext& context,
                                    const store::ClientCredentials& client, std::string scope,
                                    const store::Connection* connection = nullptr);

}  // namespace obauth::oauth
