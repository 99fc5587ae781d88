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
      return it->second.client;
    }
  }
  if (NonBlockingScope::Active()) return WouldBlock();
  auto found = inner_->FindClient(client_id);
  // Only existing clients are kept: an unknown id may be created by another process at any time.
  if (found) {
    std::lock_guard lock(mu_);
    if (generation != generation_) return found;  // a write may have raced this read
    if (cache_.size() >= max_entries_) cache_.clear();
    cache_.insert_or_assign(std::string(client_id), Entry{*found, now});
  }
  return found;
}

}  // namespace obauth::store
