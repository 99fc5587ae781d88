#include "oauth/token_service.hpp"

#include <algorithm>

#include "oauth/grant_tokens.hpp"

namespace obauth::oauth {
namespace {

// An access token that is no longer active: refused, revoked, or of a revoked connection.
bool IsInactive(const Error& e) {
  return e.code == ErrorCode::kInvalidToken || e.code == ErrorCode::kConnectionRevoked;
}

Error InvalidRequest(std::string message) {
  return MakeError(ErrorCode::kInvalidRequest, std::move(message));
}

Error InvalidClient(std::string why) {
  return MakeError(ErrorCode::kInvalidClient, "Client authentication failed",
                   "client authentication failed: " + why);
}

}  // namespace

Result<store::ClientCredentials> TokenService::Authenticate(
    const ClientAuthentication& request) const {
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
    if (!request.body_client_id) {
      if (metrics_ != nullptr) {
        metrics_->AuthenticationFailed(DomainMetrics::AuthFailure::kNoCredentials);
      }
      if (request.bearer_token) {
        // An integrator's usual slip at introspection: the partner's access token instead of
        // its credentials. Nothing about any client is revealed by saying so.
        return MakeError(ErrorCode::kInvalidClient,
                         "Client credentials are required (HTTP Basic, or client_id and "
                         "client_secret in the body); a bearer token does not authenticate a "
                         "client here",
                         "client authentication failed: a bearer token instead of credentials");
      }
      return InvalidClient("no client_id");
    }
    client_id = *request.body_client_id;
    if (request.body_client_secret) secret = &*request.body_client_secret;
  }
  const std::int64_t now = clock_.NowSeconds();
  const std::string_view source = request.source;
  if (const auto wait = limiter_.RetryAfter(client_id, source, now); wait > 0) {
    Error refused = MakeError(
        ErrorCode::kTooManyAttempts,
        "Too many failed client authentications; retry after " + std::to_string(wait) + " s",
        "refused without checking: too many failed authentications of " + std::string(client_id) +
            " or from " + std::string(source));
    refused.retry_after_seconds = wait;
    if (metrics_ != nullptr)
      metrics_->AuthenticationFailed(DomainMetrics::AuthFailure::kRateLimited);
    return refused;
  }
  auto checked = CheckCredentials(client_id, secret, now);
  if (checked) {
    limiter_.RecordSuccess(client_id, source);
    return checked;
  }
  Error error = checked.error();  // result::error() is a copy
  if (error.code == ErrorCode::kInvalidClient && limiter_.RecordFailure(client_id, source, now)) {
    error.internal += "; limit reached for this client or address: further attempts from " +
                      std::string(source) + " get 429";
  }
  return error;
}

Result<store::ClientCredentials> TokenService::CheckCredentials(std::string_view client_id,
                                                                const Secret* secret,
                                                                std::int64_t now) const {
  auto client = store_.FindClient(client_id);
  if (!client && client.error().code != ErrorCode::kNotFound) return client.error();

  // At most two candidates: the current secret and a previous one still in its grace period.
  // An unknown client is checked against two dummies, so every failure costs the same work.
  std::vector<const store::SecretRecord*> candidates;
  if (client) {
    for (const auto& record : client->secrets) {
      if ((!record.expires_at || *record.expires_at > now) && candidates.size() < 2) {
        candidates.push_back(&record);
      }
    }
  }
  static const std::string kDummy(32, '\0');
  std::vector<std::string_view> hashes;
  for (const auto* record : candidates) hashes.emplace_back(record->hash);
  while (hashes.size() < 2) hashes.emplace_back(kDummy);
  const int matched = secret ? hasher_.Match(client_id, *secret, hashes) : -1;
  const bool real_match = matched >= 0 && static_cast<std::size_t>(matched) < candidates.size();

  using Failure = DomainMetrics::AuthFailure;
  const auto fail = [&](Failure reason, std::string why) {
    if (metrics_ != nullptr) metrics_->AuthenticationFailed(reason);
    return InvalidClient(why + " " + std::string(client_id));
  };
  if (!client) return fail(Failure::kUnknownClient, "unknown client_id");
  if (secret == nullptr) return fail(Failure::kMissingSecret, "no client_secret for");
  // The secret was checked above whatever the outcome, so the order of these costs nothing.
  if (client->retired) return fail(Failure::kInactiveClient, "retired client");
  if (client->disabled) return fail(Failure::kInactiveClient, "disabled client");
  if (!real_match) return fail(Failure::kWrongSecret, "wrong secret for");
  const auto* used = candidates[static_cast<std::size_t>(matched)];
  const bool previous = used->expires_at.has_value();
  usage_.Record(used->id, client_id, previous, now);
  if (previous && metrics_ != nullptr) metrics_->PreviousSecretUsed();
  return std::move(*client);
}

Result<IssuedToken> TokenService::Issue(const TokenRequest& request) const {
  if (!request.grant_type || request.grant_type->empty()) {
    return InvalidRequest("Missing grant_type");
  }
  // The client is authenticated first, whatever the grant: an unknown grant type tells nothing
  // to a caller without credentials.
  OBAUTH_TRY(client, Authenticate(request));
  const auto grants = Grants();
  const auto grant = std::find_if(grants.begin(), grants.end(),
                                  [&](const Grant& g) { return g.type == *request.grant_type; });
  if (grant == grants.end()) {
    return MakeError(ErrorCode::kUnsupportedGrantType, "Unsupported grant_type");
  }
  const bool is_partner = client.kind == ClientKind::kPartner;
  if (!(is_partner ? grant->for_partners : grant->for_recipients)) {
    std::string allowed;
    for (const auto& g : grants) {
      if (!(is_partner ? g.for_partners : g.for_recipients) || g.issue == nullptr) continue;
      allowed += allowed.empty() ? "" : ", ";
      allowed += g.type;
    }
    return MakeError(ErrorCode::kUnauthorizedClient,
                     "This client may only use the " + allowed + " grant");
  }
  if (grant->issue == nullptr) {
    return MakeError(ErrorCode::kUnsupportedGrantType,
                     "The grant type " + *request.grant_type + " is not supported yet");
  }
  return grant->issue(GrantContext{tokens_, clock_, ttl_, metrics_, customers_}, request, client);
}

Result<Principal> TokenService::Authorize(std::string_view token) const {
  OBAUTH_TRY(active, ValidateWithClient(token));
  auto& [claims, client] = active;
  const bool partner = client.kind == ClientKind::kPartner;
  return Principal{partner ? PrincipalKind::kPartner : PrincipalKind::kRecipient, client.client_id,
                   partner ? client.client_id : client.partner_id, std::move(claims)};
}

Result<std::pair<AccessTokenClaims, store::ClientCredentials>> TokenService::ValidateWithClient(
    std::string_view token) const {
  OBAUTH_TRY(claims, tokens_.Verify(token, clock_.NowSeconds()));
  auto client = store_.FindClient(claims.client_id);
  if (!client) {
    if (client.error().code != ErrorCode::kNotFound) return client.error();
    return MakeError(ErrorCode::kInvalidToken, "the access token's client no longer exists",
                     "token of unknown client");
  }
  if (client->retired || client->disabled) {
    return MakeError(ErrorCode::kInvalidToken, "the access token's client is retired or disabled",
                     "token of retired or disabled client " + claims.client_id);
  }
  if (claims.token_epoch < client->token_epoch || client->revoked_tokens.Contains(claims.jwt_id)) {
    return MakeError(ErrorCode::kInvalidToken, "the access token was revoked",
                     "token of " + claims.client_id + " was revoked");
  }
  if (!claims.connection_id.empty() &&
      client->revoked_tokens.Contains(store::ConnectionTokenMarker(claims.connection_id))) {
    return MakeError(
        ErrorCode::kConnectionRevoked,
        "The customer's connection was revoked: ask the customer to connect again",
        "connection " + claims.connection_id + " of " + claims.client_id + " was revoked");
  }
  return std::pair{std::move(claims), std::move(*client)};
}

Result<void> TokenService::Revoke(const ClientAuthentication& caller,
                                  std::string_view token) const {
  OBAUTH_TRY(revoker, Authenticate(caller));
  auto active = ValidateWithClient(token);
  if (!active) {
    if (!IsInactive(active.error())) return active.error();
    // Not an active access token: perhaps the refresh token of one of the caller's connections.
    if (customers_ == nullptr || token.size() > AccessTokens::kMaxTokenLength) return {};
    const auto connection_id = GrantTokenId(token);
    if (connection_id.empty()) return {};
    auto connection = customers_->connections.FindConnectionByRefresh(
        connection_id, customers_->grant_hasher.Mac(token));
    if (!connection) {
      // RFC 7009 §2.2: an invalid, expired or already revoked token is no error.
      if (connection.error().code == ErrorCode::kNotFound) return {};
      return connection.error();
    }
    if (connection->consent.client_id != revoker.client_id || connection->revoked_at) return {};
    return RevokeConnection(revoker, connection->connection_id, caller.request_id, caller.source);
  }
  auto& [claims, client] = *active;
  // Only the client's own tokens, or a partner's recipients'; anyone else's are answered alike
  // and left alone, so the answer reveals nothing about them.
  if (claims.client_id != revoker.client_id && client.partner_id != revoker.client_id) return {};
  return store_.RevokeToken(claims.client_id, claims.jwt_id, claims.expires_at);
}

Result<void> TokenService::RevokeBearer(std::string_view token, std::string_view request_id,
                                        std::string_view source) const {
  OBAUTH_TRY(claims, tokens_.Verify(token, clock_.NowSeconds()));
  auto active = ValidateWithClient(token);
  if (!active) {
    // Revoked already (a retry) or its client retired: nothing left to end.
    if (IsInactive(active.error())) return {};
    return active.error();
  }
  if (!claims.connection_id.empty() && customers_ != nullptr) {
    return RevokeConnection(active->second, claims.connection_id, request_id, source);
  }
  return store_.RevokeToken(claims.client_id, claims.jwt_id, claims.expires_at);
}

Result<void> TokenService::RevokeConnection(const store::ClientCredentials& client,
                                            std::string_view connection_id,
                                            std::string_view request_id,
                                            std::string_view source) const {
  const std::int64_t now = clock_.NowSeconds();
  const store::AuditEvent audit{
      0,
      now,
      client.partner_id,
      client.client_id,
      "connection.revoked",
      client.client_id,
      std::string(request_id),
      std::string(source),
      R"({"connection_id":")" + std::string(connection_id) + R"(","by":"recipient"})"};
  auto revoked = customers_->connections.RevokeConnection(connection_id, now,
                                                          now + kConnectionMarkerSeconds, audit);
  if (!revoked && revoked.error().code != ErrorCode::kNotFound) return revoked.error();
  return {};
}

Result<Introspection> TokenService::Introspect(const ClientAuthentication& caller,
                                               std::string_view token) const {
  OBAUTH_TRY(partner, Authenticate(caller));
  if (partner.kind != ClientKind::kPartner) {
    return MakeError(ErrorCode::kUnauthorizedClient, "Only partners may introspect tokens");
  }
  auto active = ValidateWithClient(token);
  if (!active) {
    if (IsInactive(active.error())) return Introspection{};
    return active.error();
  }
  // A partner learns only about its own tokens and those of its recipients.
  auto& [claims, client] = *active;
  if (claims.client_id != partner.client_id && client.partner_id != partner.client_id) {
    return Introspection{};
  }
  return Introspection{std::move(claims)};
}

}  // namespace obauth::oauth
