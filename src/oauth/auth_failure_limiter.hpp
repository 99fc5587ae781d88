// AuthFailureLimiter: brute-force protection for client authentication. Failed authentications
// are counted in a sliding window per (client id, source address) and per source address; while
// either count is at its limit, further attempts from that address for that client (or, for
// the address limit, for any client) are refused before any secret is checked. A client
// authenticating from another address is not affected by failures elsewhere. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace obauth::oauth {

struct AuthFailureLimits {
  int per_client_and_address = 20;  // failures in the window before 429
  int per_address = 100;            // failures for any clients from one address
  std::int64_t window_seconds = 60;
};

class AuthFailureLimiter {
 public:
  // At most `max_keys` counters of each kind are kept; past that, the oldest are forgotten
  // (which only makes the limit more lenient, never locks anybody out).
  explicit AuthFailureLimiter(AuthFailureLimits limits, std::size_t max_keys = 100000)
      : limits_(limits), max_keys_(max_keys) {}

  // Seconds until `client_id` may try again from `address` at `now`; 0 when it may now.
  std::int64_t RetryAfter(std::string_view client_id, std::string_view address, std::int64_t now);
  // Counts a failed authentication. True when it reached a limit (for the log: an attempt
  // from then on is refused).
  bool RecordFailure(std::string_view client_id, std::string_view address, std::int64_t now);
  // Forgets the failures of (client_id, address): the client proved it holds the secret.
  void RecordSuccess(std::string_view client_id, std::string_view address);

  const AuthFailureLimits& limits() const { return limits_; }

 private:
  using Failures = std::deque<std::int64_t>;  // times of failures in the window, oldest first
  using Counters = std::unordered_map<std::string, Failures>;

  static std::string PairKey(std::string_view client_id, std::string_view address);
  // Seconds until `failures` drops below `limit` (0 if it is below); drops expired entries.
  std::int64_t Wait(Failures& failures, int limit, std::int64_t now) const;
  // Adds a failure at `now` to `counters[key]`; true when that reached `limit`.
  bool Add(Counters& counters, const std::string& key, int limit, std::int64_t now);

  const AuthFailureLimits limits_;
  const std::size_t max_keys_;
  std::mutex mu_;
  Counters pairs_;
  Counters addresses_;
};

}  // namespace obauth::oauth
