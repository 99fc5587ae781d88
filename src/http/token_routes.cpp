// Token and discovery: POST /api/v1/token, POST /api/v1/introspect (RFC 7662), POST|DELETE
// /api/v1/revoke (RFC 7009, or Flinks' revokeConnection with a bearer token), and the published
// documents (RFC 8414 metadata, JWKS).
#include <boost/beast/http/field.hpp>
#include <map>
#include <optional>
#include <vector>

#include "http/form.hpp"
#include "http/handlers.hpp"
#include "http/json_codec.hpp"

namespace obauth::http {
namespace bh = boost::beast::http;
namespace {

// OAuth parameters read from a form or JSON body (an empty value reads as nullopt).
struct OAuthParams {
  oauth::ClientAuthentication client;
  bool used_basic = false;
  std::map<std::string, std::optional<std::string>, std::less<>> values;
  std::optional<std::string> Get(std::string_view name) const {
    auto it = values.find(name);
    return it == values.end() ? std::nullopt : it->second;
  }
};

bool SentAuthorization(const Request& req) {
  return req.find(bh::field::authorization) != req.end();
}

// A bearer token: Authorization: Bearer, or the flinks-auth-key header.
bool SentBearerToken(const Request& req) {
  return req.find("flinks-auth-key") != req.end() ||
         (SentAuthorization(req) && HasAuthScheme(req[bh::field::authorization], "Bearer"));
}

// Reads the OAuth parameters `names` from a form or JSON body and the client's credentials
// from HTTP Basic or the body, as the token, introspection and revocation endpoints share them.
Result<OAuthParams> ReadOAuthParams(const Request& req,
                                    const std::vector<std::string_view>& names) {
  OAuthParams out;
  out.client.bearer_token = SentBearerToken(req);
  std::vector<std::string_view> all = names;
  all.insert(all.end(), {"client_id", "client_secret"});
  if (auto it = req.find(bh::field::authorization);
      it != req.end() && HasAuthScheme(it->value(), "Basic")) {
    out.used_basic = true;
    auto credentials = ParseBasicAuth(it->value());
    if (!credentials) {
      return MakeError(ErrorCode::kInvalidClient, "Client authentication failed",
                       "malformed Basic credentials");
    }
    out.client.basic =
        oauth::ClientCredentialPair{credentials->user, Secret(std::move(credentials->password))};
  }
  const std::string media = MediaType(req);
  std::vector<std::pair<std::string, std::string>> pairs;
  if (media == "application/x-www-form-urlencoded") {
    auto form = ParseForm(req.body());
    if (!form) return MakeError(ErrorCode::kInvalidRequest, "Malformed form body");
    for (auto& pair : *form) {
      if (std::find(all.begin(), all.end(), pair.first) != all.end()) {
        pairs.push_back(std::move(pair));  // RFC 6749 §3.2: ignore unrecognized parameters
      }
    }
  } else if (media == "application/json") {
    OBAUTH_TRY(decoded, DecodeJsonParams(req.body(), all));
    pairs = std::move(decoded);
  } else {
    return MakeError(ErrorCode::kInvalidRequest,
                     "Content-Type must be application/x-www-form-urlencoded or application/json");
  }
  for (auto& [name, value] : pairs) {
    // RFC 6749 §3.2: parameters must not be repeated.
    if (out.values.contains(name) || (name == "client_id" && out.client.body_client_id) ||
        (name == "client_secret" && out.client.body_client_secret)) {
      return MakeError(ErrorCode::kInvalidRequest, "Parameter " + name + " is repeated");
    }
    if (value.empty()) {
      out.values.emplace(name, std::nullopt);  // RFC 6749 §3.1: an empty parameter is omitted
    } else if (name == "client_id") {
      out.client.body_client_id = std::move(value);
    } else if (name == "client_secret") {
      out.client.body_client_secret = Secret(std::move(value));
    } else {
      out.values.emplace(name, std::move(value));
    }
  }
  return out;
}

// The OAuth parameters `names` and the caller's credentials, with the caller's address for the
// brute-force limits; the error to answer when they cannot be read.
Result<OAuthParams> ReadClientRequest(const Call& call,
                                      const std::vector<std::string_view>& names) {
  auto params = ReadOAuthParams(call.request, names);
  if (params) {
    params->client.source = SourceAddress(call.context.peer);
    params->client.request_id = std::string(call.context.request_id);
  }
  return params;
}

// Reads the caller's credentials and `token` of an introspection or RFC 7009 revocation request
// and hands them to `answer(params, token)`; answers the error when either is missing or
// malformed.
template <class Answer>
Routed WithClientAndToken(const Call& call, Answer&& answer) {
  // token_type_hint is only a hint (RFC 7009 §2.1, RFC 7662 §2.1): access tokens are the only
  // kind.
  auto params = ReadClientRequest(call, {"token", "token_type_hint"});
  if (!params) return OAuthError(params.error(), SentAuthorization(call.request), call.route);
  const auto token = params->Get("token");
  if (!token) {
    return OAuthError(MakeError(ErrorCode::kInvalidRequest, "Missing token"), params->used_basic,
                      call.route);
  }
  return answer(*params, *token);
}

// A public document that caches may keep for 5 minutes (obauth keys rotate publishes a new key
// 10 minutes before it signs, by default).
Routed Published(std::string_view route, std::string body) {
  Routed r = Ok(route, std::move(body), {});
  r.response.set(bh::field::cache_control, "public, max-age=300");
  return r;
}

}  // namespace

Routed IssueToken(const Services& services, const Call& call) {
  auto params = ReadClientRequest(
      call, {"grant_type", "scope", "code", "redirect_uri", "code_verifier", "refresh_token"});
  if (!params) return OAuthError(params.error(), SentAuthorization(call.request), call.route);
  oauth::TokenRequest token_request;
  static_cast<oauth::ClientAuthentication&>(token_request) = std::move(params->client);
  token_request.grant_type = params->Get("grant_type");
  token_request.scope = params->Get("scope");
  token_request.redirect_uri = params->Get("redirect_uri");
  for (auto [name, field] : {std::pair{"code", &token_request.code},
                             std::pair{"code_verifier", &token_request.code_verifier},
                             std::pair{"refresh_token", &token_request.refresh_token}}) {
    if (auto value = params->Get(name)) *field = Secret(std::move(*value));
  }
  auto issued = services.tokens.Issue(token_request);
  if (!issued) return OAuthError(issued.error(), params->used_basic, call.route);
  Routed r = Ok(call.route, EncodeToken(*issued), "issued to " + issued->client_id);
  r.response.set(bh::field::pragma, "no-cache");
  return r;
}

Routed IntrospectToken(const Services& services, const Call& call) {
  // RFC 7662 §2.1 leaves it to the server how callers authorize: obauth takes the partner's
  // client credentials only. A bearer token without them gets that answer, whatever else the
  // request lacks (token=, a readable body), through the service so that the failure is counted.
  if (SentBearerToken(call.request)) {
    auto params = ReadClientRequest(call, {"token", "token_type_hint"});
    if (!params || (!params->used_basic && !params->client.body_client_id)) {
      oauth::ClientAuthentication none;
      none.source = SourceAddress(call.context.peer);
      none.bearer_token = true;
      auto refused = services.tokens.Introspect(none, {});
      if (!refused) return OAuthError(refused.error(), false, call.route);
    }
  }
  return WithClientAndToken(call, [&](const OAuthParams& params, const std::string& token) {
    auto result = services.tokens.Introspect(params.client, token);
    if (!result) return OAuthError(result.error(), params.used_basic, call.route);
    return Ok(call.route, EncodeIntrospection(*result), result->claims ? "active" : "inactive");
  });
}

Routed RevokeToken(const Services& services, const Call& call) {
  const Request& req = call.request;
  // A bearer token is Flinks' revokeConnection: the token revokes itself, 204. Otherwise
  // RFC 7009: an authenticated client names the token in the body, 200.
  if (SentBearerToken(req)) {
    auto token = BearerToken(req);
    if (!token) return OAuthError(token.error(), false, call.route);
    if (auto revoked = services.tokens.RevokeBearer(*token, call.context.request_id,
                                                    SourceAddress(call.context.peer));
        !revoked) {
      return OAuthError(revoked.error(), false, call.route);
    }
    return NoContent(call.route, "connection revoked");
  }
  // DELETE without a bearer token, or a POST with nothing at all: say both ways the path takes.
  if (req.method() == bh::verb::delete_ || (!SentAuthorization(req) && req.body().empty())) {
    return OAuthError(MakeError(ErrorCode::kInvalidRequest,
                                "Send the token to revoke as a bearer token (Authorization: "
                                "Bearer, or flinks-auth-key), or POST it as token= with the "
                                "client's credentials (HTTP Basic, or client_id and client_secret)",
                                "revocation without a bearer token or client credentials"),
                      false, call.route);
  }
  return WithClientAndToken(call, [&](const OAuthParams& params, const std::string& token) {
    if (auto revoked = services.tokens.Revoke(params.client, token); !revoked) {
      return OAuthError(revoked.error(), params.used_basic, call.route);
    }
    Response res{bh::status::ok, 11};
    res.set(bh::field::cache_control, "no-store");
    return Routed{std::move(res), call.route, "revocation"};
  });
}

Routed ServerMetadata(const Services& services, const Call& call) {
  return Published(call.route, EncodeServerMetadata(services.tokens.access_tokens().issuer()));
}

Routed Jwks(const Services& services, const Call& call) {
  return Published(call.route, EncodeJwks(services.tokens.PublishedKeys()));
}

}  // namespace obauth::http
