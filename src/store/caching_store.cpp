#include "store/caching_store.hpp"

#include <algorithm>

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

namespace {
Error UnknownClient() { return MakeError(ErrorCode::kNotFound, "Client not found"); }
}  // namespace

Result<ClientCredentials> CachingStore::FindClient(std::string_view client_id) {
  if (client_id.size() > kMaxClientIdBytes) return UnknownClient();
  std::uint64_t generation;
  {
    std::lock_guard lock(mu_);
    generation = generation_;
    const std::string key(client_id);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    if (unknown_.contains(key)) return UnknownClient();
  }
  if (NonBlockingScope::Active()) return WouldBlock();
  auto found = database_.FindClient(client_id);
  if (found) {
    Keep(cache_, client_id, *found, generation);
  } else if (found.error().code == ErrorCode::kNotFound) {
    // As safe as keeping a known client: a client created here drops the entry (Dropping), one
    // created by another process is noticed by the poll, which forgets everything.
    std::lock_guard lock(mu_);
    if (generation == generation_) {
      if (unknown_.size() >= max_entries_) unknown_.clear();
      unknown_.emplace(client_id);
    }
  }
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

Result<Redemption> CachingStore::RedeemCode(std::string_view code_id, std::string_view code_hash,
                                            const Connection& connection,
                                            const std::string& refresh_hash, std::int64_t now,
                                            std::int64_t marker_expires_at, const AuditEvent& audit,
                                            const AuditEvent& reuse_audit) {
  auto result = database_.RedeemCode(code_id, code_hash, connection, refresh_hash, now,
                                     marker_expires_at, audit, reuse_audit);
  // A plain first exchange lists no marker: the recipient's cached tokens stay as they are.
  if (result && !result->revoked_connection_id && result->superseded_connection_ids.empty()) {
    return result;
  }
  ForgetConnections();
  return Dropping(connection.consent.client_id, std::move(result));
}

Result<Connection> CachingStore::FindConnectionByRefresh(std::string_view connection_id,
                                                         std::string_view refresh_hash) {
  std::uint64_t generation;
  {
    std::lock_guard lock(mu_);
    generation = generation_;
    auto it = connections_.find(std::string(connection_id));
    if (it != connections_.end() && !it->second.refresh_hash.empty()) {
      // A keyed hash, compared as the database compares it.
      if (it->second.refresh_hash != refresh_hash) {
        return MakeError(ErrorCode::kNotFound, "Connection not found");
      }
      return it->second.connection;
    }
  }
  if (NonBlockingScope::Active()) return WouldBlock();
  auto found = database_.FindConnectionByRefresh(connection_id, refresh_hash);
  if (found) {
    Keep(connections_, connection_id, RefreshableConnection{*found, std::string(refresh_hash)},
         generation);
  }
  return found;
}

Result<Connection> CachingStore::GetConnection(std::string_view connection_id) {
  std::uint64_t generation;
  {
    std::lock_guard lock(mu_);
    generation = generation_;
    if (auto it = connections_.find(std::string(connection_id)); it != connections_.end()) {
      return it->second.connection;
    }
  }
  if (NonBlockingScope::Active()) return WouldBlock();
  auto found = database_.GetConnection(connection_id);
  if (found) Keep(connections_, connection_id, RefreshableConnection{*found, {}}, generation);
  return found;
}

Result<void> CachingStore::TouchConnections(const std::vector<ConnectionUse>& uses) {
  auto result = database_.TouchConnections(uses);
  if (!result) return result;
  std::lock_guard lock(mu_);
  for (const auto& use : uses) {
    if (auto it = connections_.find(use.connection_id); it != connections_.end()) {
      auto& connection = it->second.connection;
      connection.last_used_at = std::max(connection.last_used_at, use.at);
    }
  }
  return result;
}

void CachingStore::ForgetConnections() {
  std::lock_guard lock(mu_);
  connections_.clear();
  ++generation_;
}

Result<bool> CachingStore::RevokeConnection(std::string_view connection_id, std::int64_t now,
                                            std::int64_t marker_expires_at,
                                            const AuditEvent& audit) {
  auto found = database_.GetConnection(connection_id);
  if (!found) return found.error();  // kNotFound as the database would answer, or its failure
  auto revoked = database_.RevokeConnection(connection_id, now, marker_expires_at, audit);
  // After the write: a read racing it is not kept (the generation moves), and none made before
  // it stays.
  if (!NotTried(revoked)) ForgetConnections();
  return Dropping(found->consent.client_id, std::move(revoked));
}

Result<void> CachingStore::SetUpstream(std::string_view connection_id,
                                       const std::optional<std::string>& upstream) {
  auto result = database_.SetUpstream(connection_id, upstream);
  if (NotTried(result)) return result;
  // After the write, as in RevokeConnection: a read racing it is not kept.
  std::lock_guard lock(mu_);
  connections_.erase(std::string(connection_id));
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
