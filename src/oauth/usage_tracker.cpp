#include "oauth/usage_tracker.hpp"

#include <algorithm>

namespace obauth::oauth {
namespace {

// Forgetting what was handed out only costs extra writes; it bounds the memory at about 5 MiB.
constexpr std::size_t kMaxRemembered = 100000;

}  // namespace

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

std::vector<store::SecretUse> UsageTracker::Drain() { return Take(false); }

std::vector<store::SecretUse> UsageTracker::DrainAll() { return Take(true); }

std::vector<store::SecretUse> UsageTracker::Take(bool everything) {
  std::vector<store::SecretUse> out;
  std::lock_guard lock(mu_);
  if (handed_out_.size() > kMaxRemembered) handed_out_.clear();
  for (auto it = pending_.begin(); it != pending_.end();) {
    auto& use = it->second;
    auto [last, first] = handed_out_.try_emplace(use.secret_id, use.last_used_at);
    const bool due = everything || first || use.previous_authentications > 0 ||
                     use.last_used_at >= last->second + resolution_seconds_;
    if (!due) {
      ++it;
      continue;
    }
    last->second = use.last_used_at;
    out.push_back(std::move(use));
    it = pending_.erase(it);
  }
  return out;
}

}  // namespace obauth::oauth
