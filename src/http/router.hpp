// Router: maps a parsed HTTP request to a response through plain functions, with no socket,
// so every route is testable and benchmarkable in-process. Thread-safe (const, stateless).
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "admin/recipient_service.hpp"
#include "admin/registration_service.hpp"
#include "core/clock.hpp"
#include "http/idempotency.hpp"
#include "http/metrics.hpp"
#include "oauth/access_token.hpp"
#include "oauth/token_service.hpp"
#include "store/replay_store.hpp"
#include "store/setting_store.hpp"

namespace obauth::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

struct Services {
  const oauth::TokenService& tokens;
  const admin::RecipientService& recipients;
  const admin::RegistrationService& registrations;  // the catalogue and registrations
  store::ReplayStore& replays;                      // Idempotency-Key replays
  store::SettingStore& settings;                    // GET /readyz reads one
  Idempotency& idempotency;                         // in-flight keys and replay sealing
  const Clock& clock;
  admin::RotateOptions rotate_defaults;  // when a rotation has no body
  const Metrics* metrics = nullptr;      // GET /metrics renders it; 404 without
};

// Where a request came from, for the audit trail.
struct RequestContext {
  std::string_view request_id;
  std::string_view peer;
};

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

enum class AdminOp {
  kList,
  kCreate,
  kGet,
  kUpdate,
  kRetire,
  kRotate,
  kRevokePrevious,
  kAudit,
  kProvider,                // GET /api/v1/providers/{provider_id}
  kRequestRegistrations,    // POST
                            // /api/v1/recipients/providers/requests/{recipient_ids}/{provider_ids}
  kRegistrations,           // GET /api/v1/recipients/providers/requests
  kRecipientRegistrations,  // GET /api/v1/recipients/{client_id}/providers/requests
};

// A response plus what the access log needs to know about it.
struct Routed {
  Response response;
  std::string_view route;    // the route template, e.g. "/api/v1/recipients/{client_id}"
  std::string note;          // internal detail for the log (never sent, never a secret)
  bool would_block = false;  // tried inline, needs the database: run again on a worker
};

class Router {
 public:
  explicit Router(Services services) : services_(services) {}

  // Never throws: an unexpected exception becomes a generic 500.
  Routed Handle(const Request& request, const RequestContext& context) const;

  // True for requests usually answered from memory (the token and introspection endpoints, and
  // GET /api/v1/recipients/{client_id}):
  // worth trying inline on an I/O thread under store::NonBlockingScope before a worker.
  static bool WorthTryingInline(const Request& request);

 private:
  Routed Dispatch(const Request& request, const RequestContext& context) const;
  Routed Token(const Request& request, const RequestContext& context) const;
  Routed Introspect(const Request& request, const RequestContext& context) const;
  // POST /api/v1/revoke (RFC 7009, or Flinks' revokeConnection with a bearer token) and
  // DELETE /api/v1/revoke (revokeConnection).
  Routed Revoke(const Request& request, const RequestContext& context) const;
  // GET /readyz: 200 when the database answers a read, else 503 {"message"}.
  Routed Ready() const;
  // GET /.well-known/oauth-authorization-server (RFC 8414) or /.well-known/jwks.json.
  Routed Published(std::string_view path) const;
  // `id` is the path's client id or provider id; `second` the provider ids of a registration
  // request.
  Routed Admin(const Request& request, const RequestContext& context, AdminOp op,
               std::string_view route, std::string_view id, std::string_view second = {}) const;
  // The claims of the request's bearer token (Authorization or flinks-auth-key) when it is
  // active; kInvalidToken otherwise.
  Result<oauth::AccessTokenClaims> ActiveBearer(const Request& request) const;
  // GET /api/v1/providers (a partner's token: the catalogue; a recipient's: the providers it
  // is ACTIVE with) and GET /api/v2/providers (a recipient's token only).
  Routed Providers(const Request& request, std::string_view route, bool v2) const;
  // Reads the caller's credentials and `token` of an introspection or RFC 7009 revocation request
  // and hands them to `answer(params, token)`; answers the error for `route` when either is
  // missing or malformed.
  template <class Answer>
  Routed WithClientAndToken(const Request& request, const RequestContext& context,
                            std::string_view route, Answer&& answer) const;
  Result<OAuthParams> ReadOAuthParams(const Request& request,
                                      const std::vector<std::string_view>& names) const;
  // Runs a creating call under the request's Idempotency-Key, if any: replays a stored answer
  // to the same request, refuses a reused or in-flight key, else runs `run` with a sealer.
  template <class T, class Run, class Encode>
  Routed Idempotent(const Request& request, const admin::Caller& caller, std::string_view route,
                    Run&& run, Encode&& encode) const;
  Services services_;
};

// Headers every response carries, whatever produced it.
void SetCommonHeaders(Response& response, std::string_view request_id);

}  // namespace obauth::http
