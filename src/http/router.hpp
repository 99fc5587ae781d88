// Router: maps a parsed HTTP request to a response through plain functions, with no socket,
// so every route is testable and benchmarkable in-process. Thread-safe (const, stateless).
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>
#include <string_view>

#include "admin/recipient_service.hpp"
#include "core/clock.hpp"
#include "oauth/access_token.hpp"
#include "oauth/token_service.hpp"

namespace obauth::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

struct Services {
  const oauth::TokenService& tokens;
  const oauth::AccessTokens& access_tokens;
  const admin::RecipientService& recipients;
  const Clock& clock;
};

// A response plus what the access log needs to know about it.
struct Routed {
  Response response;
  std::string_view route;  // the route template, e.g. "/api/v1/recipients/{client_id}"
  std::string note;        // internal detail for the log (never sent, never a secret)
};

class Router {
 public:
  explicit Router(Services services) : services_(services) {}

  // Never throws: an unexpected exception becomes a generic 500.
  Routed Handle(const Request& request) const;

 private:
  Routed Dispatch(const Request& request) const;
  Services services_;
};

// Headers every response carries, whatever produced it.
void SetCommonHeaders(Response& response, std::string_view request_id);

}  // namespace obauth::http
