#include "store/caching_store.hpp"

namespace obauth::store {

CachingStore::CachingStore(Database& database, Clock::duration poll_interval,
                           std::size_t max_entries)
    : database_(database), max_entries_(max_entries) {
  PollForeignChanges();
  poller_ = std::thread([this, poll_interval] { PollUntilStopped(poll_interval); });
}

CachingStore::~CachingStore() {
  {
    std::lock_guard lock(poll_mu_);
    stopping_ = true;
  }
  stop_polling_.notify_one();
  poller_.join();
}

void CachingStore::PollUntilStopped(Clock::duration interval) {
  std::unique_lock lock(poll_mu_);
  while (!stop_polling_.wait_for(lock, interval, [&] { return stopping_; })) {
    lock.unlock();
    PollForeignChanges();
    lock.lock();
  }
}

void CachingStore::PollForeignChanges() {
  auto version = database_.ForeignChangeVersion();
  std::lock_guard lock(mu_);
  const std::optional<std::uint64_t> now =
      version ? std::optional<std::uint64_t>(*version) : std::nullopt;
  // An unreadable version may hide a change: forget everything then too.
  if (now && now == foreign_version_) return;
  foreign_version_ = now;
  ForgetAllLocked();
}

Result<ClientCredentials> CachingStore::FindClient(std::string_view client_id) {
  std::uint64_t generation;
  {
    std::lock_guard lock(mu_);
    generation = generation_;
    if (auto it = cache_.find(std::string(client_id)); it != cache_.end()) return it->second;
  }
  if (NonBlockingScope::Active()) return WouldBlock();
  auto found = database_.FindClient(client_id);
  // Only existing clients are kept: an unknown id may be created by another process at any time.
  if (found) Keep(cache_, client_id, *found, generation);
  return found;
}

Result<Recipient> CachingStore::GetRecipient(std::string_view partner_id,
                                             std::string_view client_id, std::int64_t now) {
  if (NonBlockingScope::Active()) {
    std::lock_guard lock(mu_);
    auto it = recipients_.find(std::string(client_id));
    if (it == recipients_.end()) return WouldBlock();
    const Recipient& cached = it->second;
    const auto& grace_end = cached.secrets.previous_expires_at;
    // Another partner's id, or a copy whose grace period has ended: the database gives the answer.
    if (cached.partner_id != partner_id || (grace_end && *grace_end <= now)) return WouldBlock();
    return cached;
  }
  const std::uint64_t generation = Generation();
  auto found = database_.GetRecipient(partner_id, client_id, now);
  if (found) Keep(recipients_, client_id, *found, generation);
  return found;
}

Result<void> CachingStore::RecordSecretUse(const std::vector<SecretUse>& uses) {
  auto result = database_.RecordSecretUse(uses);
  if (NotTried(result)) return result;
  // Last-used times and previous-secret counts are part of a recipient's secret status.
  std::lock_guard lock(mu_);
  for (const auto& use : uses) recipients_.erase(use.client_id);
  ++generation_;
  return result;
}

Result<std::int64_t> CachingStore::PurgeRevokedTokens(std::int64_t cutoff) {
  auto purged = database_.PurgeRevokedTokens(cutoff);
  if (NotTried(purged)) return purged;
  // Cached clients list the purged ids (harmless: their tokens have expired); forget them all
  // so memory follows the database.
  if (!purged || *purged > 0) {
    std::lock_guard lock(mu_);
    ForgetAllLocked();
  }
  return purged;
}

}  // namespace obauth::store
