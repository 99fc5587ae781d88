#include "fdx/rate_limit.hpp"

namespace obauth::fdx {

std::int64_t ConnectionRateLimiter::Admit(std::string_view connection_id, std::int64_t now) {
  if (limit_ <= 0) return 0;
  const std::int64_t start = now - now % window_;
  std::lock_guard lock(mu_);
  auto it = windows_.find(std::string(connection_id));
  if (it == windows_.end()) {
    if (windows_.size() >= max_keys_) windows_.clear();
    it = windows_.emplace(std::string(connection_id), Window{start, 0}).first;
  }
  Window& w = it->second;
  if (w.start != start) w = {start, 0};
  if (w.count >= limit_) return start + window_ - now;
  ++w.count;
  return 0;
}

}  // namespace obauth::fdx
