// Metrics: what the HTTP edge counts, and what the libraries count (DomainMetrics), rendered
// in the Prometheus text exposition format (version 0.0.4) for GET /metrics. Labels come from
// bounded sets only (route templates, status codes, closed enums), never from client input.
// Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "core/metrics.hpp"

namespace obauth::http {

class Metrics {
 public:
  // Upper bounds of the request duration histogram, in seconds.
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1,    2.5};

  // One answered request: its route template (or "unknown"), status and duration.
  void RecordRequest(std::string_view route, int status, double seconds);
  void ConnectionOpened() { open_.fetch_add(1, std::memory_order_relaxed); }
  void ConnectionClosed() { open_.fetch_sub(1, std::memory_order_relaxed); }
  // A connection answered 503 at accept because of --max-connections.
  void ConnectionRefused() { refused_.fetch_add(1, std::memory_order_relaxed); }

  // Where the token service, the recipient service and the store count.
  DomainMetrics& domain() { return domain_; }

  // Every metric, with HELP and TYPE lines.
  std::string Render() const;

 private:
  struct Route {
    std::map<int, std::uint64_t> by_status;
    std::array<std::uint64_t, kBuckets.size()> buckets{};  // per bucket, not cumulative
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, Route, std::less<>> routes_;
  std::atomic<std::int64_t> open_{0};
  std::atomic<std::uint64_t> refused_{0};
  DomainMetrics domain_;
};

}  // namespace obauth::http
