#include "oauth/auth_failure_limiter.hpp"

#include <algorithm>
#include <iterator>

namespace obauth::oauth {

std::string AuthFailureLimiter::PairKey(std::string_view client_id, std::string_view address) {
  std::string key(address);
  key += '\n';  // neither an address nor a client id holds one
  key += client_id;
  return key;
}

std::int64_t AuthFailureLimiter::Wait(Failures& failures, int limit, std::int64_t now) const {
  while (!failures.empty() && failures.front() <= now - limits_.window_seconds) {
    failures.pop_front();
  }
  if (static_cast<int>(failures.size()) < limit) return 0;
  // The window admits another attempt when enough of the oldest failures have left it.
  const auto freeing = failures[failures.size() - static_cast<std::size_t>(limit)];
  return std::max<std::int64_t>(1, freeing + limits_.window_seconds - now);
}

bool AuthFailureLimiter::Add(Counters& counters, const std::string& key, int limit,
                             std::int64_t now) {
  if (counters.size() >= max_keys_ && counters.find(key) == counters.end()) {
    // Full: forget counters with nothing left in the window, or else all of them.
    for (auto it = counters.begin(); it != counters.end();) {
      it = Wait(it->second, 1, now) == 0 ? counters.erase(it) : std::next(it);
    }
    if (counters.size() >= max_keys_) counters.clear();
  }
  Failures& failures = counters[key];
  Wait(failures, limit, now);
  failures.push_back(now);
  // Only `limit` entries matter for the answer; keep no more.
  while (static_cast<int>(failures.size()) > limit) failures.pop_front();
  return static_cast<int>(failures.size()) == limit;
}

std::int64_t AuthFailureLimiter::RetryAfter(std::string_view client_id, std::string_view address,
                                            std::int64_t now) {
  std::lock_guard lock(mu_);
  std::int64_t wait = 0;
  if (auto it = pairs_.find(PairKey(client_id, address)); it != pairs_.end()) {
    wait = Wait(it->second, limits_.per_client_and_address, now);
  }
  if (auto it = addresses_.find(std::string(address)); it != addresses_.end()) {
    wait = std::max(wait, Wait(it->second, limits_.per_address, now));
  }
  return wait;
}

bool AuthFailureLimiter::RecordFailure(std::string_view client_id, std::string_view address,
                                       std::int64_t now) {
  std::lock_guard lock(mu_);
  const bool pair_full =
      Add(pairs_, PairKey(client_id, address), limits_.per_client_and_address, now);
  const bool address_full = Add(addresses_, std::string(address), limits_.per_address, now);
  return pair_full || address_full;
}

void AuthFailureLimiter::RecordSuccess(std::string_view client_id, std::string_view address) {
  std::lock_guard lock(mu_);
  pairs_.erase(PairKey(client_id, address));
}

}  // namespace obauth::oauth
