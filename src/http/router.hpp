// Router: maps a parsed HTTP request to a response through one route table (kRoutes in router.cpp)
// and plain handler functions, one file per plane, with no socket, so every route is testable and
// benchmarkable in-process. Thread-safe (const, stateless but for the services it calls).
#pragma once

#include <string_view>

#include "admin/idempotency.hpp"
#include "admin/recipient_service.hpp"
#include "admin/registration_service.hpp"
#include "consent/authorize_service.hpp"
#include "fdx/data_service.hpp"
#include "http/metrics.hpp"
#include "http/responses.hpp"
#include "oauth/token_service.hpp"
#include "store/setting_store.hpp"

namespace obauth::http {

struct Services {
  const oauth::TokenService& tokens;
  const admin::RecipientService& recipients;
  const admin::RegistrationService& registrations;  // the catalogue and registrations
  admin::Idempotency& idempotency;                  // Idempotency-Key replays
  store::SettingStore& readiness;                   // GET /readyz reads a setting from it
  admin::RotateOptions rotate_defaults;             // when a rotation has no body
  const Metrics* metrics = nullptr;                 // GET /metrics renders it; 404 without
  // The customer's flow (GET /api/v1/authorize and its pages); 404 without.
  const consent::AuthorizeService* authorize = nullptr;
  // A recipient's connections for its partner; 404 without.
  store::ConnectionStore* connections = nullptr;
  // The customer's data (GET /api/fdx/5/...); 404 without.
  const fdx::DataService* fdx = nullptr;
};

// Where a request came from, for the audit trail.
struct RequestContext {
  std::string_view request_id;  // the client's own X-Request-Id when safe, else trace_id
  std::string_view peer;
  std::string_view trace_id = {};  // the server's id of the request (the log's id=); "" in tests
};

class Router {
 public:
  explicit Router(Services services) : services_(services) {}

  // Never throws: an unexpected exception becomes a generic 500.
  Routed Handle(const Request& request, const RequestContext& context) const;

  // True for the routes the table marks as usually answered from memory (the token and
  // introspection endpoints, GET /api/v1/recipients/{client_id}, the published documents):
  // worth trying inline on an I/O thread under store::NonBlockingScope before a worker.
  static bool WorthTryingInline(const Request& request);

  // How errors are written on the path of `target` (a request target, the query ignored): the
  // route table's format for the path's template, or the admin API's {"message"} for a path
  // without a route. The session uses it for the requests it refuses to read (413, 431, 400)
  // once their target is known.
  static ErrorFormat ErrorFormatOf(std::string_view target);

 private:
  Routed Dispatch(const Request& request, const RequestContext& context) const;
  Services services_;
};

}  // namespace obauth::http
