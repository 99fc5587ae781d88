// The grant types of the token endpoint (RFC 6749 §4, §6), one handler each behind one table:
// TokenService authenticates the client, finds its grant here, checks that the client's kind may
// use it and calls its handler. A new grant is a row in Grants() and a handler in its own file.
// Plain functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/metrics.hpp"
#include "oauth/access_token.hpp"
#include "oauth/token_request.hpp"
#include "store/client_store.hpp"

namespace obauth::oauth {

// What a grant handler may use.
struct GrantContext {
  const AccessTokens& tokens;
  const Clock& clock;
  std::int64_t token_ttl = 0;
  DomainMetrics* metrics = nullptr;
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

// RFC 6749 §4.4: a token for the client itself, with the requested scopes (all the client may
// have when none are requested). kInvalidScope for a scope it may not have; kInternal.
Result<IssuedToken> IssueClientCredentials(const GrantContext& context, const TokenRequest& request,
                                           const store::ClientCredentials& client);

// Signs an access token of `client` with `scope`, valid for the context's lifetime from now, and
// counts it. kInternal when signing fails.
Result<IssuedToken> MintAccessToken(const GrantContext& context,
                                    const store::ClientCredentials& client, std::string scope);

}  // namespace obauth::oauth
