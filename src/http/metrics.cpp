#include "http/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace obauth::http {
namespace {

// One labelled counter family: HELP, TYPE, then a sample per value of enum E.
template <class E, class Get>
void AppendCounters(std::string& out, std::string_view name, std::string_view help,
                    std::string_view label, Get&& get) {
  out += fmt::format("# HELP {} {}\n# TYPE {} counter\n", name, help, name);
  for (std::size_t i = 0; i < kCountOf<E>; ++i) {
    const auto value = static_cast<E>(i);
    out +=
        fmt::format("{}{{{}=\"{}\"}} {}\n", name, label, DomainMetrics::Label(value), get(value));
  }
}

void AppendDomain(std::string& out, const DomainMetrics& m) {
  using M = DomainMetrics;
  AppendCounters<M::ClientKind>(out, "obauth_tokens_issued_total",
                                "Access tokens issued, by the kind of client.", "client_kind",
                                [&](M::ClientKind k) { return m.tokens_issued(k); });
  AppendCounters<M::AuthFailure>(
      out, "obauth_client_authentication_failures_total",
      "Failed client authentications (token, introspection, revocation), by reason.", "reason",
      [&](M::AuthFailure r) { return m.auth_failures(r); });
  out += fmt::format(
      "# HELP obauth_previous_secret_authentications_total Client authentications with a "
      "previous secret in its grace period.\n"
      "# TYPE obauth_previous_secret_authentications_total counter\n"
      "obauth_previous_secret_authentications_total {}\n"
      "# HELP obauth_secret_rotations_total Recipient secrets regenerated.\n"
      "# TYPE obauth_secret_rotations_total counter\n"
      "obauth_secret_rotations_total {}\n",
      m.previous_secret_authentications(), m.secret_rotations());
  out +=
      "# HELP obauth_db_call_duration_seconds Database calls (a read, or a write transaction "
      "until committed), by operation.\n"
      "# TYPE obauth_db_call_duration_seconds histogram\n";
  for (std::size_t i = 0; i < kCountOf<M::DbOperation>; ++i) {
    const auto operation = static_cast<M::DbOperation>(i);
    const LatencyHistogram& h = m.db_latency(operation);
    const std::string_view label = M::Label(operation);
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < LatencyHistogram::kBuckets.size(); ++b) {
      cumulative += h.bucket(b);
      out +=
          fmt::format("obauth_db_call_duration_seconds_bucket{{operation=\"{}\",le=\"{}\"}} {}\n",
                      label, LatencyHistogram::kBuckets[b], cumulative);
    }
    // A call recorded while these were read may be in a bucket but not yet in the count.
    const std::uint64_t count = std::max(h.count(), cumulative);
    out += fmt::format(
        "obauth_db_call_duration_seconds_bucket{{operation=\"{}\",le=\"+Inf\"}} {}\n"
        "obauth_db_call_duration_seconds_sum{{operation=\"{}\"}} {}\n"
        "obauth_db_call_duration_seconds_count{{operation=\"{}\"}} {}\n",
        label, count, label, h.sum_seconds(), label, count);
  }
  AppendCounters<M::DbError>(out, "obauth_db_errors_total",
                             "Database calls that failed: unavailable (503) or internal.", "kind",
                             [&](M::DbError e) { return m.db_errors(e); });
}

}  // namespace

void Metrics::RecordRequest(std::string_view route, int status, double seconds) {
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds) - kBuckets.begin());
  std::lock_guard lock(mu_);
  auto it = routes_.find(route);
  if (it == routes_.end()) it = routes_.emplace(std::string(route), Route{}).first;
  Route& r = it->second;
  ++r.by_status[status];
  if (bucket < r.buckets.size()) ++r.buckets[bucket];
  ++r.count;
  r.sum += seconds;
}

std::string Metrics::Render() const {
  std::string out;
  out +=
      "# HELP obauth_http_requests_total HTTP requests answered, by route template and status.\n"
      "# TYPE obauth_http_requests_total counter\n";
  std::string histogram =
      "# HELP obauth_http_request_duration_seconds Time from a request's first byte to its "
      "answer.\n"
      "# TYPE obauth_http_request_duration_seconds histogram\n";
  {
    std::lock_guard lock(mu_);
    for (const auto& [route, r] : routes_) {
      // Route templates hold no quote, backslash or newline; they are written as they are.
      for (const auto& [status, n] : r.by_status) {
        out += fmt::format("obauth_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", route,
                           status, n);
      }
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        cumulative += r.buckets[i];
        histogram += fmt::format(
            "obauth_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", route,
            kBuckets[i], cumulative);
      }
      histogram += fmt::format(
          "obauth_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n"
          "obauth_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n"
          "obauth_http_request_duration_seconds_count{{route=\"{}\"}} {}\n",
          route, r.count, route, r.sum, route, r.count);
    }
  }
  out += histogram;
  out += fmt::format(
      "# HELP obauth_http_open_connections Connections open now.\n"
      "# TYPE obauth_http_open_connections gauge\n"
      "obauth_http_open_connections {}\n"
      "# HELP obauth_http_refused_connections_total Connections refused over --max-connections.\n"
      "# TYPE obauth_http_refused_connections_total counter\n"
      "obauth_http_refused_connections_total {}\n",
      open_.load(std::memory_order_relaxed), refused_.load(std::memory_order_relaxed));
  AppendDomain(out, domain_);
  return out;
}

}  // namespace obauth::http
