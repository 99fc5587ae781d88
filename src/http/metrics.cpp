#include "http/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace obauth::http {

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
  return out;
}

}  // namespace obauth::http
