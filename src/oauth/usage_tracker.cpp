#include "oauth/usage_tracker.hpp"

#include <algorithm>

namespace obauth::oauth {

void UsageTracker::Record(std::int64_t secret_id, std::string_view client_id, bool previous,
                          std::int64_t now) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = pending_.try_emplace(secret_id);
  auto& use = it->second;
  if (inserted) {
    use.secret_id = secret_id;
    use.client_id = std::string(client_id);
  }
  use.last_used_at = std::max(use.last_used_at, now);
  if (previous) ++use.previous_authentications;
}

std::vector<store::SecretUse> UsageTracker::Drain() {
  std::unordered_map<std::int64_t, store::SecretUse> taken;
  {
    std::lock_guard lock(mu_);
    taken.swap(pending_);
  }
  std::vector<store::SecretUse> out;
  out.reserve(taken.size());
  for (auto& [id, use] : taken) out.push_back(std::move(use));
  return out;
}

}  // namespace obauth::oauth
