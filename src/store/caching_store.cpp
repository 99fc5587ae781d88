#include "store/caching_store.hpp"

namespace obauth::store {

thread_local bool NonBlockingScope::active_ = false;

Result<ClientCredentials> CachingStore::FindClient(std::string_view client_id) {
  const auto now = Clock::now();
  std::uint64_t generation;
  {
    std::lock_guard lock(mu_);
    generation = generation_;
    if (auto it = cache_.find(std::string(client_id));
        it != cache_.end() && now - it->second.fetched < ttl_) {
      return it->second.value;
    }
  }
  if (NonBlockingScope::Active()) return WouldBlock();
  auto found = inner_->FindClient(client_id);
  // Only existing clients are kept: an unknown id may be created by another process at any time.
  if (found) Keep(cache_, client_id, *found, now, generation);
  return found;
}

Result<Recipient> CachingStore::GetRecipient(std::string_view partner_id,
                                             std::string_view client_id, std::int64_t now) {
  const auto fetched = Clock::now();
  if (NonBlockingScope::Active()) {
    std::lock_guard lock(mu_);
    auto it = recipients_.find(std::string(client_id));
    if (it == recipients_.end()) return WouldBlock();
    const Recipient& cached = it->second.value;
    const auto& grace_end = cached.secrets.previous_expires_at;
    // Another partner's id, or a stale copy: the database gives the answer.
    if (cached.partner_id != partner_id || fetched - it->second.fetched >= ttl_ ||
        (grace_end && *grace_end <= now)) {
      return WouldBlock();
    }
    return cached;
  }
  std::uint64_t generation;
  {
    std::lock_guard lock(mu_);
    generation = generation_;
  }
  auto found = inner_->GetRecipient(partner_id, client_id, now);
  if (found) Keep(recipients_, client_id, *found, fetched, generation);
  return found;
}

Result<void> CachingStore::RecordSecretUse(const std::vector<SecretUse>& uses) {
  if (NonBlockingScope::Active()) return WouldBlock();
  auto result = inner_->RecordSecretUse(uses);
  // Last-used times and previous-secret counts are part of a recipient's secret status.
  std::lock_guard lock(mu_);
  for (const auto& use : uses) recipients_.erase(use.client_id);
  ++generation_;
  return result;
}

}  // namespace obauth::store
