// The token endpoint's requests and answers as plain structs: the HTTP edge fills them from a
// form or JSON body and HTTP Basic; oauth applies the RFC rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/secret.hpp"

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
  std::string source;      // the caller's address, for the brute-force limits (AuthFailureLimiter)
  std::string request_id;  // for the audit trail of the changes a request makes
  // The request carried a bearer token (Authorization: Bearer, or flinks-auth-key), which never
  // authenticates a client here: without credentials, the answer says what to send instead.
  bool bearer_token = false;
};

// A decoded token request.
struct TokenRequest : ClientAuthentication {
  std::optional<std::string> grant_type;
  std::optional<std::string> scope;
  // authorization_code (RFC 6749 §4.1.3, RFC 7636 §4.5).
  std::optional<Secret> code;
  std::optional<std::string> redirect_uri;
  std::optional<Secret> code_verifier;
  // refresh_token (RFC 6749 §6).
  std::optional<Secret> refresh_token;
};

struct IssuedToken {
  std::string client_id;  // who it was issued to (for the log)
  std::string access_token;
  std::int64_t expires_in = 0;
  std::string scope;
  std::optional<Secret> refresh_token;  // authorization_code only: shown once
};

}  // namespace obauth::oauth
