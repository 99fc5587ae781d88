// Boost.JSON is used here, outside http/, because the JWT claims set is a JSON document that
// this library owns: the token format is oauth's, not the HTTP edge's.
#include "oauth/access_token.hpp"

#include <boost/json.hpp>

#include "crypto/base64url.hpp"
#include "crypto/hash.hpp"

namespace obauth::oauth {
namespace json = boost::json;
namespace {

// What a refused token's holder is told (RFC 6750 error_description: no quote or backslash).
// Only a token that carries this server's signature is called expired or not yet valid.
constexpr char kMalformed[] = "the access token is malformed";
constexpr char kForeign[] = "the access token was not issued by this server";
constexpr char kExpired[] = "the access token expired; get a new one from POST /api/v1/token";
constexpr char kNotYetValid[] = "the access token is not valid yet";

Error Invalid(const char* hint, std::string why) {
  return MakeError(ErrorCode::kInvalidToken, hint, "token rejected: " + why);
}

std::optional<json::object> DecodeJsonObject(std::string_view encoded) {
  auto bytes = crypto::Base64UrlDecode(encoded);
  if (!bytes) return std::nullopt;
  json::parse_options options;
  options.max_depth = 4;
  boost::system::error_code ec;
  json::value value = json::parse(*bytes, ec, {}, options);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

const json::string* StringMember(const json::object& object, std::string_view name) {
  const json::value* v = object.if_contains(name);
  return v ? v->if_string() : nullptr;
}

std::optional<std::int64_t> IntMember(const json::object& object, std::string_view name) {
  const json::value* v = object.if_contains(name);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v->as_uint64());
  }
  return std::nullopt;
}

}  // namespace

AccessTokens::AccessTokens(KeyRing keys, std::string issuer, std::int64_t clock_skew)
    : issuer_(std::move(issuer)), clock_skew_(clock_skew), signers_(MakeSigners(std::move(keys))) {}

AccessTokens::AccessTokens(crypto::SigningKey key, std::string issuer, std::int64_t clock_skew)
    : AccessTokens(KeyRing({{std::move(key), 0}}), std::move(issuer), clock_skew) {}

std::shared_ptr<const AccessTokens::Signers> AccessTokens::MakeSigners(KeyRing keys) {
  auto signers = std::make_shared<Signers>();
  for (const auto& k : keys.keys()) {
    json::object header;
    header["alg"] = k.key.Algorithm();
    header["typ"] = "at+jwt";
    header["kid"] = k.key.KeyId();
    signers->encoded_headers.push_back(crypto::Base64UrlEncode(json::serialize(header)));
  }
  signers->ring = std::make_shared<const KeyRing>(std::move(keys));
  return signers;
}

std::shared_ptr<const AccessTokens::Signers> AccessTokens::signers() const {
  std::lock_guard lock(signers_mu_);
  return signers_;
}

std::shared_ptr<const KeyRing> AccessTokens::keys() const { return signers()->ring; }

void AccessTokens::UseKeys(KeyRing keys) {
  auto signers = MakeSigners(std::move(keys));
  std::lock_guard lock(signers_mu_);
  signers_ = std::move(signers);
}

Result<std::string> AccessTokens::Sign(const AccessTokenClaims& claims) const {
  const auto current = signers();
  const std::size_t index = current->ring->SigningIndexAt(claims.issued_at);
  const crypto::SigningKey& key = current->ring->keys()[index].key;
  json::object payload;
  payload["iss"] = claims.issuer;
  payload["aud"] = claims.issuer;
  payload["sub"] = claims.subject;
  payload["client_id"] = claims.client_id;
  payload["scope"] = claims.scope;
  payload["iat"] = claims.issued_at;
  payload["exp"] = claims.expires_at;
  payload["jti"] = claims.jwt_id;
  payload["gen"] = claims.token_epoch;
  if (!claims.connection_id.empty()) {
    payload["provider_id"] = claims.provider_id;
    payload["connection_id"] = claims.connection_id;
  }
  std::string token = current->encoded_headers[index];
  token.push_back('.');
  token += crypto::Base64UrlEncode(json::serialize(payload));
  OBAUTH_TRY(signature, key.Sign(token));
  token.push_back('.');
  token += crypto::Base64UrlEncode(signature);
  return token;
}

Result<AccessTokenClaims> AccessTokens::Verify(std::string_view token, std::int64_t now) const {
  if (token.empty() || token.size() > kMaxTokenLength) return Invalid(kMalformed, "bad length");
  const std::string digest = crypto::Sha256(token);
  {
    std::lock_guard lock(cache_mu_);
    if (auto it = verified_.find(digest); it != verified_.end()) {
      if (it->second.expires_at > now) return it->second;
      verified_.erase(it);
      return Invalid(kExpired, "expired");
    }
  }
  OBAUTH_TRY(claims, VerifyUncached(token, now));
  std::lock_guard lock(cache_mu_);
  if (verified_.size() >= kMaxCachedTokens) verified_.clear();
  verified_.emplace(digest, claims);
  return std::move(claims);
}

Result<AccessTokenClaims> AccessTokens::VerifyUncached(std::string_view token,
                                                       std::int64_t now) const {
  if (token.empty() || token.size() > kMaxTokenLength) return Invalid(kMalformed, "bad length");
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Invalid(kMalformed, "not a compact JWS");
  }
  const auto header = DecodeJsonObject(token.substr(0, first));
  if (!header) return Invalid(kMalformed, "header is not a JSON object");
  const auto* alg = StringMember(*header, "alg");
  const auto* typ = StringMember(*header, "typ");
  const auto* kid = StringMember(*header, "kid");
  const auto ring = keys();
  const crypto::SigningKey* key = kid ? ring->Find(*kid) : nullptr;
  if (key == nullptr) return Invalid(kForeign, "unknown kid");
  // RFC 8725 §3.1: accept only the algorithm of the key named.
  if (!alg || *alg != key->Algorithm()) return Invalid(kForeign, "unexpected alg");
  // RFC 9068 §4: typ must be at+jwt (the application/ prefix may be present).
  if (!typ || (*typ != "at+jwt" && *typ != "application/at+jwt"))
    return Invalid(kForeign, "unexpected typ");
  if (header->contains("crit")) return Invalid(kForeign, "crit header");
  const auto payload = DecodeJsonObject(token.substr(first + 1, second - first - 1));
  if (!payload) return Invalid(kMalformed, "payload is not a JSON object");
  // Both forms of an ES256 signature sign the same payload, so its iat may choose the form:
  // either for a token issued before this server had run a day (an earlier version, or another
  // instance not yet upgraded, made either), the canonical one only after.
  const auto iat = IntMember(*payload, "iat");
  std::int64_t until = legacy_signatures_until_.load(std::memory_order_relaxed);
  if (until == 0) {
    legacy_signatures_until_.compare_exchange_strong(until, now + kLegacySignatureSeconds);
    until = legacy_signatures_until_.load(std::memory_order_relaxed);
  }
  const auto form = iat && *iat < until ? crypto::SigningKey::Form::kEither
                                        : crypto::SigningKey::Form::kCanonical;
  const auto signature = crypto::Base64UrlDecode(token.substr(second + 1));
  if (!signature || !key->Verify(token.substr(0, second), *signature, form)) {
    return Invalid(kForeign, "bad signature");
  }

  AccessTokenClaims claims;
  const auto* iss = StringMember(*payload, "iss");
  const auto* aud = StringMember(*payload, "aud");
  const auto* sub = StringMember(*payload, "sub");
  const auto* client_id = StringMember(*payload, "client_id");
  const auto* scope = StringMember(*payload, "scope");
  const auto* jti = StringMember(*payload, "jti");
  const auto exp = IntMember(*payload, "exp");
  const auto gen = IntMember(*payload, "gen");
  if (!iss || !aud || !sub || !client_id || !scope || !jti || !iat || !exp || !gen) {
    return Invalid(kMalformed, "missing claim");
  }
  if (*iss != issuer_ || *aud != issuer_) return Invalid(kForeign, "another issuer or audience");
  if (*exp <= now) return Invalid(kExpired, "expired");
  if (*iat > now + clock_skew_) return Invalid(kNotYetValid, "issued in the future");
  if (const auto nbf = IntMember(*payload, "nbf"); nbf && *nbf > now + clock_skew_) {
    return Invalid(kNotYetValid, "not yet valid");
  }
  claims.issuer = *iss;
  claims.subject = *sub;
  claims.client_id = *client_id;
  claims.scope = *scope;
  claims.jwt_id = *jti;
  claims.issued_at = *iat;
  claims.expires_at = *exp;
  claims.token_epoch = *gen;
  if (const auto* connection = StringMember(*payload, "connection_id"); connection != nullptr) {
    const auto provider = IntMember(*payload, "provider_id");
    if (!provider) return Invalid(kMalformed, "connection token without provider_id");
    claims.connection_id = *connection;
    claims.provider_id = *provider;
  }
  return claims;
}

}  // namespace obauth::oauth
