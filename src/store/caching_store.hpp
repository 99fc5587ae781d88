// CachingStore: a Store decorator that answers FindClient from memory after the first read, so
// the token endpoint and bearer checks need no database read on the hot path, and GetRecipient
// likewise — but only for reads under a NonBlockingScope (the read-only
// GET /api/v1/recipients/{id} tried on an I/O thread): every other GetRecipient, such as the read
// before an update, goes to the database, so a read-modify-write never starts from a copy.
// A write made through this object drops the affected client and recipient at once. A change
// made by anyone else (the command line, another instance) is noticed by a thread that polls
// the inner store's ForeignChangeVersion every `poll_interval` and then forgets everything. A
// cached recipient whose previous secret's grace ends is dropped at that second. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

#include "store/store.hpp"

namespace obauth::store {

// While one lives on a thread, CachingStore answers only from memory on that thread: anything
// that would reach the database fails with kWouldBlock instead. I/O threads use it to try a
// request inline and hand it to a worker only when it needs the database.
class NonBlockingScope {
 public:
  NonBlockingScope() : previous_(active_) { active_ = true; }
  ~NonBlockingScope() { active_ = previous_; }
  NonBlockingScope(const NonBlockingScope&) = delete;
  NonBlockingScope& operator=(const NonBlockingScope&) = delete;
  static bool Active() { return active_; }

 private:
  bool previous_;
  static thread_local bool active_;
};

class CachingStore final : public Store {
 public:
  using Clock = std::chrono::steady_clock;

  // `inner` does the work; at most `max_entries` clients and as many recipients are kept (a cache
  // is cleared when full, which only costs reads). Foreign writes are looked for every
  // `poll_interval`.
  CachingStore(std::unique_ptr<Store> inner, Clock::duration poll_interval,
               std::size_t max_entries);
  ~CachingStore() override;

  // Looks for foreign writes now, as the polling thread does: forgets everything cached when the
  // inner store's ForeignChangeVersion moved or cannot be read.
  void PollForeignChanges();

  Result<void> CreatePartner(const Partner& partner, const std::string& secret_hash,
                             const AuditEvent& audit) override {
    if (NonBlockingScope::Active()) return WouldBlock();
    return Dropping(partner.client_id, inner_->CreatePartner(partner, secret_hash, audit));
  }
  Result<ClientCredentials> FindClient(std::string_view client_id) override;
  Result<void> CreateRecipient(const Recipient& recipient, const std::string& secret_hash,
                               const Replay* replay, const AuditEvent& audit) override {
    if (NonBlockingScope::Active()) return WouldBlock();
    return Dropping(recipient.client_id,
                    inner_->CreateRecipient(recipient, secret_hash, replay, audit));
  }
  Result<std::vector<Recipient>> ListRecipients(std::string_view partner_id) override {
    if (NonBlockingScope::Active()) return WouldBlock();
    return inner_->ListRecipients(partner_id);
  }
  Result<Recipient> GetRecipient(std::string_view partner_id, std::string_view client_id,
                                 std::int64_t now) override;
  Result<void> UpdateRecipient(const Recipient& recipient, const AuditEvent& audit) override {
    if (NonBlockingScope::Active()) return WouldBlock();
    return Dropping(recipient.client_id, inner_->UpdateRecipient(recipient, audit));
  }
  Result<std::optional<std::int64_t>> RotateSecret(const RotateSecretRequest& request,
                                                   const Replay* replay,
                                                   const AuditEvent& audit) override {
    if (NonBlockingScope::Active()) return WouldBlock();
    return Dropping(request.client_id, inner_->RotateSecret(request, replay, audit));
  }
  Result<bool> RevokePreviousSecret(std::string_view partner_id, std::string_view client_id,
                                    std::int64_t now, const AuditEvent& audit) override {
    if (NonBlockingScope::Active()) return WouldBlock();
    return Dropping(client_id, inner_->RevokePreviousSecret(partner_id, client_id, now, audit));
  }
  Result<void> RetireRecipient(std::string_view partner_id, std::string_view client_id,
                               std::int64_t now, const AuditEvent& audit) override {
    if (NonBlockingScope::Active()) return WouldBlock();
    return Dropping(client_id, inner_->RetireRecipient(partner_id, client_id, now, audit));
  }
  Result<void> RecordSecretUse(const std::vector<SecretUse>& uses) override;
  Result<std::vector<AuditEvent>> ListAuditEvents(const AuditQuery& query) override {
    if (NonBlockingScope::Active()) return WouldBlock();
    return inner_->ListAuditEvents(query);
  }
  Result<std::optional<Replay>> FindReplay(std::string_view partner_id, std::string_view key,
                                           std::int64_t not_before) override {
    if (NonBlockingScope::Active()) return WouldBlock();
    return inner_->FindReplay(partner_id, key, not_before);
  }
  Result<std::int64_t> PurgeReplays(std::int64_t cutoff) override {
    if (NonBlockingScope::Active()) return WouldBlock();
    return inner_->PurgeReplays(cutoff);
  }
  Result<void> RevokeToken(std::string_view client_id, std::string_view token_id,
                           std::int64_t expires_at) override {
    if (NonBlockingScope::Active()) return WouldBlock();
    return Dropping(client_id, inner_->RevokeToken(client_id, token_id, expires_at));
  }
  Result<std::int64_t> PurgeRevokedTokens(std::int64_t cutoff) override {
    if (NonBlockingScope::Active()) return WouldBlock();
    auto purged = inner_->PurgeRevokedTokens(cutoff);
    // Cached clients list the purged ids (harmless: their tokens have expired); forget them all
    // so memory follows the database.
    if (!purged || *purged > 0) {
      std::lock_guard lock(mu_);
      ForgetAllLocked();
    }
    return purged;
  }
  // The catalogue and registrations are not cached.
  Result<ProviderImport> UpsertProviders(const std::vector<Provider>& providers) override {
    if (NonBlockingScope::Active()) return WouldBlock();
    return inner_->UpsertProviders(providers);
  }
  Result<std::vector<Provider>> ListProviders() override {
    if (NonBlockingScope::Active()) return WouldBlock();
    return inner_->ListProviders();
  }
  Result<Provider> GetProvider(std::int64_t provider_id) override {
    if (NonBlockingScope::Active()) return WouldBlock();
    return inner_->GetProvider(provider_id);
  }
  Result<std::vector<ProviderForRecipient>> ListProvidersForRecipient(
      std::string_view client_id) override {
    if (NonBlockingScope::Active()) return WouldBlock();
    return inner_->ListProvidersForRecipient(client_id);
  }
  Result<std::vector<Registration>> RequestRegistrations(
      std::string_view partner_id, const std::vector<std::string>& client_ids,
      const std::vector<std::int64_t>& provider_ids, std::int64_t now,
      const AuditEvent& audit) override {
    if (NonBlockingScope::Active()) return WouldBlock();
    return inner_->RequestRegistrations(partner_id, client_ids, provider_ids, now, audit);
  }
  Result<std::vector<Registration>> ListRegistrations(
      std::string_view partner_id, std::optional<std::string_view> client_id) override {
    if (NonBlockingScope::Active()) return WouldBlock();
    return inner_->ListRegistrations(partner_id, client_id);
  }
  Result<Registration> GetRegistration(std::string_view client_id,
                                       std::int64_t provider_id) override {
    if (NonBlockingScope::Active()) return WouldBlock();
    return inner_->GetRegistration(client_id, provider_id);
  }
  Result<Registration> TransitionRegistration(std::string_view client_id, std::int64_t provider_id,
                                              RegistrationStatus from, RegistrationStatus to,
                                              std::int64_t now, const AuditEvent& audit) override {
    if (NonBlockingScope::Active()) return WouldBlock();
    return inner_->TransitionRegistration(client_id, provider_id, from, to, now, audit);
  }
  Result<std::optional<std::string>> GetSetting(std::string_view name) override {
    if (NonBlockingScope::Active()) return WouldBlock();
    return inner_->GetSetting(name);
  }
  Result<std::string> GetOrCreateSetting(std::string_view name,
                                         std::string_view value_if_absent) override {
    if (NonBlockingScope::Active()) return WouldBlock();
    return inner_->GetOrCreateSetting(name, value_if_absent);
  }
  Result<std::string> ReplaceSetting(std::string_view name, std::string_view expected,
                                     std::string_view desired) override {
    if (NonBlockingScope::Active()) return WouldBlock();
    return inner_->ReplaceSetting(name, expected, desired);
  }
  Result<std::uint64_t> ForeignChangeVersion() override {
    if (NonBlockingScope::Active()) return WouldBlock();
    return inner_->ForeignChangeVersion();
  }

 private:
  static Error WouldBlock() {
    return MakeError(ErrorCode::kWouldBlock, "Service Unavailable",
                     "database call on an I/O thread");
  }

  template <class T>
  using CacheMap = std::unordered_map<std::string, T>;

  // The current generation, to pass to Keep after a database read. Takes mu_.
  std::uint64_t Generation() {
    std::lock_guard lock(mu_);
    return generation_;
  }

  // Keeps `value`, read from the database, unless a write through this object or a foreign one
  // was noticed since `generation` was taken (the read may predate it). Clears `map` when full.
  // Takes mu_.
  template <class T>
  void Keep(CacheMap<T>& map, std::string_view key, const T& value, std::uint64_t generation) {
    std::lock_guard lock(mu_);
    if (generation != generation_) return;
    if (map.size() >= max_entries_) map.clear();
    map.insert_or_assign(std::string(key), value);
  }

  void PollUntilStopped(Clock::duration interval);

  // Drops every cached client and recipient; a read racing this is not kept. Needs mu_.
  void ForgetAllLocked() {
    cache_.clear();
    recipients_.clear();
    ++generation_;
  }

  // Drops the client whatever the outcome: even a failed write may have committed.
  template <class T>
  T Dropping(std::string_view client_id, T result) {
    std::lock_guard lock(mu_);
    const std::string key(client_id);
    cache_.erase(key);
    recipients_.erase(key);
    ++generation_;
    return result;
  }

  std::unique_ptr<Store> inner_;
  const std::size_t max_entries_;
  std::mutex mu_;
  CacheMap<ClientCredentials> cache_;
  CacheMap<Recipient> recipients_;
  std::uint64_t generation_ = 0;  // bumped by every write, so a read racing one is not kept
  std::optional<std::uint64_t> foreign_version_;  // last seen; nullopt when unknown

  std::mutex poll_mu_;
  std::condition_variable stop_polling_;
  bool stopping_ = false;
  std::thread poller_;
};

}  // namespace obauth::store
