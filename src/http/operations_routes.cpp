// Audit and operations: the partner's audit trail, health and readiness probes, Prometheus
// metrics and the embedded API description.
#include <boost/beast/http/field.hpp>
#include <cstdint>
#include <optional>

#include "http/handlers.hpp"
#include "http/json_codec.hpp"
#include "http/openapi_document.hpp"
#include "http/paging.hpp"

namespace obauth::http {
namespace bh = boost::beast::http;
namespace {

struct AuditQuery {
  std::optional<std::string> client_id;
  std::optional<std::int64_t> after;
  int limit = 50;
};

// ?client_id=&limit=&after= of GET /api/v1/audit; any other parameter, or one given twice, is
// refused like those of every list.
Result<AuditQuery> ParseAuditQuery(std::string_view query) {
  static constexpr std::string_view kAllowed[] = {"client_id", "limit", "after"};
  OBAUTH_TRY(params, ReadQueryParameters(query, kAllowed));
  AuditQuery q;
  if (auto it = params.find("client_id"); it != params.end() && !it->second.empty()) {
    q.client_id = it->second;
  }
  if (auto it = params.find("limit"); it != params.end()) {
    const auto v = ParseCount(it->second, 200);
    if (!v)
      return MakeError(ErrorCode::kValidation, "Invalid parameter 'limit': must be from 1 to 200");
    q.limit = static_cast<int>(*v);
  }
  if (auto it = params.find("after"); it != params.end()) {
    q.after = ParseCount(it->second, INT64_MAX / 10);
    if (!q.after) {
      return MakeError(ErrorCode::kValidation,
                       "Invalid parameter 'after': must be the 'next' value of a previous page");
    }
  }
  return q;
}

}  // namespace

Routed ListAuditEvents(const Services& services, const Call& call) {
  const auto caller = PartnerCaller(call);
  auto query = ParseAuditQuery(QueryString(call.request));
  if (!query) return AdminError(query.error(), call.route);
  auto events = services.recipients.Audit(caller, query->client_id, query->after, query->limit);
  if (!events) return AdminError(events.error(), call.route);
  std::optional<std::int64_t> next;
  if (static_cast<int>(events->size()) == query->limit) next = events->back().id;
  return Ok(call.route, EncodeAuditPage(*events, next), "partner " + caller.partner_id);
}

Routed Healthz(const Services&, const Call& call) {
  return Ok(call.route, R"({"status":"ok"})", {});
}

Routed Readyz(const Services& services, const Call& call) {
  // Any read that must reach the database: the signing keys setting is always there. Never
  // tried inline (the route table), so this read reaches the database.
  auto probe = services.readiness.GetSetting("signing_keys");
  if (!probe) {
    Routed r = Plain(bh::status::service_unavailable, "Database unavailable", call.route);
    r.note = probe.error().internal;
    return r;
  }
  return Ok(call.route, R"({"status":"ready"})", {});
}

Routed RenderMetrics(const Services& services, const Call& call) {
  if (services.metrics == nullptr) return NotFound();
  Response res{bh::status::ok, 11};
  res.set(bh::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  res.set(bh::field::cache_control, "no-store");
  res.body() = services.metrics->Render();
  return {std::move(res), call.route, {}};
}

Routed ApiDescription(const Services&, const Call& call) {
  Response res{bh::status::ok, 11};
  res.set(bh::field::content_type, "application/yaml");  // RFC 9512
  res.set(bh::field::cache_control, "public, max-age=300");
  Routed routed{std::move(res), call.route, {}};
  routed.constant_body = OpenApiDocument();  // 56 KB: never copied per request
  return routed;
}

}  // namespace obauth::http
