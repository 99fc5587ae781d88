// The customer's grants: authorization_code (RFC 6749 §4.1.3, RFC 7636) and refresh_token
// (RFC 6749 §6), for a Data Recipient acting for a customer who consented (reference §5.1).
#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "core/scopes.hpp"
#include "crypto/base64url.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "oauth/grant_tokens.hpp"
#include "oauth/grants.hpp"

namespace obauth::oauth {
namespace {

Error InvalidGrant(std::string message, std::string internal) {
  return MakeError(ErrorCode::kInvalidGrant, std::move(message), std::move(internal));
}

Error Unsupported() {
  return MakeError(ErrorCode::kUnsupportedGrantType, "This grant type is not enabled");
}

// RFC 7636 §4.1: 43 to 128 characters of [A-Za-z0-9-._~].
bool IsVerifier(std::string_view v) {
  return v.size() >= 43 && v.size() <= 128 && std::all_of(v.begin(), v.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.' || c == '_' || c == '~';
         });
}

store::AuditEvent ConnectionEvent(const store::ClientCredentials& client,
                                  const TokenRequest& request, std::int64_t now, std::string action,
                                  const std::string& connection_id, std::int64_t provider_id,
                                  std::string_view reason) {
  boost::json::object options;
  options["connection_id"] = connection_id;
  options["provider_id"] = provider_id;
  if (!reason.empty()) options["reason"] = reason;
  return store::AuditEvent{0,
                           now,
                           client.partner_id,
                           client.client_id,
                           std::move(action),
                           client.client_id,
                           request.request_id,
                           request.source,
                           boost::json::serialize(options)};
}

}  // namespace

Result<IssuedToken> IssueForCode(const GrantContext& context, const TokenRequest& request,
                                 const store::ClientCredentials& client) {
  if (context.customers == nullptr) return Unsupported();
  const CustomerGrants& grants = *context.customers;
  if (!request.code) return MakeError(ErrorCode::kInvalidRequest, "Missing code");
  if (!request.redirect_uri) return MakeError(ErrorCode::kInvalidRequest, "Missing redirect_uri");
  constexpr char kBadCode[] = "The authorization code is invalid, expired or already used";
  const auto code_id = GrantTokenId(request.code->Expose());
  if (code_id.empty()) return InvalidGrant(kBadCode, "malformed code");
  const std::string hash = grants.grant_hasher.Mac(request.code->Expose());
  auto code = grants.connections.FindCode(code_id, hash);
  if (!code) {
    if (code.error().code != ErrorCode::kNotFound) return code.error();
    return InvalidGrant(kBadCode, "unknown code");
  }
  if (code->consent.client_id != client.client_id) {
    return InvalidGrant(kBadCode, "code of another client");
  }
  const std::int64_t now = context.clock.NowSeconds();
  if (!code->redeemed_at) {
    if (code->expires_at <= now) return InvalidGrant(kBadCode, "expired code");
    if (*request.redirect_uri != code->redirect_uri) {
      return InvalidGrant("redirect_uri is not the one of the authorization request",
                          "redirect_uri mismatch");
    }
    if (code->code_challenge) {
      if (!request.code_verifier || !IsVerifier(request.code_verifier->Expose()) ||
          !crypto::ConstantTimeEquals(
              crypto::Base64UrlEncode(crypto::Sha256(request.code_verifier->Expose())),
              *code->code_challenge)) {
        return InvalidGrant("code_verifier is missing or does not match the code_challenge",
                            "PKCE verification failed");
      }
    } else if (request.code_verifier) {
      // RFC 9700 §2.1.1: a verifier without a challenge is a downgrade attempt.
      return InvalidGrant(
          "code_verifier was sent but the authorization request had no "
          "code_challenge",
          "PKCE verifier without challenge");
    }
  }
  // Time-ordered: new connections go to the end of the index on connection_id instead of a
  // random page of it (one page fewer written per exchange in the WAL and at the checkpoint).
  OBAUTH_TRY(id, crypto::TimeOrderedId());
  store::Connection connection;
  connection.connection_id = "cn-" + id;
  OBAUTH_TRY(refresh, NewGrantToken(connection.connection_id));
  connection.consent = code->consent;
  connection.upstream = code->upstream;
  connection.created_at = now;
  connection.last_used_at = now;
  const auto created =
      ConnectionEvent(client, request, now, "connection.created", connection.connection_id,
                      connection.consent.provider_id, {});
  const auto reuse =
      ConnectionEvent(client, request, now, "connection.revoked", code->connection_id.value_or(""),
                      connection.consent.provider_id, "code_reuse");
  OBAUTH_TRY(redemption, grants.connections.RedeemCode(
                             code_id, hash, connection, grants.grant_hasher.Mac(refresh.Expose()),
                             now, now + kConnectionMarkerSeconds, created, reuse));
  if (!redemption.redeemed) {
    return InvalidGrant(kBadCode, "code used again: connection " +
                                      redemption.revoked_connection_id.value_or("(none live)") +
                                      " revoked");
  }
  OBAUTH_TRY(issued, MintAccessToken(context, client, connection.consent.scope, &connection));
  issued.refresh_token = std::move(refresh);
  return std::move(issued);
}

Result<IssuedToken> IssueForRefresh(const GrantContext& context, const TokenRequest& request,
                                    const store::ClientCredentials& client) {
  if (context.customers == nullptr) return Unsupported();
  const CustomerGrants& grants = *context.customers;
  if (!request.refresh_token) return MakeError(ErrorCode::kInvalidRequest, "Missing refresh_token");
  constexpr char kBad[] = "The refresh token is invalid, expired or revoked";
  const auto connection_id = GrantTokenId(request.refresh_token->Expose());
  if (connection_id.empty()) return InvalidGrant(kBad, "malformed refresh token");
  auto connection = grants.connections.FindConnectionByRefresh(
      connection_id, grants.grant_hasher.Mac(request.refresh_token->Expose()));
  if (!connection) {
    if (connection.error().code != ErrorCode::kNotFound) return connection.error();
    return InvalidGrant(kBad, "unknown refresh token");
  }
  if (connection->consent.client_id != client.client_id) {
    return InvalidGrant(kBad, "refresh token of another client");
  }
  if (connection->revoked_at) {
    return InvalidGrant(kBad, "refresh token of revoked connection " + connection->connection_id);
  }
  const std::int64_t now = context.clock.NowSeconds();
  const std::int64_t last_used = std::max(
      connection->last_used_at, grants.uses.Pending(connection->connection_id).value_or(0));
  if (now - last_used > grants.refresh_idle_seconds) {
    return InvalidGrant(kBad,
                        "refresh token idle too long, connection " + connection->connection_id);
  }
  OBAUTH_TRY(scope, GrantScopes(request.scope, SplitScopes(connection->consent.scope)));
  grants.uses.Record(connection->connection_id, now);
  return MintAccessToken(context, client, std::move(scope), &*connection);
}

}  // namespace obauth::oauth
