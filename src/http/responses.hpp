// Building responses: JSON bodies with the headers every answer of a kind carries, and the one
// mapping from error codes to HTTP (`Map`, an exhaustive switch). Pure functions; thread-safe.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace obauth::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

// The rest of a body too large to hold at once, produced piece by piece (an unpaged list): the
// session sends the response's body as the first piece with chunked transfer coding, then asks
// Next() for each following one on a worker thread (it may read the database), writing each
// before asking for the next, so a response holds one piece in memory however long the whole.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // The next piece (not empty), or nullopt after the last. An error ends the response by closing
  // the connection: the client sees a body without its last chunk, never a wrong one.
  virtual Result<std::optional<std::string>> Next() = 0;
};

// A response plus what the access log needs to know about it.
struct Routed {
  Response response;
  std::string_view route;    // the route template, e.g. "/api/v1/recipients/{client_id}"
  std::string note;          // internal detail for the log (never sent, never a secret)
  bool would_block = false;  // tried inline, needs the database: run again on a worker
  std::shared_ptr<BodyStream> stream{};  // when set: more body after response.body()
  // When not empty: the body, in storage that lives as long as the program (an embedded
  // document), written from there without a copy; response.body() is then empty.
  std::string_view constant_body{};
};

// `body` (JSON) with `status`, Content-Type application/json and Cache-Control no-store.
Response JsonResponse(boost::beast::http::status status, std::string body);
// 200 with `body` (JSON), logged with `note`.
Routed Ok(std::string_view route, std::string body, std::string note);
// 204 with no body and Cache-Control no-store, logged with `note`.
Routed NoContent(std::string_view route, std::string note);
// {"message": message} with `status`.
Routed Plain(boost::beast::http::status status, std::string_view message, std::string_view route);
Routed NotFound();

// How a route writes its errors: the admin API's {"message"} (AdminError), or RFC 6749 §5.2
// {"error","error_description"} (OAuthError) on the token, introspection and revocation
// endpoints. The route table gives each path its format (Router::ErrorFormatOf).
// The customer's pages (the authorize endpoint and the sandbox's pages) answer with an HTML page
// (kPage, http/pages.hpp); the FDX data endpoints with {"code","message","debugMessage"} (kFdx).
enum class ErrorFormat { kMessage, kOAuth, kPage, kFdx };

// The HTTP status and the RFC 6749 error code of `code` (the one mapping).
boost::beast::http::status StatusOf(ErrorCode code);
std::string_view OAuthErrorName(ErrorCode code);
// What a caller may be told of `e`: its public message, or a generic one for kInternal and
// kUnavailable.
std::string_view PublicMessage(const Error& e);

// 405 with `allow` (e.g. "GET, POST") in the Allow header, in the path's error format.
Routed MethodNotAllowed(std::string_view allow, std::string_view route, ErrorFormat format);

// An error of the admin API (and of the other bearer-token endpoints): {"message"} with the
// mapped status; the RFC 6750 §3 challenge for kInvalidToken and kInsufficientScope (naming
// client:admin).
Routed AdminError(const Error& e, std::string_view route);
// An error of the OAuth endpoints (token, introspection, revocation): RFC 6749 §5.2
// {"error","error_description"}; 401 with a Basic challenge for kInvalidClient when the client
// tried Basic (`used_basic`), else the status Flinks documents; Retry-After when the error
// carries one.
Routed OAuthError(const Error& e, bool used_basic, std::string_view route);
// An error of the FDX data endpoints (reference §9.2): {"code","message","debugMessage"} with
// the mapped status, §9.2's code and message, and the error's public message as debugMessage. A
// missing or refused token is §3.3's 401 with a message only and the RFC 6750 challenge.
Routed FdxError(const Error& e, std::string_view route);
// An error answered outside a handler (a wrong method, a request the edge refused to read, an
// escaped exception) in `format`: OAuthError without Basic, or AdminError.
Routed FormattedError(ErrorFormat format, const Error& e, std::string_view route);

// True for a request id safe to repeat in a header and a log line: 1-64 characters of
// [A-Za-z0-9._-].
bool IsSafeRequestId(std::string_view id);

// The headers every FDX answer carries (reference §9.2): `ob-correlation-id` (the request's own
// when it sent a safe one, else the request id) and `ob-trace-id` (the request id, as the log
// line shows it).
void SetFdxHeaders(Response& response, std::string_view correlation_id, std::string_view trace_id);

// Headers every response carries, whatever produced it.
void SetCommonHeaders(Response& response, std::string_view request_id);

}  // namespace obauth::http
