#include "http/responses.hpp"

#include <boost/beast/http/field.hpp>

#include "http/json_codec.hpp"
#include "http/pages.hpp"

namespace obauth::http {
namespace bh = boost::beast::http;
namespace {

struct Mapping {
  bh::status status;
  std::string_view oauth_error;  // RFC 6749 §5.2 / RFC 6750 §3.1 code
  int fdx_code;                  // reference §9.2, on the FDX data endpoints
  std::string_view fdx_message;  // §9.2's message for that code
};

// The one mapping from error codes to HTTP. No default: a new code fails the build here.
Mapping Map(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidRequest:
      return {bh::status::bad_request, "invalid_request", 401, "Invalid Input"};
    case ErrorCode::kInvalidClient:
      return {bh::status::bad_request, "invalid_client", 602,
              "Customer not authorized"};  // 401 with Basic, see OAuthError
    case ErrorCode::kInvalidGrant:
      return {bh::status::bad_request, "invalid_grant", 602, "Customer not authorized"};
    case ErrorCode::kUnauthorizedClient:
      return {bh::status::bad_request, "unauthorized_client", 602, "Customer not authorized"};
    case ErrorCode::kUnsupportedGrantType:
      return {bh::status::bad_request, "unsupported_grant_type", 401, "Invalid Input"};
    case ErrorCode::kInvalidScope:
      return {bh::status::bad_request, "invalid_scope", 602, "Customer not authorized"};
    case ErrorCode::kUnsupportedResponseType:
      return {bh::status::bad_request, "unsupported_response_type", 401, "Invalid Input"};
    case ErrorCode::kAccessDenied:
      return {bh::status::bad_request, "access_denied", 602,
              "Customer not authorized"};  // reference §9.1
    case ErrorCode::kMissingToken:
      return {bh::status::unauthorized, "invalid_request", 602, "Customer not authorized"};
    case ErrorCode::kInvalidToken:
      return {bh::status::unauthorized, "invalid_token", 602, "Customer not authorized"};
    case ErrorCode::kInsufficientScope:
      return {bh::status::forbidden, "insufficient_scope", 602, "Customer not authorized"};
    case ErrorCode::kValidation:
      return {bh::status::bad_request, "invalid_request", 401, "Invalid Input"};
    case ErrorCode::kNotFound:
      return {bh::status::not_found, "invalid_request", 1107,
              "Data not found for request parameters"};
    case ErrorCode::kConflict:
      return {bh::status::conflict, "invalid_request", 401, "Invalid Input"};
    case ErrorCode::kUnsupportedMediaType:
      return {bh::status::unsupported_media_type, "invalid_request", 401, "Invalid Input"};
    case ErrorCode::kKeyInUse:
      return {bh::status::conflict, "invalid_request", 401, "Invalid Input"};
    case ErrorCode::kKeyReused:
      return {bh::status::unprocessable_entity, "invalid_request", 401, "Invalid Input"};
    case ErrorCode::kTooManyAttempts:
      return {bh::status::too_many_requests, "temporarily_unavailable", 1207,
              "Too many requests were sent within a short period of time"};
    case ErrorCode::kNotConsented:
      return {bh::status::unauthorized, "insufficient_scope", 602, "Customer not authorized"};
    case ErrorCode::kConnectionRevoked:
      return {bh::status::unauthorized, "invalid_token", 602, "Customer not authorized"};
    case ErrorCode::kCustomerNotFound:
      return {bh::status::not_found, "invalid_request", 601, "Customer not found"};
    case ErrorCode::kAccountNotFound:
      return {bh::status::not_found, "invalid_request", 701, "Account not found"};
    case ErrorCode::kInvalidDate:
      return {bh::status::bad_request, "invalid_request", 702, "Invalid start or end date"};
    case ErrorCode::kInvalidDateRange:
      return {bh::status::bad_request, "invalid_request", 703, "Invalid date range"};
    case ErrorCode::kNotAcceptable:
      return {bh::status::not_acceptable, "invalid_request", 1203, "Content type not supported"};
    case ErrorCode::kNotSupported:
      return {bh::status::method_not_allowed, "invalid_request", 501, "Subsystem unavailable"};
    case ErrorCode::kMethodNotAllowed:
      return {bh::status::method_not_allowed, "invalid_request", 501, "Subsystem unavailable"};
    case ErrorCode::kBodyTooLarge:
      return {bh::status::payload_too_large, "invalid_request", 401, "Invalid Input"};
    case ErrorCode::kHeadTooLarge:
      return {bh::status::request_header_fields_too_large, "invalid_request", 401, "Invalid Input"};
    case ErrorCode::kMalformedHttp:
      return {bh::status::bad_request, "invalid_request", 401, "Invalid Input"};
    case ErrorCode::kUnavailable:
      return {bh::status::service_unavailable, "temporarily_unavailable", 503,
              "Scheduled maintenance"};
    case ErrorCode::kWouldBlock:  // retried on a worker, never sent
      return {bh::status::service_unavailable, "temporarily_unavailable", 503,
              "Scheduled maintenance"};
    case ErrorCode::kInternal:
      return {bh::status::internal_server_error, "server_error", 500, "Internal server error"};
  }
  return {bh::status::internal_server_error, "server_error", 500, "Internal server error"};
}

// The admin API's body for a refused bearer token (the seed page's wording).
constexpr char kInvalidBearerToken[] = "Invalid Bearer Token";

// The code an answer outside the FDX data endpoints is written for. Only those endpoints tell a
// revoked connection apart (reference §9.2's 602, FdxError); everywhere else its token is refused
// like any other invalid one.
ErrorCode OutsideFdx(ErrorCode code) {
  return code == ErrorCode::kConnectionRevoked ? ErrorCode::kInvalidToken : code;
}

// RFC 6750 §3: for a refused bearer token (`code`), the challenge with what was wrong with it
// (`public_message`: a fixed English phrase, no quote or backslash); §3.1: no error code when the
// request carried no bearer token at all. Nothing for any other error.
void SetBearerChallenge(Response& res, ErrorCode code, std::string_view public_message) {
  if (code == ErrorCode::kMissingToken) {
    res.set(bh::field::www_authenticate, R"(Bearer realm="obauth")");
  } else if (code == ErrorCode::kInvalidToken) {
    res.set(bh::field::www_authenticate,
            R"(Bearer realm="obauth", error="invalid_token", error_description=")" +
                std::string(public_message) + '"');
  }
}

}  // namespace

bh::status StatusOf(ErrorCode code) { return Map(code).status; }
std::string_view OAuthErrorName(ErrorCode code) { return Map(code).oauth_error; }

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

Routed Ok(std::string_view route, std::string body, std::string note) {
  return {JsonResponse(bh::status::ok, std::move(body)), route, std::move(note)};
}

Routed NoContent(std::string_view route, std::string note) {
  Response res{bh::status::no_content, 11};
  res.set(bh::field::cache_control, "no-store");
  return {std::move(res), route, std::move(note)};
}

Routed Plain(bh::status status, std::string_view message, std::string_view route) {
  return {JsonResponse(status, EncodeMessage(message)), route, {}};
}

Routed NotFound() { return Plain(bh::status::not_found, "Not Found", "unknown"); }

Routed MethodNotAllowed(std::string_view allow, std::string_view route, ErrorFormat format) {
  // The admin API's message is the seed's; an OAuth client also learns what to use instead.
  const std::string message = format == ErrorFormat::kOAuth
                                  ? "Method Not Allowed; use " + std::string(allow)
                                  : std::string("Method Not Allowed");
  Routed r = FormattedError(format, MakeError(ErrorCode::kMethodNotAllowed, message), route);
  r.response.set(bh::field::allow, allow);
  return r;
}

Routed AdminError(const Error& e, std::string_view route) {
  const ErrorCode code = OutsideFdx(e.code);
  // A refused token keeps the seed's message; what was wrong with it is in the challenge.
  const std::string_view message =
      code == ErrorCode::kInvalidToken ? kInvalidBearerToken : PublicMessage(e);
  Response res = JsonResponse(Map(code).status, EncodeMessage(message));
  // RFC 6750 §3: a protected resource names the scheme and the problem.
  SetBearerChallenge(res, code, e.public_message);
  if (code == ErrorCode::kInsufficientScope) {
    res.set(bh::field::www_authenticate,
            R"(Bearer realm="obauth", error="insufficient_scope", scope="client:admin")");
  }
  return {std::move(res), route, e.internal, e.code == ErrorCode::kWouldBlock};
}

Routed OAuthError(const Error& e, bool used_basic, std::string_view route) {
  const ErrorCode code = OutsideFdx(e.code);
  const Mapping m = Map(code);
  Response res = JsonResponse(m.status, EncodeOAuthError(m.oauth_error, PublicMessage(e)));
  res.set(bh::field::pragma, "no-cache");
  SetBearerChallenge(res, code, e.public_message);
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

Routed FdxError(const Error& e, std::string_view route) {
  if (e.code == ErrorCode::kMissingToken || e.code == ErrorCode::kInvalidToken) {
    Response res = JsonResponse(bh::status::unauthorized, EncodeMessage(kInvalidBearerToken));
    SetBearerChallenge(res, e.code, e.public_message);
    return {std::move(res), route, e.internal, false};
  }
  const Mapping m = Map(e.code);
  Response res =
      JsonResponse(m.status, EncodeFdxError(m.fdx_code, m.fdx_message, PublicMessage(e)));
  // RFC 9110 §15.5.2: a 401 names the scheme; RFC 6750 §3.1: and what was wrong.
  if (e.code == ErrorCode::kConnectionRevoked) {
    SetBearerChallenge(res, ErrorCode::kInvalidToken, e.public_message);
  } else if (e.code == ErrorCode::kNotConsented) {
    res.set(bh::field::www_authenticate, R"(Bearer realm="obauth", error="insufficient_scope")");
  }
  if (e.code == ErrorCode::kNotSupported) {
    res.set(bh::field::allow, "");  // RFC 9110 §10.2.1: the resource allows no method here
  }
  if (e.retry_after_seconds > 0) {
    res.set(bh::field::retry_after, std::to_string(e.retry_after_seconds));
  }
  return {std::move(res), route, e.internal, e.code == ErrorCode::kWouldBlock};
}

Routed FormattedError(ErrorFormat format, const Error& e, std::string_view route) {
  switch (format) {
    case ErrorFormat::kFdx:
      return FdxError(e, route);
    case ErrorFormat::kOAuth:
      return OAuthError(e, false, route);
    case ErrorFormat::kMessage:
      return AdminError(e, route);
    case ErrorFormat::kPage:
      return ErrorPage(e, Language::kEnglish, route);
  }
  return AdminError(e, route);
}

Routed ErrorPage(const Error& e, Language language, std::string_view route) {
  return {HtmlResponse(StatusOf(e.code), RenderErrorPage(language, PublicMessage(e))), route,
          e.internal, e.code == ErrorCode::kWouldBlock};
}

bool IsSafeRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

void SetFdxHeaders(Response& response, std::string_view correlation_id, std::string_view trace_id) {
  response.set("ob-correlation-id", correlation_id);
  response.set("ob-trace-id", trace_id);
}

void SetCommonHeaders(Response& response, std::string_view request_id) {
  response.set("X-Request-Id", request_id);
  response.set(bh::field::server, "obauth");
  response.set("X-Content-Type-Options", "nosniff");
}

}  // namespace obauth::http
