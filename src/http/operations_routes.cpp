// Audit and operations: the partner's audit trail, health and readiness probes, Prometheus
// metrics and the embedded API description.
#include <boost/beast/http/field.hpp>
#include <cstdint>
#include <optional>
#include <set>

#include "http/form.hpp"
#include "http/handlers.hpp"
#include "http/json_codec.hpp"
#include "http/openapi_document.hpp"

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
  AuditQuery q;
  auto params = ParseForm(query);
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
  std::set<std::string> seen;
  for (const auto& [name, value] : *params) {
    if (name != "client_id" && name != "limit" && name != "after") {
      return MakeError(ErrorCode::kValidation,
                       "Unknown query parameter: this list takes client_id, limit, after");
    }
    if (!seen.insert(name).second) {
      return MakeError(ErrorCode::kValidation, "Query parameter '" + name + "' given twice");
    }
    if (name == "client_id") {
      if (!value.empty()) q.client_id = value;
    } else if (name == "limit") {
      auto v = number(value, 200);
      if (!v) {
        return MakeError(ErrorCode::kValidation,
                         "Invalid parameter 'limit': must be from 1 to 200");
      }
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
