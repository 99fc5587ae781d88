// The route handlers, one file per plane, and what they share. Internal to http/: the route
// table (routes.cpp) is their only caller. Each handler is a plain function from the services and
// one call to a response; thread-safe.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "admin/caller.hpp"
#include "core/error.hpp"
#include "fdx/data_service.hpp"
#include "http/router.hpp"
#include "oauth/principal.hpp"

namespace obauth::http {

// One request as a handler sees it.
struct Call {
  const Request& request;
  const RequestContext& context;
  std::string_view route;                  // the matched template
  std::array<std::string_view, 2> params;  // the path's {…} segments, in order
  const oauth::Principal* principal;       // set when the route requires a bearer token
};

using Handler = Routed (*)(const Services& services, const Call& call);

// Token and discovery (token_routes.cpp).
Routed IssueToken(const Services& services, const Call& call);
Routed IntrospectToken(const Services& services, const Call& call);
Routed RevokeToken(const Services& services, const Call& call);
Routed ServerMetadata(const Services& services, const Call& call);
Routed Jwks(const Services& services, const Call& call);

// The partner's recipients (recipient_routes.cpp).
Routed ListRecipients(const Services& services, const Call& call);
Routed CreateRecipient(const Services& services, const Call& call);
Routed GetRecipient(const Services& services, const Call& call);
Routed UpdateRecipient(const Services& services, const Call& call);
Routed RetireRecipient(const Services& services, const Call& call);
Routed RotateSecret(const Services& services, const Call& call);
Routed RevokePreviousSecret(const Services& services, const Call& call);

// Providers and registrations (provider_routes.cpp).
Routed ListProviders(const Services& services, const Call& call);
Routed ListProvidersV2(const Services& services, const Call& call);
Routed GetProvider(const Services& services, const Call& call);
Routed RequestRegistrations(const Services& services, const Call& call);
Routed ListRegistrations(const Services& services, const Call& call);
Routed ListRecipientRegistrations(const Services& services, const Call& call);

// The customer's pages and connections (consent_routes.cpp).
Routed Authorize(const Services& services, const Call& call);
Routed AuthorizeSignIn(const Services& services, const Call& call);
Routed AuthorizeDecision(const Services& services, const Call& call);
Routed AuthorizeCallback(const Services& services, const Call& call);
Routed ConnectedAppsPage(const Services& services, const Call& call);
Routed ConnectedAppsForm(const Services& services, const Call& call);
Routed Stylesheet(const Services& services, const Call& call);
Routed ListConnections(const Services& services, const Call& call);

// The customer's data, FDX 5 (fdx_routes.cpp): resource R for the connection of the call's
// token. Defined and explicitly instantiated for every fdx::Resource there.
template <fdx::Resource R>
Routed ServeFdx(const Services& services, const Call& call);

// Audit and operations (operations_routes.cpp).
Routed ListAuditEvents(const Services& services, const Call& call);
Routed Healthz(const Services& services, const Call& call);
Routed Readyz(const Services& services, const Call& call);
Routed RenderMetrics(const Services& services, const Call& call);
Routed ApiDescription(const Services& services, const Call& call);

// ---- Shared by the handlers (request_reading.cpp) ----

// The admin caller a partner principal makes, with the request's id and peer for the audit trail.
admin::Caller PartnerCaller(const Call& call);

// The address part of a peer "ADDRESS:PORT".
std::string SourceAddress(std::string_view peer);

// The media type of the body, lowercased, without parameters.
std::string MediaType(const Request& request);

// kUnsupportedMediaType unless the body is application/json.
[[nodiscard]] Result<void> RequireJsonBody(const Request& request);

// The bearer token from Authorization (RFC 6750 §2.1) or from flinks-auth-key, which the
// Flinks API description names (with or without the "Bearer " prefix); kMissingToken when there
// is none or Authorization has another scheme (the message says what to send instead),
// kInvalidToken when the two headers disagree.
[[nodiscard]] Result<std::string_view> BearerToken(const Request& request);

// The query string of the request's target (after '?'), empty when there is none.
std::string_view QueryString(const Request& request);

}  // namespace obauth::http
