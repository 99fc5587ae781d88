// Principal: who calls with a verified, active access token, built once per request from the
// token and its client's record — never guessed from the scope string. Plain value.
#pragma once

#include <string>

#include "oauth/access_token.hpp"

namespace obauth::oauth {

enum class PrincipalKind {
  kPartner,    // a partner (tenant) with its client:admin token
  kRecipient,  // a Data Recipient with its own client_credentials token
};

struct Principal {
  PrincipalKind kind = PrincipalKind::kRecipient;
  std::string client_id;   // the token's client
  std::string partner_id;  // the tenant: a partner's own id, a recipient's owning partner
  AccessTokenClaims claims;

  bool IsPartner() const { return kind == PrincipalKind::kPartner; }
  // A connection's token: the recipient acting for a customer (claims.connection_id).
  bool IsConnection() const { return !claims.connection_id.empty(); }
};

}  // namespace obauth::oauth
