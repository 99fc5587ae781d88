#include "http/router.hpp"

#include <boost/beast/http/verb.hpp>
#include <exception>
#include <span>

#include "http/handlers.hpp"

namespace obauth::http {
namespace bh = boost::beast::http;
namespace {

// Who may call a route.
enum class Access {
  kPublic,              // anyone: no credentials, or the handler authenticates a client itself
  kPartner,             // a partner's bearer token (client:admin)
  kRecipient,           // a Data Recipient's bearer token
  kPartnerOrRecipient,  // either; the handler answers each in its own way
  kConnection,          // a connection's token: a Data Recipient acting for a customer
};

struct Route {
  bh::verb method;
  std::string_view path;  // a template: "{name}" matches one non-empty segment
  Handler handler;
  Access access;
  bool inline_ok;  // usually answered from memory: tried on the I/O thread first
  // How every error on this path is written, also a wrong method and the edge's refusals (the
  // same for every row of a template: checked below).
  ErrorFormat errors;
};

constexpr ErrorFormat kOAuth = ErrorFormat::kOAuth;      // RFC 6749 §5.2 {"error", ...}
constexpr ErrorFormat kMessage = ErrorFormat::kMessage;  // the admin API's {"message"}
constexpr ErrorFormat kPage = ErrorFormat::kPage;        // an HTML page (the customer's)
constexpr ErrorFormat kFdx = ErrorFormat::kFdx;          // {"code","message","debugMessage"}
// The FDX data endpoints' paths: every answer under it is an FDX one.
constexpr std::string_view kFdxPrefix = "/api/fdx/5/";

// Every route. The first template that matches a path is its route (so a literal template comes
// before a {param} one that would also match it); the rows with that template give its methods,
// in the order an Allow header lists them.
constexpr Route kRoutes[] = {
    // Token and discovery.
    {bh::verb::post, "/api/v1/token", &IssueToken, Access::kPublic, true, kOAuth},
    {bh::verb::post, "/api/v1/introspect", &IntrospectToken, Access::kPublic, true, kOAuth},
    {bh::verb::post, "/api/v1/revoke", &RevokeToken, Access::kPublic, false, kOAuth},
    {bh::verb::delete_, "/api/v1/revoke", &RevokeToken, Access::kPublic, false, kOAuth},
    {bh::verb::get, "/.well-known/oauth-authorization-server", &ServerMetadata, Access::kPublic,
     true, kMessage},
    {bh::verb::get, "/.well-known/jwks.json", &Jwks, Access::kPublic, true, kMessage},
    // The customer's pages.
    {bh::verb::get, "/api/v1/authorize", &Authorize, Access::kPublic, false, kPage},
    {bh::verb::post, "/api/v1/authorize/login", &AuthorizeSignIn, Access::kPublic, false, kPage},
    {bh::verb::post, "/api/v1/authorize/consent", &AuthorizeDecision, Access::kPublic, false,
     kPage},
    {bh::verb::get, "/api/v1/authorize/callback", &AuthorizeCallback, Access::kPublic, false,
     kPage},
    {bh::verb::get, "/sandbox/{provider_id}/apps", &ConnectedAppsPage, Access::kPublic, false,
     kPage},
    {bh::verb::post, "/sandbox/{provider_id}/apps", &ConnectedAppsForm, Access::kPublic, false,
     kPage},
    {bh::verb::get, "/assets/obauth.css", &Stylesheet, Access::kPublic, true, kPage},
    // The customer's data (FDX), with a connection's token.
    {bh::verb::get, "/api/fdx/5/customers/current", &ServeFdx<fdx::Resource::kCustomer>,
     Access::kConnection, true, kFdx},
    {bh::verb::get, "/api/fdx/5/accounts", &ServeFdx<fdx::Resource::kAccounts>, Access::kConnection,
     true, kFdx},
    {bh::verb::get, "/api/fdx/5/accounts/{account_id}", &ServeFdx<fdx::Resource::kAccount>,
     Access::kConnection, true, kFdx},
    {bh::verb::get, "/api/fdx/5/accounts/{account_id}/transactions",
     &ServeFdx<fdx::Resource::kTransactions>, Access::kConnection, true, kFdx},
    {bh::verb::get, "/api/fdx/5/accounts/{account_id}/payment-networks",
     &ServeFdx<fdx::Resource::kPaymentNetworks>, Access::kConnection, true, kFdx},
    {bh::verb::get, "/api/fdx/5/accounts/{account_id}/statements",
     &ServeFdx<fdx::Resource::kStatements>, Access::kConnection, true, kFdx},
    {bh::verb::get, "/api/fdx/5/accounts/{account_id}/statements/{statement_id}",
     &ServeFdx<fdx::Resource::kStatement>, Access::kConnection, false, kFdx},
    // Audit and operations.
    {bh::verb::get, "/metrics", &RenderMetrics, Access::kPublic, true, kMessage},
    {bh::verb::get, "/openapi.yaml", &ApiDescription, Access::kPublic, true, kMessage},
    {bh::verb::get, "/healthz", &Healthz, Access::kPublic, false, kMessage},
    {bh::verb::get, "/readyz", &Readyz, Access::kPublic, false, kMessage},
    {bh::verb::get, "/api/v1/audit", &ListAuditEvents, Access::kPartner, false, kMessage},
    // Providers and registrations.
    {bh::verb::get, "/api/v1/providers", &ListProviders, Access::kPartnerOrRecipient, false,
     kMessage},
    {bh::verb::get, "/api/v2/providers", &ListProvidersV2, Access::kRecipient, false, kMessage},
    {bh::verb::get, "/api/v1/providers/{provider_id}", &GetProvider, Access::kPartner, false,
     kMessage},
    {bh::verb::get, "/api/v1/recipients/providers/requests", &ListRegistrations, Access::kPartner,
     false, kMessage},
    {bh::verb::post, "/api/v1/recipients/providers/requests/{recipient_ids}/{provider_ids}",
     &RequestRegistrations, Access::kPartner, false, kMessage},
    {bh::verb::get, "/api/v1/recipients/{client_id}/connections", &ListConnections,
     Access::kPartner, false, kMessage},
    {bh::verb::get, "/api/v1/recipients/{client_id}/providers/requests",
     &ListRecipientRegistrations, Access::kPartner, false, kMessage},
    // The partner's recipients.
    {bh::verb::get, "/api/v1/recipients", &ListRecipients, Access::kPartner, false, kMessage},
    {bh::verb::post, "/api/v1/recipients", &CreateRecipient, Access::kPartner, false, kMessage},
    {bh::verb::get, "/api/v1/recipients/{client_id}", &GetRecipient, Access::kPartner, true,
     kMessage},
    {bh::verb::put, "/api/v1/recipients/{client_id}", &UpdateRecipient, Access::kPartner, false,
     kMessage},
    {bh::verb::delete_, "/api/v1/recipients/{client_id}", &RetireRecipient, Access::kPartner, false,
     kMessage},
    {bh::verb::post, "/api/v1/recipients/{client_id}/secret", &RotateSecret, Access::kPartner,
     false, kMessage},
    {bh::verb::delete_, "/api/v1/recipients/{client_id}/secret/previous", &RevokePreviousSecret,
     Access::kPartner, false, kMessage},
};

// Every row of a template gives it the same error format.
constexpr bool ErrorFormatsAgree() {
  for (const auto& a : kRoutes) {
    for (const auto& b : kRoutes) {
      if (a.path == b.path && a.errors != b.errors) return false;
    }
  }
  return true;
}
static_assert(ErrorFormatsAgree(), "rows of one template disagree on its error format");

// The path of a request target: up to the query.
std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }
std::string_view PathOf(const Request& request) { return PathOf(request.target()); }

// True when `path` matches `pattern`; its {…} segments go to `params`.
bool Matches(std::string_view pattern, std::string_view path,
             std::array<std::string_view, 2>& params) {
  std::size_t next_param = 0;
  while (true) {
    if (pattern.empty() || path.empty()) return pattern.empty() && path.empty();
    if (pattern.front() != '/' || path.front() != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const std::string_view want = pattern.substr(0, pattern.find('/'));
    const std::string_view have = path.substr(0, path.find('/'));
    if (want.starts_with('{')) {
      if (have.empty() || next_param == params.size()) return false;
      params[next_param++] = have;
    } else if (want != have) {
      return false;
    }
    pattern.remove_prefix(want.size());
    path.remove_prefix(have.size());
  }
}

// The rows of the first template matching `path` (empty when none does), and its parameters.
std::span<const Route> Lookup(std::string_view path, std::array<std::string_view, 2>& params) {
  const std::span<const Route> all(kRoutes);
  for (std::size_t i = 0; i < all.size(); ++i) {
    params = {};
    if (!Matches(all[i].path, path, params)) continue;
    std::size_t end = i;
    while (end < all.size() && all[end].path == all[i].path) ++end;
    return all.subspan(i, end - i);
  }
  return {};
}

const Route* Find(std::span<const Route> rows, bh::verb method) {
  for (const auto& row : rows) {
    if (row.method == method) return &row;
  }
  return nullptr;
}

// The refusal of a valid token whose client may not call a route of `access`.
Error Refusal(Access access, const oauth::Principal& principal) {
  if (principal.IsConnection()) {
    return MakeError(ErrorCode::kInsufficientScope,
                     "A connection's token acts for a customer: call this endpoint with a token "
                     "of the client_credentials grant",
                     "connection token of " + principal.client_id + " on a client's route");
  }
  if (access == Access::kRecipient) {
    Error e = MakeError(ErrorCode::kInsufficientScope,
                        "This endpoint answers for a Data Recipient: call it with a token of the "
                        "Data Recipient",
                        "partner token of " + principal.client_id + " on a recipient's route");
    return e;
  }
  return MakeError(ErrorCode::kInsufficientScope,
                   "This endpoint requires a token with the client:admin scope",
                   "token of " + principal.client_id + " lacks client:admin");
}

// Reference §9.2's headers: the request's own ob-correlation-id when it is safe to repeat.
void AddFdxHeaders(Response& response, const Request& request, const RequestContext& context) {
  const auto correlation = request.find("ob-correlation-id");
  const bool own = correlation != request.end() && IsSafeRequestId(correlation->value());
  SetFdxHeaders(response, own ? std::string_view(correlation->value()) : context.request_id,
                context.trace_id.empty() ? context.request_id : context.trace_id);
}

}  // namespace

Routed Router::Handle(const Request& request, const RequestContext& context) const {
  const auto escaped = [&](std::string what) {
    const ErrorFormat format = ErrorFormatOf(request.target());
    Routed r = FormattedError(format, InternalError("unhandled exception" + what), "unknown");
    if (format == ErrorFormat::kFdx) AddFdxHeaders(r.response, request, context);
    return r;
  };
  try {
    return Dispatch(request, context);
  } catch (const std::exception& e) {
    return escaped(std::string(": ") + e.what());
  } catch (...) {
    return escaped("");
  }
}

ErrorFormat Router::ErrorFormatOf(std::string_view target) {
  std::array<std::string_view, 2> params;
  const auto rows = Lookup(PathOf(target), params);
  if (!rows.empty()) return rows.front().errors;
  // Every answer under the FDX prefix is an FDX one, also for a path without a route.
  return PathOf(target).starts_with(kFdxPrefix) ? ErrorFormat::kFdx : ErrorFormat::kMessage;
}

bool Router::WorthTryingInline(const Request& request) {
  std::array<std::string_view, 2> params;
  const Route* route = Find(Lookup(PathOf(request), params), request.method());
  return route != nullptr && route->inline_ok;
}

namespace {

// The answer of `rows` (a template's routes) to `request`.
Routed Serve(const Services& services, std::span<const Route> rows,
             const std::array<std::string_view, 2>& params, const Request& request,
             const RequestContext& context) {
  const Route* route = Find(rows, request.method());
  if (route == nullptr) {
    std::string allow;
    for (const auto& row : rows) {
      if (!allow.empty()) allow += ", ";
      allow += bh::to_string(row.method);
    }
    return MethodNotAllowed(allow, rows.front().path, rows.front().errors);
  }
  if (route->access == Access::kPublic) {
    return route->handler(services, {request, context, route->path, params, nullptr});
  }
  // Every other route needs an active bearer token, of a client of the kind it serves.
  auto token = BearerToken(request);
  if (!token) return FormattedError(route->errors, token.error(), route->path);
  auto principal = services.tokens.Authorize(*token);
  if (route->access == Access::kConnection) {
    // §3.3: a token that does not act for a customer is refused like an invalid one; a revoked
    // connection is §9.2's 602.
    if (principal && !principal->IsConnection()) {
      principal = MakeError(ErrorCode::kInvalidToken,
                            "the FDX data endpoints take the token of a customer's connection",
                            "client token of " + principal->client_id + " on an FDX route");
    }
    if (!principal) return FdxError(principal.error(), route->path);
    return route->handler(services, {request, context, route->path, params, &*principal});
  }
  // Here a revoked connection's token is refused like any invalid one (AdminError).
  if (!principal) return AdminError(principal.error(), route->path);
  // A connection's token acts for a customer: the recipient's own routes take its
  // client_credentials token.
  const bool allowed =
      !principal->IsConnection() && (route->access == Access::kPartnerOrRecipient ||
                                     (route->access == Access::kPartner) == principal->IsPartner());
  if (!allowed) {
    Routed refused = AdminError(Refusal(route->access, *principal), route->path);
    if (route->access == Access::kRecipient) {
      // No scope would help: the challenge names none (RFC 6750 §3).
      refused.response.set(bh::field::www_authenticate,
                           R"(Bearer realm="obauth", error="insufficient_scope")");
    }
    return refused;
  }
  return route->handler(services, {request, context, route->path, params, &*principal});
}

}  // namespace

Routed Router::Dispatch(const Request& request, const RequestContext& context) const {
  std::array<std::string_view, 2> params;
  const auto rows = Lookup(PathOf(request), params);
  if (rows.empty() && !PathOf(request).starts_with(kFdxPrefix)) return NotFound();
  if (rows.empty() || rows.front().errors == ErrorFormat::kFdx) {
    Routed routed = rows.empty() ? FdxError(MakeError(ErrorCode::kNotFound, "Not Found"), "unknown")
                                 : Serve(services_, rows, params, request, context);
    AddFdxHeaders(routed.response, request, context);
    return routed;
  }
  return Serve(services_, rows, params, request, context);
}

}  // namespace obauth::http
