#include "http/router.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <exception>

#include "core/scopes.hpp"
#include "http/form.hpp"
#include "http/json_codec.hpp"

namespace obauth::http {
namespace bh = boost::beast::http;
namespace {

constexpr std::string_view kRecipientsPath = "/api/v1/recipients";

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
    case ErrorCode::kUnavailable:
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

Routed AdminError(const Error& e, std::string_view route) {
  Response res = JsonResponse(Map(e.code).status, EncodeMessage(PublicMessage(e)));
  // RFC 6750 §3: a protected resource names the scheme and the problem.
  if (e.code == ErrorCode::kInvalidToken) {
    res.set(bh::field::www_authenticate, R"(Bearer realm="obauth", error="invalid_token")");
  } else if (e.code == ErrorCode::kInsufficientScope) {
    res.set(bh::field::www_authenticate,
            R"(Bearer realm="obauth", error="insufficient_scope", scope="client:admin")");
  }
  return {std::move(res), route, e.internal};
}

Routed OAuthError(const Error& e, bool used_basic, std::string_view route) {
  const Mapping m = Map(e.code);
  Response res = JsonResponse(m.status, EncodeOAuthError(m.oauth_error, PublicMessage(e)));
  res.set(bh::field::pragma, "no-cache");
  // RFC 6749 §5.2: a client that tried Basic gets 401 and a challenge; otherwise the 400 that
  // Flinks documents.
  if (e.code == ErrorCode::kInvalidClient && used_basic) {
    res.result(bh::status::unauthorized);
    res.set(bh::field::www_authenticate, R"(Basic realm="obauth")");
  }
  return {std::move(res), route, e.internal};
}

Routed Plain(bh::status status, std::string_view message, std::string_view route) {
  return {JsonResponse(status, EncodeMessage(message)), route, {}};
}

Routed MethodNotAllowed(std::string_view allow, std::string_view route) {
  Routed r = Plain(bh::status::method_not_allowed, "Method Not Allowed", route);
  r.response.set(bh::field::allow, allow);
  return r;
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

}  // namespace

void SetCommonHeaders(Response& response, std::string_view request_id) {
  response.set("X-Request-Id", request_id);
  response.set(bh::field::server, "obauth");
  response.set("X-Content-Type-Options", "nosniff");
}

Routed Router::Handle(const Request& request) const {
  try {
    return Dispatch(request);
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

Routed Router::Dispatch(const Request& req) const {
  const std::string_view target = req.target();
  const std::string_view path = target.substr(0, target.find('?'));
  const auto method = req.method();

  if (path == "/api/v1/token") {
    constexpr std::string_view kRoute = "/api/v1/token";
    if (method != bh::verb::post) return MethodNotAllowed("POST", kRoute);
    oauth::TokenRequest token_request;
    bool used_basic = false;
    if (auto it = req.find(bh::field::authorization);
        it != req.end() && HasAuthScheme(it->value(), "Basic")) {
      used_basic = true;
      auto credentials = ParseBasicAuth(it->value());
      if (!credentials) {
        return OAuthError(MakeError(ErrorCode::kInvalidClient, "Client authentication failed",
                                    "malformed Basic credentials"),
                          true, kRoute);
      }
      token_request.basic =
          oauth::ClientCredentialPair{credentials->user, Secret(std::move(credentials->password))};
    }
    const std::string media = MediaType(req);
    if (media == "application/x-www-form-urlencoded") {
      auto form = ParseForm(req.body());
      if (!form) {
        return OAuthError(MakeError(ErrorCode::kInvalidRequest, "Malformed form body"), used_basic,
                          kRoute);
      }
      std::vector<std::string> seen;
      for (auto& [name, value] : *form) {
        if (name != "grant_type" && name != "scope" && name != "client_id" &&
            name != "client_secret") {
          continue;  // RFC 6749 §3.2: ignore unrecognized parameters
        }
        // RFC 6749 §3.2: parameters must not be repeated.
        if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
          return OAuthError(
              MakeError(ErrorCode::kInvalidRequest, "Parameter " + name + " is repeated"),
              used_basic, kRoute);
        }
        seen.push_back(name);
        if (value.empty()) continue;  // RFC 6749 §3.1: a parameter without a value is omitted
        if (name == "grant_type") token_request.grant_type = std::move(value);
        if (name == "scope") token_request.scope = std::move(value);
        if (name == "client_id") token_request.body_client_id = std::move(value);
        if (name == "client_secret") token_request.body_client_secret = Secret(std::move(value));
      }
    } else if (media == "application/json") {
      if (auto r = DecodeTokenJson(req.body(), token_request); !r) {
        return OAuthError(r.error(), used_basic, kRoute);
      }
    } else {
      return OAuthError(
          MakeError(ErrorCode::kInvalidRequest,
                    "Content-Type must be application/x-www-form-urlencoded or application/json"),
          used_basic, kRoute);
    }
    auto issued = services_.tokens.Issue(token_request);
    if (!issued) return OAuthError(issued.error(), used_basic, kRoute);
    Response res = JsonResponse(bh::status::ok, EncodeToken(*issued));
    res.set(bh::field::pragma, "no-cache");
    return {std::move(res), kRoute, "issued to " + issued->client_id};
  }

  if (path == "/healthz") {
    if (method != bh::verb::get) return MethodNotAllowed("GET", "/healthz");
    return {JsonResponse(bh::status::ok, R"({"status":"ok"})"), "/healthz", {}};
  }

  if (path.substr(0, kRecipientsPath.size()) != kRecipientsPath) {
    return Plain(bh::status::not_found, "Not Found", "unknown");
  }
  const std::string_view rest = path.substr(kRecipientsPath.size());
  std::string_view client_id;
  std::string_view route;
  bool secret = false;
  if (rest.empty()) {
    route = "/api/v1/recipients";
    if (method != bh::verb::get && method != bh::verb::post) {
      return MethodNotAllowed("GET, POST", route);
    }
  } else {
    const std::string_view tail = rest.substr(1);
    const std::size_t slash = tail.find('/');
    client_id = tail.substr(0, slash);
    if (rest.front() != '/' || client_id.empty()) {
      return Plain(bh::status::not_found, "Not Found", "unknown");
    }
    if (slash == std::string_view::npos) {
      route = "/api/v1/recipients/{client_id}";
      if (method != bh::verb::get && method != bh::verb::put) {
        return MethodNotAllowed("GET, PUT", route);
      }
    } else if (tail.substr(slash) == "/secret") {
      route = "/api/v1/recipients/{client_id}/secret";
      secret = true;
      if (method != bh::verb::post) return MethodNotAllowed("POST", route);
    } else {
      return Plain(bh::status::not_found, "Not Found", "unknown");
    }
  }

  // Every recipient route needs a partner token with client:admin.
  auto token = BearerToken(req);
  if (!token) return AdminError(token.error(), route);
  auto claims = services_.access_tokens.Verify(*token, services_.clock.NowSeconds());
  if (!claims) return AdminError(claims.error(), route);
  const auto scopes = SplitScopes(claims->scope);
  if (std::find(scopes.begin(), scopes.end(), kAdminScope) == scopes.end()) {
    return AdminError(MakeError(ErrorCode::kInsufficientScope,
                                "This endpoint requires a token with the client:admin scope",
                                "token of " + claims->client_id + " lacks client:admin"),
                      route);
  }
  const admin::Caller caller{claims->subject};
  const auto& recipients = services_.recipients;

  auto read_input = [&](bool creating) -> Result<admin::RecipientInput> {
    if (MediaType(req) != "application/json") {
      return MakeError(ErrorCode::kUnsupportedMediaType, "Content-Type must be application/json");
    }
    return DecodeRecipientInput(req.body(), {creating, client_id});
  };
  auto ok = [&](std::string body) -> Routed {
    return {JsonResponse(bh::status::ok, std::move(body)), route, "partner " + caller.partner_id};
  };

  if (secret) {
    auto issued = recipients.RotateSecret(caller, client_id);
    if (!issued) return AdminError(issued.error(), route);
    return ok(EncodeIssuedSecret(*issued));
  }
  if (client_id.empty() && method == bh::verb::get) {
    auto list = recipients.List(caller);
    if (!list) return AdminError(list.error(), route);
    return ok(EncodeRecipientList(*list));
  }
  if (client_id.empty()) {
    auto input = read_input(true);
    if (!input) return AdminError(input.error(), route);
    auto created = recipients.Create(caller, *input);
    if (!created) return AdminError(created.error(), route);
    return ok(EncodeCreatedRecipient(*created));
  }
  if (method == bh::verb::get) {
    auto found = recipients.Get(caller, client_id);
    if (!found) return AdminError(found.error(), route);
    return ok(EncodeRecipientDetails(*found));
  }
  // PUT. Body rules do not depend on the stored recipient, so judging the body first reveals
  // nothing about another partner's ids.
  auto input = read_input(false);
  if (!input) return AdminError(input.error(), route);
  auto updated = recipients.Update(caller, client_id, *input);
  if (!updated) return AdminError(updated.error(), route);
  return ok(EncodeRecipientDetails(*updated));
}

}  // namespace obauth::http
