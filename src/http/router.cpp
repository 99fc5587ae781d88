#include "http/router.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <cctype>
#include <exception>

#include "core/scopes.hpp"
#include "http/form.hpp"
#include "http/json_codec.hpp"
#include "http/openapi_document.hpp"

namespace obauth::http {
namespace bh = boost::beast::http;
namespace {

constexpr std::string_view kRecipientsPath = "/api/v1/recipients";
constexpr std::string_view kRevokePath = "/api/v1/revoke";
constexpr std::string_view kMetadataPath = "/.well-known/oauth-authorization-server";
constexpr std::string_view kJwksPath = "/.well-known/jwks.json";
constexpr std::string_view kOpenApiPath = "/openapi.yaml";
constexpr std::string_view kMetricsPath = "/metrics";

struct Mapping {
  bh::status status;
  std::string_view oauth_error;  // RFC 6749 §5.2 / RFC 6750 §3.1 code
};

// The one mapping from error codes to HTTP. No default: a new code fails the build here.
Mapping Map(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidRequest:
      return {bh::status::bad_request, "invalid_request"};
    case ErrorCode::kInvalidClient:
      return {bh::status::bad_request, "invalid_client"};  // 401 with Basic, see OAuthError
    case ErrorCode::kInvalidGrant:
      return {bh::status::bad_request, "invalid_grant"};
    case ErrorCode::kUnauthorizedClient:
      return {bh::status::bad_request, "unauthorized_client"};
    case ErrorCode::kUnsupportedGrantType:
      return {bh::status::bad_request, "unsupported_grant_type"};
    case ErrorCode::kInvalidScope:
      return {bh::status::bad_request, "invalid_scope"};
    case ErrorCode::kInvalidToken:
      return {bh::status::unauthorized, "invalid_token"};
    case ErrorCode::kInsufficientScope:
      return {bh::status::forbidden, "insufficient_scope"};
    case ErrorCode::kValidation:
      return {bh::status::bad_request, "invalid_request"};
    case ErrorCode::kNotFound:
      return {bh::status::not_found, "invalid_request"};
    case ErrorCode::kConflict:
      return {bh::status::conflict, "invalid_request"};
    case ErrorCode::kUnsupportedMediaType:
      return {bh::status::unsupported_media_type, "invalid_request"};
    case ErrorCode::kKeyInUse:
      return {bh::status::conflict, "invalid_request"};
    case ErrorCode::kKeyReused:
      return {bh::status::unprocessable_entity, "invalid_request"};
    case ErrorCode::kTooManyAttempts:
      return {bh::status::too_many_requests, "temporarily_unavailable"};
    case ErrorCode::kUnavailable:
      return {bh::status::service_unavailable, "temporarily_unavailable"};
    case ErrorCode::kWouldBlock:  // retried on a worker, never sent
      return {bh::status::service_unavailable, "temporarily_unavailable"};
    case ErrorCode::kInternal:
      return {bh::status::internal_server_error, "server_error"};
  }
  return {bh::status::internal_server_error, "server_error"};
}

std::string_view PublicMessage(const Error& e) {
  switch (e.code) {
    case ErrorCode::kInternal:
      return "Internal Server Error";
    case ErrorCode::kUnavailable:
    case ErrorCode::kWouldBlock:
      return "Service Unavailable";
    default:
      return e.public_message;
  }
}

Response JsonResponse(bh::status status, std::string body) {
  Response res{status, 11};
  res.set(bh::field::content_type, "application/json");
  res.set(bh::field::cache_control, "no-store");
  res.body() = std::move(body);
  return res;
}

// RFC 6750 §3: the challenge that answers a refused bearer token.
constexpr char kInvalidTokenChallenge[] = R"(Bearer realm="obauth", error="invalid_token")";

Routed AdminError(const Error& e, std::string_view route) {
  Response res = JsonResponse(Map(e.code).status, EncodeMessage(PublicMessage(e)));
  // RFC 6750 §3: a protected resource names the scheme and the problem.
  if (e.code == ErrorCode::kInvalidToken) {
    res.set(bh::field::www_authenticate, kInvalidTokenChallenge);
  } else if (e.code == ErrorCode::kInsufficientScope) {
    res.set(bh::field::www_authenticate,
            R"(Bearer realm="obauth", error="insufficient_scope", scope="client:admin")");
  }
  return {std::move(res), route, e.internal, e.code == ErrorCode::kWouldBlock};
}

Routed OAuthError(const Error& e, bool used_basic, std::string_view route) {
  const Mapping m = Map(e.code);
  Response res = JsonResponse(m.status, EncodeOAuthError(m.oauth_error, PublicMessage(e)));
  res.set(bh::field::pragma, "no-cache");
  if (e.code == ErrorCode::kInvalidToken) {  // a bearer token was refused: RFC 6750 §3
    res.set(bh::field::www_authenticate, kInvalidTokenChallenge);
  }
  // RFC 6749 §5.2: a client that tried Basic gets 401 and a challenge; otherwise the 400 that
  // Flinks documents.
  if (e.code == ErrorCode::kInvalidClient && used_basic) {
    res.result(bh::status::unauthorized);
    res.set(bh::field::www_authenticate, R"(Basic realm="obauth")");
  }
  if (e.retry_after_seconds > 0) {
    res.set(bh::field::retry_after, std::to_string(e.retry_after_seconds));
  }
  return {std::move(res), route, e.internal, e.code == ErrorCode::kWouldBlock};
}

Routed Plain(bh::status status, std::string_view message, std::string_view route) {
  return {JsonResponse(status, EncodeMessage(message)), route, {}};
}

Routed MethodNotAllowed(std::string_view allow, std::string_view route) {
  Routed r = Plain(bh::status::method_not_allowed, "Method Not Allowed", route);
  r.response.set(bh::field::allow, allow);
  return r;
}

// The address part of a peer "ADDRESS:PORT".
std::string SourceAddress(std::string_view peer) {
  return std::string(peer.substr(0, peer.rfind(':')));
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The media type of the body, lowercased, without parameters.
std::string MediaType(const Request& req) {
  std::string_view value = req[bh::field::content_type];
  value = Trim(value.substr(0, value.find(';')));
  std::string out(value);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The bearer token from Authorization (RFC 6750 §2.1) or from flinks-auth-key, which the
// Flinks API description names (with or without the "Bearer " prefix).
Result<std::string_view> BearerToken(const Request& req) {
  auto invalid = [](std::string why) {
    return MakeError(ErrorCode::kInvalidToken, "Invalid Bearer Token", std::move(why));
  };
  std::optional<std::string_view> from_authorization;
  std::optional<std::string_view> from_key;
  if (auto it = req.find(bh::field::authorization); it != req.end()) {
    if (!HasAuthScheme(it->value(), "Bearer")) return invalid("Authorization is not Bearer");
    from_authorization = Trim(it->value().substr(7));
  }
  if (auto it = req.find("flinks-auth-key"); it != req.end()) {
    std::string_view v = it->value();
    from_key = Trim(HasAuthScheme(v, "Bearer") ? v.substr(7) : v);
  }
  if (from_authorization && from_key && *from_authorization != *from_key) {
    return invalid("Authorization and flinks-auth-key carry different tokens");
  }
  if (from_authorization) return *from_authorization;
  if (from_key) return *from_key;
  return invalid("no bearer token");
}

struct AuditQuery {
  std::optional<std::string> client_id;
  std::optional<std::int64_t> after;
  int limit = 50;
};

// The filters of GET /api/v2/providers from the query string of `target`: country (CA, US,
// CA,US) and isEnabledForClient (true/false in any case; blank: no filter). kValidation for
// anything else.
Result<admin::ProviderFilter> ParseProviderFilter(std::string_view target) {
  admin::ProviderFilter filter;
  const auto question = target.find('?');
  if (question == std::string_view::npos) return filter;
  auto pairs = ParseForm(target.substr(question + 1));
  if (!pairs) return MakeError(ErrorCode::kValidation, "Malformed query string");
  bool seen_country = false;
  bool seen_enabled = false;
  for (const auto& [name, value] : *pairs) {
    if (name == "country") {
      if (seen_country) return MakeError(ErrorCode::kValidation, "country is repeated");
      seen_country = true;
      if (value.empty()) continue;
      std::string_view rest = value;
      while (true) {
        const auto comma = rest.find(',');
        const std::string_view code = rest.substr(0, comma);
        if (code != "CA" && code != "US") {
          return MakeError(ErrorCode::kValidation, "Invalid country: use CA, US or CA,US");
        }
        if (std::find(filter.countries.begin(), filter.countries.end(), code) ==
            filter.countries.end()) {
          filter.countries.emplace_back(code);
        }
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    } else if (name == "isEnabledForClient") {
      if (seen_enabled) return MakeError(ErrorCode::kValidation, "isEnabledForClient is repeated");
      seen_enabled = true;
      std::string lower;
      for (char c : value)
        lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
      if (lower == "true") {
        filter.enabled = true;
      } else if (lower == "false") {
        filter.enabled = false;
      } else if (!lower.empty()) {
        return MakeError(ErrorCode::kValidation, "Invalid isEnabledForClient: use true or false");
      }
    } else {
      return MakeError(ErrorCode::kValidation, "Unknown query parameter " + name);
    }
  }
  return filter;
}

// ?client_id=&limit=&after= of GET /api/v1/audit; unknown parameters are ignored.
Result<AuditQuery> ParseAuditQuery(std::string_view target) {
  AuditQuery q;
  const std::size_t mark = target.find('?');
  if (mark == std::string_view::npos) return q;
  auto params = ParseForm(target.substr(mark + 1));
  if (!params) return MakeError(ErrorCode::kValidation, "Malformed query string");
  auto number = [](const std::string& text, std::int64_t max) -> std::optional<std::int64_t> {
    if (text.empty() || text.size() > 18) return std::nullopt;
    std::int64_t v = 0;
    for (char c : text) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    if (v < 1 || v > max) return std::nullopt;
    return v;
  };
  for (const auto& [name, value] : *params) {
    if (name == "client_id" && !value.empty()) {
      q.client_id = value;
    } else if (name == "limit") {
      auto v = number(value, 200);
      if (!v)
        return MakeError(ErrorCode::kValidation,
                         "Invalid parameter 'limit': must be from 1 to 200");
      q.limit = static_cast<int>(*v);
    } else if (name == "after") {
      auto v = number(value, INT64_MAX / 10);
      if (!v) {
        return MakeError(ErrorCode::kValidation,
                         "Invalid parameter 'after': must be the 'next' value of a previous page");
      }
      q.after = v;
    }
  }
  return q;
}

}  // namespace

void SetCommonHeaders(Response& response, std::string_view request_id) {
  response.set("X-Request-Id", request_id);
  response.set(bh::field::server, "obauth");
  response.set("X-Content-Type-Options", "nosniff");
}

Routed Router::Handle(const Request& request, const RequestContext& context) const {
  try {
    return Dispatch(request, context);
  } catch (const std::exception& e) {
    Routed r = Plain(bh::status::internal_server_error, "Internal Server Error", "unknown");
    r.note = std::string("unhandled exception: ") + e.what();
    return r;
  } catch (...) {
    Routed r = Plain(bh::status::internal_server_error, "Internal Server Error", "unknown");
    r.note = "unhandled exception";
    return r;
  }
}

bool Router::WorthTryingInline(const Request& req) {
  const std::string_view target = req.target();
  const std::string_view path = target.substr(0, target.find('?'));
  if (req.method() == bh::verb::post) {
    return path == "/api/v1/token" || path == "/api/v1/introspect";
  }
  if (req.method() == bh::verb::get && (path == kMetadataPath || path == kJwksPath ||
                                        path == kOpenApiPath || path == kMetricsPath)) {
    return true;
  }
  // GET /api/v1/recipients/{client_id}: read-only, answered from the caches when warm.
  if (req.method() != bh::verb::get || !path.starts_with(kRecipientsPath) ||
      path.size() <= kRecipientsPath.size() + 1 || path[kRecipientsPath.size()] != '/') {
    return false;
  }
  return path.find('/', kRecipientsPath.size() + 1) == std::string_view::npos;
}

Routed Router::Dispatch(const Request& req, const RequestContext& context) const {
  const std::string_view target = req.target();
  const std::string_view path = target.substr(0, target.find('?'));
  const auto method = req.method();

  if (path == "/api/v1/token") {
    if (method != bh::verb::post) return MethodNotAllowed("POST", "/api/v1/token");
    return Token(req, context);
  }
  if (path == "/api/v1/introspect") {
    if (method != bh::verb::post) return MethodNotAllowed("POST", "/api/v1/introspect");
    return Introspect(req, context);
  }
  if (path == kRevokePath) {
    if (method != bh::verb::post && method != bh::verb::delete_) {
      return MethodNotAllowed("POST, DELETE", kRevokePath);
    }
    return Revoke(req, context);
  }
  if (path == kMetricsPath && services_.metrics != nullptr) {
    if (method != bh::verb::get) return MethodNotAllowed("GET", kMetricsPath);
    Response res{bh::status::ok, 11};
    res.set(bh::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    res.set(bh::field::cache_control, "no-store");
    res.body() = services_.metrics->Render();
    return {std::move(res), kMetricsPath, {}};
  }
  if (path == kOpenApiPath) {
    if (method != bh::verb::get) return MethodNotAllowed("GET", kOpenApiPath);
    Response res{bh::status::ok, 11};
    res.set(bh::field::content_type, "application/yaml");  // RFC 9512
    res.set(bh::field::cache_control, "public, max-age=300");
    res.body() = std::string(OpenApiDocument());
    return {std::move(res), kOpenApiPath, {}};
  }
  if (path == kMetadataPath || path == kJwksPath) {
    const std::string_view route = path == kMetadataPath ? kMetadataPath : kJwksPath;
    if (method != bh::verb::get) return MethodNotAllowed("GET", route);
    return Published(route);
  }
  if (path == "/healthz") {
    if (method != bh::verb::get) return MethodNotAllowed("GET", "/healthz");
    return {JsonResponse(bh::status::ok, R"({"status":"ok"})"), "/healthz", {}};
  }
  if (path == "/readyz") {
    if (method != bh::verb::get) return MethodNotAllowed("GET", "/readyz");
    return Ready();
  }
  if (path == "/api/v1/audit") {
    if (method != bh::verb::get) return MethodNotAllowed("GET", "/api/v1/audit");
    return Admin(req, context, AdminOp::kAudit, "/api/v1/audit", {});
  }
  if (path == "/api/v1/providers" || path == "/api/v2/providers") {
    if (method != bh::verb::get) return MethodNotAllowed("GET", path);
    return Providers(req, path == "/api/v1/providers" ? "/api/v1/providers" : "/api/v2/providers",
                     path == "/api/v2/providers");
  }
  if (constexpr std::string_view kProviderPrefix = "/api/v1/providers/";
      path.starts_with(kProviderPrefix)) {
    constexpr std::string_view kRoute = "/api/v1/providers/{provider_id}";
    const std::string_view id = path.substr(kProviderPrefix.size());
    if (id.empty() || id.find('/') != std::string_view::npos) {
      return Plain(bh::status::not_found, "Not Found", "unknown");
    }
    if (method != bh::verb::get) return MethodNotAllowed("GET", kRoute);
    return Admin(req, context, AdminOp::kProvider, kRoute, id);
  }
  if (constexpr std::string_view kRequests = "/api/v1/recipients/providers/requests";
      path == kRequests) {
    if (method != bh::verb::get) return MethodNotAllowed("GET", kRequests);
    return Admin(req, context, AdminOp::kRegistrations, kRequests, {});
  } else if (path.starts_with(std::string(kRequests) + "/")) {
    constexpr std::string_view kRoute =
        "/api/v1/recipients/providers/requests/{recipient_ids}/{provider_ids}";
    const std::string_view ids = path.substr(kRequests.size() + 1);
    const auto slash = ids.find('/');
    if (slash == std::string_view::npos || ids.find('/', slash + 1) != std::string_view::npos) {
      return Plain(bh::status::not_found, "Not Found", "unknown");
    }
    if (method != bh::verb::post) return MethodNotAllowed("POST", kRoute);
    return Admin(req, context, AdminOp::kRequestRegistrations, kRoute, ids.substr(0, slash),
                 ids.substr(slash + 1));
  }
  if (path == kRecipientsPath) {
    if (method == bh::verb::get) return Admin(req, context, AdminOp::kList, kRecipientsPath, {});
    if (method == bh::verb::post) {
      return Admin(req, context, AdminOp::kCreate, kRecipientsPath, {});
    }
    return MethodNotAllowed("GET, POST", kRecipientsPath);
  }
  if (!path.starts_with(kRecipientsPath) || path[kRecipientsPath.size()] != '/') {
    return Plain(bh::status::not_found, "Not Found", "unknown");
  }
  const std::string_view tail = path.substr(kRecipientsPath.size() + 1);
  const std::string_view client_id = tail.substr(0, tail.find('/'));
  const std::string_view rest = tail.substr(client_id.size());
  if (client_id.empty()) return Plain(bh::status::not_found, "Not Found", "unknown");
  if (rest.empty()) {
    constexpr std::string_view kRoute = "/api/v1/recipients/{client_id}";
    if (method == bh::verb::get) return Admin(req, context, AdminOp::kGet, kRoute, client_id);
    if (method == bh::verb::put) return Admin(req, context, AdminOp::kUpdate, kRoute, client_id);
    if (method == bh::verb::delete_) {
      return Admin(req, context, AdminOp::kRetire, kRoute, client_id);
    }
    return MethodNotAllowed("GET, PUT, DELETE", kRoute);
  }
  if (rest == "/secret") {
    constexpr std::string_view kRoute = "/api/v1/recipients/{client_id}/secret";
    if (method != bh::verb::post) return MethodNotAllowed("POST", kRoute);
    return Admin(req, context, AdminOp::kRotate, kRoute, client_id);
  }
  if (rest == "/providers/requests") {
    constexpr std::string_view kRoute = "/api/v1/recipients/{client_id}/providers/requests";
    if (method != bh::verb::get) return MethodNotAllowed("GET", kRoute);
    return Admin(req, context, AdminOp::kRecipientRegistrations, kRoute, client_id);
  }
  if (rest == "/secret/previous") {
    constexpr std::string_view kRoute = "/api/v1/recipients/{client_id}/secret/previous";
    if (method != bh::verb::delete_) return MethodNotAllowed("DELETE", kRoute);
    return Admin(req, context, AdminOp::kRevokePrevious, kRoute, client_id);
  }
  return Plain(bh::status::not_found, "Not Found", "unknown");
}

// Reads the OAuth parameters `names` from a form or JSON body and the client's credentials
// from HTTP Basic or the body, as the token and introspection endpoints share them.
Result<OAuthParams> Router::ReadOAuthParams(const Request& req,
                                            const std::vector<std::string_view>& names) const {
  OAuthParams out;
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

Routed Router::Token(const Request& req, const RequestContext& context) const {
  constexpr std::string_view kRoute = "/api/v1/token";
  auto params = ReadOAuthParams(req, {"grant_type", "scope"});
  if (!params) {
    return OAuthError(params.error(), req.find(bh::field::authorization) != req.end(), kRoute);
  }
  params->client.source = SourceAddress(context.peer);
  oauth::TokenRequest token_request;
  static_cast<oauth::ClientAuthentication&>(token_request) = std::move(params->client);
  token_request.grant_type = params->Get("grant_type");
  token_request.scope = params->Get("scope");
  auto issued = services_.tokens.Issue(token_request);
  if (!issued) return OAuthError(issued.error(), params->used_basic, kRoute);
  Response res = JsonResponse(bh::status::ok, EncodeToken(*issued));
  res.set(bh::field::pragma, "no-cache");
  return {std::move(res), kRoute, "issued to " + issued->client_id};
}

Routed Router::Published(std::string_view path) const {
  const auto& tokens = services_.tokens.access_tokens();
  const bool metadata = path == kMetadataPath;
  Response res =
      JsonResponse(bh::status::ok, metadata ? EncodeServerMetadata(tokens.issuer())
                                            : EncodeJwks(services_.tokens.PublishedKeys()));
  // Public documents: caches may keep them for 5 minutes (obauth keys rotate publishes a new
  // key 10 minutes before it signs, by default).
  res.set(bh::field::cache_control, "public, max-age=300");
  return {std::move(res), metadata ? kMetadataPath : kJwksPath, {}};
}

Routed Router::Ready() const {
  // Any read that must reach the database: the signing keys setting is always there.
  // Never tried inline (WorthTryingInline), so this read reaches the database.
  auto probe = services_.settings.GetSetting("signing_keys");
  if (!probe) {
    Routed r = Plain(bh::status::service_unavailable, "Database unavailable", "/readyz");
    r.note = probe.error().internal;
    return r;
  }
  return {JsonResponse(bh::status::ok, R"({"status":"ready"})"), "/readyz", {}};
}

template <class Answer>
Routed Router::WithClientAndToken(const Request& req, const RequestContext& context,
                                  std::string_view route, Answer&& answer) const {
  // token_type_hint is only a hint (RFC 7009 §2.1, RFC 7662 §2.1): access tokens are the only
  // kind.
  auto params = ReadOAuthParams(req, {"token", "token_type_hint"});
  if (!params) {
    return OAuthError(params.error(), req.find(bh::field::authorization) != req.end(), route);
  }
  params->client.source = SourceAddress(context.peer);
  const auto token = params->Get("token");
  if (!token) {
    return OAuthError(MakeError(ErrorCode::kInvalidRequest, "Missing token"), params->used_basic,
                      route);
  }
  return answer(*params, *token);
}

Routed Router::Introspect(const Request& req, const RequestContext& context) const {
  constexpr std::string_view kRoute = "/api/v1/introspect";
  return WithClientAndToken(req, context, kRoute,
                            [&](const OAuthParams& params, const std::string& token) -> Routed {
                              auto result = services_.tokens.Introspect(params.client, token);
                              if (!result)
                                return OAuthError(result.error(), params.used_basic, kRoute);
                              return {JsonResponse(bh::status::ok, EncodeIntrospection(*result)),
                                      kRoute, result->claims ? "active" : "inactive"};
                            });
}

Routed Router::Revoke(const Request& req, const RequestContext& context) const {
  // A bearer token (or DELETE) is Flinks' revokeConnection: the token revokes itself, 204.
  // Otherwise RFC 7009: an authenticated client names the token in the body, 200.
  const bool bearer = req.find("flinks-auth-key") != req.end() ||
                      (req.find(bh::field::authorization) != req.end() &&
                       HasAuthScheme(req[bh::field::authorization], "Bearer"));
  if (bearer || req.method() == bh::verb::delete_) {
    auto token = BearerToken(req);
    if (!token && !bearer) {
      return OAuthError(
          MakeError(ErrorCode::kInvalidRequest, "Missing bearer token", token.error().internal),
          false, kRevokePath);
    }
    if (!token) return OAuthError(token.error(), false, kRevokePath);
    if (auto revoked = services_.tokens.RevokeBearer(*token); !revoked) {
      return OAuthError(revoked.error(), false, kRevokePath);
    }
    Response res{bh::status::no_content, 11};
    res.set(bh::field::cache_control, "no-store");
    return {std::move(res), kRevokePath, "connection revoked"};
  }
  return WithClientAndToken(req, context, kRevokePath,
                            [&](const OAuthParams& params, const std::string& token) -> Routed {
                              if (auto revoked = services_.tokens.Revoke(params.client, token);
                                  !revoked) {
                                return OAuthError(revoked.error(), params.used_basic, kRevokePath);
                              }
                              Response res{bh::status::ok, 11};
                              res.set(bh::field::cache_control, "no-store");
                              return {std::move(res), kRevokePath, "revocation"};
                            });
}

Result<oauth::AccessTokenClaims> Router::ActiveBearer(const Request& req) const {
  OBAUTH_TRY(token, BearerToken(req));
  return services_.tokens.Validate(token);
}

Routed Router::Providers(const Request& req, std::string_view route, bool v2) const {
  auto claims = ActiveBearer(req);
  if (!claims) return AdminError(claims.error(), route);
  const auto scopes = SplitScopes(claims->scope);
  const bool partner = std::find(scopes.begin(), scopes.end(), kAdminScope) != scopes.end();
  const auto& registrations = services_.registrations;
  auto ok = [&](std::string body) -> Routed {
    return {JsonResponse(bh::status::ok, std::move(body)), route, "client " + claims->client_id};
  };
  if (partner) {
    if (v2) {
      Routed refused = AdminError(MakeError(ErrorCode::kInsufficientScope,
                                            "This endpoint lists a Data Recipient's providers: "
                                            "call it with a token of the Data Recipient",
                                            "partner token on /api/v2/providers"),
                                  route);
      // No scope would help: the challenge names none (RFC 6750 §3).
      refused.response.set(bh::field::www_authenticate,
                           R"(Bearer realm="obauth", error="insufficient_scope")");
      return refused;
    }
    auto all = registrations.ListProviders();
    return all ? ok(EncodeProviderList(*all)) : AdminError(all.error(), route);
  }
  // A valid token without client:admin is a recipient's own (client_credentials).
  if (!v2) {
    auto active = registrations.ActiveProviders(claims->client_id);
    return active ? ok(EncodeProviderList(*active)) : AdminError(active.error(), route);
  }
  auto filter = ParseProviderFilter(req.target());
  if (!filter) return AdminError(filter.error(), route);
  auto listed = registrations.ProvidersForRecipient(claims->client_id, *filter);
  return listed ? ok(EncodeProvidersV2(*listed)) : AdminError(listed.error(), route);
}

Routed Router::Admin(const Request& req, const RequestContext& context, AdminOp op,
                     std::string_view route, std::string_view id, std::string_view second) const {
  const std::string_view client_id = id;
  // Every admin route needs an active partner token with client:admin.
  auto claims = ActiveBearer(req);
  if (!claims) return AdminError(claims.error(), route);
  const auto scopes = SplitScopes(claims->scope);
  if (std::find(scopes.begin(), scopes.end(), kAdminScope) == scopes.end()) {
    return AdminError(MakeError(ErrorCode::kInsufficientScope,
                                "This endpoint requires a token with the client:admin scope",
                                "token of " + claims->client_id + " lacks client:admin"),
                      route);
  }
  const admin::Caller caller{claims->subject, claims->subject, std::string(context.request_id),
                             std::string(context.peer)};
  const auto& recipients = services_.recipients;
  auto ok = [&](std::string body) -> Routed {
    return {JsonResponse(bh::status::ok, std::move(body)), route, "partner " + caller.partner_id};
  };
  auto no_content = [&]() -> Routed {
    Response res{bh::status::no_content, 11};
    res.set(bh::field::cache_control, "no-store");
    return {std::move(res), route, "partner " + caller.partner_id};
  };
  auto fail = [&](const Error& e) { return AdminError(e, route); };
  auto json_body = [&]() -> Result<void> {
    if (MediaType(req) != "application/json") {
      return MakeError(ErrorCode::kUnsupportedMediaType, "Content-Type must be application/json");
    }
    return {};
  };

  switch (op) {
    case AdminOp::kList: {
      auto list = recipients.List(caller);
      return list ? ok(EncodeRecipientList(*list)) : fail(list.error());
    }
    case AdminOp::kGet: {
      auto found = recipients.Get(caller, client_id);
      return found ? ok(EncodeRecipientDetails(*found)) : fail(found.error());
    }
    case AdminOp::kCreate: {
      if (auto r = json_body(); !r) return fail(r.error());
      auto input = DecodeRecipientInput(req.body(), {true, client_id});
      if (!input) return fail(input.error());
      return Idempotent<admin::CreatedRecipient>(
          req, caller, route,
          [&](const admin::Sealer<admin::CreatedRecipient>& seal) {
            return recipients.Create(caller, *input, seal);
          },
          EncodeCreatedRecipient);
    }
    case AdminOp::kUpdate: {
      if (auto r = json_body(); !r) return fail(r.error());
      auto input = DecodeRecipientInput(req.body(), {false, client_id});
      if (!input) return fail(input.error());
      auto updated = recipients.Update(caller, client_id, *input);
      return updated ? ok(EncodeRecipientDetails(*updated)) : fail(updated.error());
    }
    case AdminOp::kRotate: {
      const bool has_body = req.body().find_first_not_of(" \t\r\n") != std::string::npos;
      if (has_body) {
        if (auto r = json_body(); !r) return fail(r.error());
      }
      auto options = DecodeRotateOptions(req.body(), services_.rotate_defaults);
      if (!options) return fail(options.error());
      return Idempotent<admin::IssuedSecret>(
          req, caller, route,
          [&](const admin::Sealer<admin::IssuedSecret>& seal) {
            return recipients.RotateSecret(caller, client_id, *options, seal);
          },
          EncodeIssuedSecret);
    }
    case AdminOp::kRevokePrevious: {
      auto r = recipients.RevokePreviousSecret(caller, client_id);
      return r ? no_content() : fail(r.error());
    }
    case AdminOp::kRetire: {
      auto r = recipients.Retire(caller, client_id);
      return r ? no_content() : fail(r.error());
    }
    case AdminOp::kProvider: {
      auto found = services_.registrations.GetProvider(id);
      return found ? ok(EncodeProviderDetails(*found)) : fail(found.error());
    }
    case AdminOp::kRequestRegistrations: {
      auto requested = services_.registrations.Request(caller, id, second);
      return requested ? ok(EncodeRegistrations(*requested)) : fail(requested.error());
    }
    case AdminOp::kRegistrations:
    case AdminOp::kRecipientRegistrations: {
      auto listed = services_.registrations.List(
          caller, op == AdminOp::kRegistrations ? std::nullopt
                                                : std::optional<std::string_view>(client_id));
      return listed ? ok(EncodeRegistrations(*listed)) : fail(listed.error());
    }
    case AdminOp::kAudit: {
      auto query = ParseAuditQuery(req.target());
      if (!query) return fail(query.error());
      auto events = recipients.Audit(caller, query->client_id, query->after, query->limit);
      if (!events) return fail(events.error());
      std::optional<std::int64_t> next;
      if (static_cast<int>(events->size()) == query->limit) next = events->back().id;
      return ok(EncodeAuditPage(*events, next));
    }
  }
  return fail(InternalError("unknown admin operation"));
}

template <class T, class Run, class Encode>
Routed Router::Idempotent(const Request& req, const admin::Caller& caller, std::string_view route,
                          Run&& run, Encode&& encode) const {
  auto fail = [&](const Error& e) { return AdminError(e, route); };
  auto respond = [&](int status, std::string body, std::string note) -> Routed {
    return {JsonResponse(static_cast<bh::status>(status), std::move(body)), route, std::move(note)};
  };
  const auto header = req.find("Idempotency-Key");
  if (header == req.end()) {
    auto result = run(nullptr);
    if (!result) return fail(result.error());
    return respond(200, encode(*result), "partner " + caller.partner_id);
  }
  const std::string_view key = header->value();
  if (!Idempotency::IsValidKey(key)) {
    return fail(MakeError(ErrorCode::kValidation,
                          "Idempotency-Key must be 1 to 255 visible ASCII characters"));
  }
  const std::string_view target = req.target();
  std::string fingerprint =
      Idempotency::Fingerprint(req.method_string(), target.substr(0, target.find('?')), req.body());
  const std::int64_t now = services_.clock.NowSeconds();
  // A stored answer to the same request is replayed; one to another request is refused.
  auto replay = [&]() -> std::optional<Routed> {
    auto stored =
        services_.replays.FindReplay(caller.partner_id, key, now - kReplayLifetimeSeconds);
    if (!stored) return fail(stored.error());
    if (!*stored) return std::nullopt;
    if ((*stored)->fingerprint != fingerprint) {
      return fail(MakeError(ErrorCode::kKeyReused,
                            "This Idempotency-Key was already used for a different request"));
    }
    auto opened = services_.idempotency.Open(**stored);
    if (!opened) return fail(opened.error());
    Routed replayed = respond(opened->first, std::move(opened->second),
                              "partner " + caller.partner_id + " replay");
    replayed.response.set("Idempotent-Replayed", "true");
    return replayed;
  };
  if (auto answer = replay()) return std::move(*answer);
  auto claim = services_.idempotency.TryClaim(caller.partner_id, key);
  if (!claim) {
    return fail(MakeError(ErrorCode::kKeyInUse,
                          "A request with this Idempotency-Key is already in progress"));
  }
  // The first request with this key may have finished between the lookup and the claim.
  if (auto answer = replay()) return std::move(*answer);
  std::string body;
  auto result = run([&](const T& value) -> Result<store::Replay> {
    body = encode(value);
    return services_.idempotency.Seal(caller.partner_id, key, fingerprint, 200, body, now);
  });
  if (!result) return fail(result.error());
  return respond(200, std::move(body), "partner " + caller.partner_id);
}

}  // namespace obauth::http
